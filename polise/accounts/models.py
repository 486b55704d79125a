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


class AuditEvent(models.Model):
    """A security-relevant event, kept for POLISE_AUDIT_RETENTION_DAYS and searchable in the
    admin. The user name is copied so the record outlives the account."""

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
        LOCKED_OUT = "locked_out", _("Locked out")
        UNLOCKED = "unlocked", _("Unlocked")
        SIGN_OUT = "sign_out", _("Signed out")
        SESSION_REVOKED = "session_revoked", _("Session revoked")
        MFA_ENROLLED = "mfa_enrolled", _("Second factor enrolled")
        MFA_REMOVED = "mfa_removed", _("Second factor removed")
        MFA_FAILED = "mfa_failed", _("Second factor failed")
        PASSWORD_RESET = "password_reset", _("Password reset")
        TOKEN_GRANTED = "token_granted", _("Token granted")
        ACCESS_DENIED = "access_denied", _("Access denied")
        ADMIN_CHANGE = "admin_change", _("Administrative change")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=32, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(_("user name"), max_length=150, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    target = models.CharField(
        _("target"), max_length=200, blank=True, help_text=_("The app, client or object concerned.")
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} {self.username}"


class MfaRequirement(models.Model):
    """The platform team requires a second factor of every member of an org unit or group."""

    unit = models.OneToOneField(
        OrgUnit,
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    group = models.OneToOneField(
        "auth.Group",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("second-factor requirement")
        verbose_name_plural = _("second-factor requirements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit__isnull=False, group__isnull=True)
                | models.Q(unit__isnull=True, group__isnull=False),
                name="mfa_requirement_unit_xor_group",
            )
        ]

    def __str__(self) -> str:
        return str(self.unit or self.group)
