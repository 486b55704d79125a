"""Deploy records that `polise deploy` posts from the CI runner, and the per-app tokens it uses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from polise.catalog.models import App


class DeployToken(models.Model):
    """A secret that lets one app's pipeline record its deploys. Only a SHA-256 of the token
    is kept (the token is 256 random bits, so a slow hash adds nothing); the prefix finds the
    row, the hash is compared in constant time."""

    app = models.ForeignKey(
        App, verbose_name=_("app"), on_delete=models.CASCADE, related_name="deploy_tokens"
    )
    label = models.CharField(
        _("label"), max_length=100, help_text=_("Where the token lives, e.g. GitHub Actions.")
    )
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["app", "-created_at"]
        verbose_name = _("deploy token")
        verbose_name_plural = _("deploy tokens")

    def __str__(self) -> str:
        return f"{self.app.slug}: {self.label} ({self.prefix}…)"


# The choices mirror polise.gitops.deploy.record (KINDS, RESULTS), which validates every record.
class Result(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    ROLLED_BACK = "rolled_back", _("Rolled back by Swarm")
    TIMED_OUT = "timed_out", _("Timed out")


class Kind(models.TextChoices):
    DEPLOY = "deploy", _("Deploy")
    ROLLBACK = "rollback", _("Rollback")


class DeployRecord(models.Model):
    """One run of `polise deploy` (or `polise rollback`) for an app, keyed by the id the CLI
    chose, so a retried report updates the same record instead of adding one."""

    deploy_id = models.UUIDField(_("deploy id"), unique=True)
    app = models.ForeignKey(
        App, verbose_name=_("app"), on_delete=models.CASCADE, related_name="deploys"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.DEPLOY)
    stack = models.CharField(_("stack"), max_length=64)
    commit = models.CharField(_("commit"), max_length=64, blank=True)
    # Blank only for a deploy that failed before its stack file could be read.
    image = models.CharField(_("image"), max_length=300, blank=True)
    digest = models.CharField(_("digest"), max_length=71, blank=True)
    # Every service's pinned image (name[:tag]@digest): what a rollback deploys again.
    images = models.JSONField(_("images"), default=dict)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    result = models.CharField(
        _("result"), max_length=16, choices=Result.choices, default=Result.RUNNING
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    message = models.TextField(_("message"), blank=True)
    services = models.JSONField(_("services"), default=dict)
    # A rollback: the deploy whose recorded stack it deployed again.
    rollback_of = models.ForeignKey(
        "self",
        verbose_name=_("rollback of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rollbacks",
    )
    # What `polise rollback` deploys again: the stack files as deployed (images pinned by
    # digest) and the variables they used (polise.gitops.deploy.record.ResolvedStack).
    resolved_stack = models.JSONField(_("resolved stack"), null=True, blank=True)
    token = models.ForeignKey(
        DeployToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="records"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["app", "-started_at"])]
        verbose_name = _("deploy record")
        verbose_name_plural = _("deploy records")

    def __str__(self) -> str:
        return f"{self.app.slug} {self.commit[:12]} {self.result}"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
