from django.db import models
from django.utils.translation import gettext_lazy as _


class Write(models.Model):
    """One write to GitHub, stored before it runs: the outbox.

    The idempotency key makes a duplicate request a no-op, and travels with the write to
    GitHub as a hidden marker so that a retry can find what an ambiguous attempt did.
    """

    class Kind(models.TextChoices):
        CREATE_ISSUE = "create_issue", _("Create issue")
        CREATE_COMMENT = "create_comment", _("Create comment")
        ADD_LABELS = "add_labels", _("Add labels")
        SET_ISSUE_STATE = "set_issue_state", _("Open or close issue")
        CREATE_VULNERABILITY_REPORT = (
            "create_vulnerability_report",
            _("Create vulnerability report"),
        )
        SET_UP_REPOSITORY = "set_up_repository", _("Set up repository")
        ADD_COLLABORATOR = "add_collaborator", _("Add collaborator")
        SET_ACTIONS_SECRET = "set_actions_secret", _("Set Actions secret")
        SET_ACTIONS_VARIABLE = "set_actions_variable", _("Set Actions variable")
        ENSURE_WEBHOOK = "ensure_webhook", _("Create webhook")
        PROTECT_BRANCH = "protect_branch", _("Protect branch")
        ENABLE_VULNERABILITY_REPORTING = (
            "enable_vulnerability_reporting",
            _("Enable private vulnerability reporting"),
        )

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    repo = models.CharField(_("repository"), max_length=140)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Set when an attempt ended without knowing whether GitHub applied it.
    ambiguous = models.BooleanField(_("outcome unknown"), default=False)
    result = models.JSONField(_("result"), null=True, blank=True)
    # The name of a callback registered with @outbox.on_outcome, called with the write once it
    # is done or has failed.
    on_outcome = models.CharField(_("on outcome"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("GitHub write")
        verbose_name_plural = _("GitHub writes")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.repo} ({self.status})"

    @property
    def marker(self) -> str:
        return f"<!-- polise:{self.key} -->"


class Delivery(models.Model):
    """One webhook delivery from GitHub, keyed on X-GitHub-Delivery so a redelivery runs once."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored")
        FAILED = "failed", _("Failed")

    delivery_id = models.CharField(_("delivery id"), max_length=64, unique=True)
    event = models.CharField(_("event"), max_length=64)
    action = models.CharField(_("action"), max_length=64, blank=True)
    repo = models.CharField(_("repository"), max_length=140, blank=True)
    hook_id = models.CharField(_("hook id"), max_length=32, blank=True)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    outcome = models.TextField(_("outcome"), blank=True)
    redeliveries = models.PositiveIntegerField(_("redeliveries"), default=0)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["event", "received_at"])]

    def __str__(self) -> str:
        return f"{self.event}.{self.action} {self.repo} {self.delivery_id}".replace(". ", " ")


class HookSecret(models.Model):
    """A per-repository webhook secret (set by onboarding); it takes precedence over the global one.

    Found by the X-GitHub-Hook-ID header, so the secret is known before the body is parsed.
    """

    hook_id = models.CharField(_("hook id"), max_length=32, unique=True)
    repo = models.CharField(_("repository"), max_length=140)
    secret = models.CharField(_("secret"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook secret")
        verbose_name_plural = _("webhook secrets")

    def __str__(self) -> str:
        return f"{self.repo} (hook {self.hook_id})"
