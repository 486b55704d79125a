from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

# GitHub's own rule for user names: alphanumerics and single inner hyphens, at most 39.
github_login_validator = RegexValidator(
    r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$",
    _("Enter a valid GitHub login (letters, digits and single hyphens; at most 39)."),
)


class User(AbstractUser):
    """A person who signs in to Polise: a civil servant, a citizen, a developer or the platform team."""

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class OrgUnit(models.Model):
    """A government office or a team within one; org units own apps and group users."""

    class Kind(models.TextChoices):
        OFFICE = "office", _("Government office")
        TEAM = "team", _("Team")

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OFFICE)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    members = models.ManyToManyField(
        User, verbose_name=_("members"), blank=True, related_name="org_units"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")

    def __str__(self) -> str:
        return self.name


class Developer(models.Model):
    """A user who writes code: known on GitHub by a login and in git by the e-mails they commit with."""

    user = models.OneToOneField(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="developer"
    )
    github_login = models.CharField(
        _("GitHub login"), max_length=39, validators=[github_login_validator], unique=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["github_login"]
        verbose_name = _("developer")
        verbose_name_plural = _("developers")
        # GitHub logins are case-insensitive: "Octocat" and "octocat" are one account.
        constraints = [
            models.UniqueConstraint(Lower("github_login"), name="developer_github_login_ci_unique")
        ]

    def __str__(self) -> str:
        return self.github_login


class GitEmail(models.Model):
    """An address a developer's commits carry; one address belongs to one developer."""

    developer = models.ForeignKey(Developer, on_delete=models.CASCADE, related_name="git_emails")
    email = models.EmailField(_("git e-mail address"), unique=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("git e-mail address")
        verbose_name_plural = _("git e-mail addresses")

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        self.email = self.email.strip().lower()
