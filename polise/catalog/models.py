from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from polise.accounts.models import OrgUnit

from .access import AppQuerySet

# owner/name as GitHub allows them: an account login, then a repo name of letters, digits, . _ -
repo_validator = RegexValidator(
    r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$",
    _("Write the GitHub repository as owner/name, e.g. diskominfo/simpeg."),
)
docs_path_validator = RegexValidator(
    r"^(?!/)(?!.*\.\.)[A-Za-z0-9._/-]+$",
    _("Write a relative path inside the repository, e.g. docs/usage."),
)


class Technology(models.TextChoices):
    """The stacks the GitOps templates cover; an app's technology picks its template."""

    PYTHON = "python", "Python"
    NODE = "node", "Node.js"
    PHP = "php", "PHP"
    GO = "go", "Go"
    STATIC = "static", _("Static site")


class Placement(models.TextChoices):
    APP = "app", _("Shared app nodes")
    DEDICATED = "dedicated", _("Dedicated node")


class Lifecycle(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    DEPRECATED = "deprecated", _("Deprecated")
    RETIRED = "retired", _("Retired")


class App(models.Model):
    """An in-house web app that runs on the swarm and is opened from the launcher."""

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=120)
    summary = models.CharField(
        _("summary"), max_length=200, help_text=_("One sentence for the launcher tile.")
    )
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("public URL"), blank=True)
    repo = models.CharField(
        _("GitHub repository"), max_length=140, validators=[repo_validator], blank=True
    )
    technology = models.CharField(_("technology"), max_length=16, choices=Technology.choices)
    placement = models.CharField(
        _("placement"), max_length=16, choices=Placement.choices, default=Placement.APP
    )
    owner_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("owner unit"), on_delete=models.PROTECT, related_name="apps"
    )
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("owners"), blank=True, related_name="owned_apps"
    )
    usage_docs_path = models.CharField(
        _("usage docs path"), max_length=200, default="docs/usage", validators=[docs_path_validator]
    )
    database_docs_path = models.CharField(
        _("database docs path"),
        max_length=200,
        default="docs/database",
        validators=[docs_path_validator],
    )
    lifecycle = models.CharField(
        _("lifecycle"), max_length=16, choices=Lifecycle.choices, default=Lifecycle.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("app")
        verbose_name_plural = _("apps")

    def __str__(self) -> str:
        return self.name

    @property
    def repo_url(self) -> str:
        return f"https://github.com/{self.repo}" if self.repo else ""

    def docs_url(self, path: str) -> str:
        return f"{self.repo_url}/tree/HEAD/{path}" if self.repo else ""

    @property
    def usage_docs_url(self) -> str:
        return self.docs_url(self.usage_docs_path)

    @property
    def database_docs_url(self) -> str:
        return self.docs_url(self.database_docs_path)

    @property
    def launchable(self) -> bool:
        return bool(self.url) and self.lifecycle in (Lifecycle.ACTIVE, Lifecycle.DEPRECATED)


class AccessPolicy(models.Model):
    """Who may open an app. An app without a policy is open to everyone signed in.

    The rule built on it lives in one place, `polise.catalog.access`.
    """

    class Audience(models.TextChoices):
        SIGNED_IN = "signed_in", _("Everyone signed in")
        LISTED = "listed", _("Only the listed org units and users")

    app = models.OneToOneField(
        App, verbose_name=_("app"), on_delete=models.CASCADE, related_name="access_policy"
    )
    audience = models.CharField(
        _("who may open it"), max_length=16, choices=Audience.choices, default=Audience.SIGNED_IN
    )
    units = models.ManyToManyField(
        OrgUnit,
        verbose_name=_("org units"),
        blank=True,
        related_name="+",
        help_text=_("Members of these org units may open the app."),
    )
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("users"), blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("access policy")
        verbose_name_plural = _("access policies")

    def __str__(self) -> str:
        return f"{self.app}: {self.get_audience_display()}"
