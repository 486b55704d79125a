from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

# GitHub's own rule for user names: alphanumerics and single inner hyphens, at most 39.
github_login_validator = RegexValidator(
    r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$",
    _("Masukkan nama pengguna GitHub yang sah (huruf, angka, tanda hubung; maks. 39)."),
)


class User(AbstractUser):
    """A person who signs in to Polise: a civil servant, a citizen, a developer or the platform team."""

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class OrgUnit(models.Model):
    """A government office or a team within one; org units own apps and group users."""

    class Kind(models.TextChoices):
        OFFICE = "office", _("Perangkat daerah")
        TEAM = "team", _("Tim")

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = models.CharField(_("nama"), max_length=200)
    kind = models.CharField(_("jenis"), max_length=16, choices=Kind.choices, default=Kind.OFFICE)
    parent = models.ForeignKey(
        "self", verbose_name=_("induk"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    members = models.ManyToManyField(User, verbose_name=_("anggota"), blank=True, related_name="org_units")

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit kerja")
        verbose_name_plural = _("unit kerja")

    def __str__(self) -> str:
        return self.name


class Developer(models.Model):
    """A user who writes code: known on GitHub by a login and in git by the e-mails they commit with."""

    user = models.OneToOneField(User, verbose_name=_("pengguna"), on_delete=models.CASCADE, related_name="developer")
    github_login = models.CharField(
        _("login GitHub"), max_length=39, validators=[github_login_validator], unique=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["github_login"]
        verbose_name = _("pengembang")
        verbose_name_plural = _("pengembang")
        # GitHub logins are case-insensitive: "Octocat" and "octocat" are one account.
        constraints = [models.UniqueConstraint(Lower("github_login"), name="developer_github_login_ci_unique")]

    def __str__(self) -> str:
        return self.github_login


class GitEmail(models.Model):
    """An address a developer's commits carry; one address belongs to one developer."""

    developer = models.ForeignKey(Developer, on_delete=models.CASCADE, related_name="git_emails")
    email = models.EmailField(_("alamat e-mail git"), unique=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("alamat e-mail git")
        verbose_name_plural = _("alamat e-mail git")

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        self.email = self.email.strip().lower()
