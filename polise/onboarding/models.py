"""An onboarding: one form's worth of setup for a new app, as recorded, resumable steps."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from polise.catalog.models import App


class Onboarding(models.Model):
    """What the platform team asked for (the validated form, `spec`) and who asked."""

    app = models.OneToOneField(
        App, verbose_name=_("app"), on_delete=models.CASCADE, related_name="onboarding"
    )
    spec = models.JSONField(_("request"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("onboarding")
        verbose_name_plural = _("onboardings")

    def __str__(self) -> str:
        return str(self.app)


class Step(models.Model):
    """One recorded step. It runs once; a failed one is retried on its own, and the steps after
    it wait. Work on GitHub goes through the forge's outbox (`writes` lists their keys)."""

    class Name(models.TextChoices):
        REPO = "repo", _("Create the repository and push the template")
        COLLABORATORS = "collaborators", _("Invite the developers")
        ACTIONS = "actions", _("Set the Actions variables and secrets")
        WEBHOOK = "webhook", _("Create the webhook to Polise")
        PROTECTION = "protection", _("Protect the default branch")
        VULNERABILITY_REPORTING = (
            "vulnerability_reporting",
            _("Enable private vulnerability reporting"),
        )
        POSTGRESQL = "postgresql", _("Create the PostgreSQL database")
        MYSQL = "mysql", _("Create the MySQL database")
        BUCKET = "bucket", _("Create the object storage bucket")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not needed")

    onboarding = models.ForeignKey(
        Onboarding, verbose_name=_("onboarding"), on_delete=models.CASCADE, related_name="steps"
    )
    name = models.CharField(_("step"), max_length=32, choices=Name.choices)
    position = models.PositiveSmallIntegerField(_("position"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    # What the platform team reads on the step: what it did, or why it failed.
    detail = models.TextField(_("detail"), blank=True)
    # Facts later steps and the page need (hook id, secret names, invitations, writes).
    result = models.JSONField(_("result"), default=dict, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["onboarding", "position"]
        verbose_name = _("onboarding step")
        verbose_name_plural = _("onboarding steps")
        constraints = [
            models.UniqueConstraint(fields=["onboarding", "name"], name="onboarding_step_once")
        ]

    def __str__(self) -> str:
        return f"{self.onboarding}: {self.get_name_display()} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.SKIPPED)


class ProvisionedDatabase(models.Model):
    """A database and user Polise made for an app. Only these can be dropped, and only on a
    confirmed request; the server-side marker is checked again before the drop."""

    class Engine(models.TextChoices):
        POSTGRESQL = "postgresql", "PostgreSQL"
        MYSQL = "mysql", "MySQL/MariaDB"

    app = models.ForeignKey(
        App, verbose_name=_("app"), on_delete=models.PROTECT, related_name="databases"
    )
    engine = models.CharField(_("engine"), max_length=16, choices=Engine.choices)
    name = models.CharField(_("database"), max_length=63)
    user = models.CharField(_("user"), max_length=63)
    # Where the password went: the Swarm secret's name, or the Actions secret's.
    delivered_as = models.CharField(_("password delivered as"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    dropped_at = models.DateTimeField(_("dropped"), null=True, blank=True)

    class Meta:
        ordering = ["app", "engine"]
        verbose_name = _("provisioned database")
        verbose_name_plural = _("provisioned databases")
        constraints = [
            models.UniqueConstraint(fields=["engine", "name"], name="provisioned_database_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_engine_display()} {self.name}"
