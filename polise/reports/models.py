import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from polise.catalog.models import App


class Report(models.Model):
    """A problem a user reported about an app; filed as a GitHub issue (or kept confidential)."""

    class Kind(models.TextChoices):
        BUG = "bug", _("Something does not work")
        REQUEST = "request", _("Question or request")
        SECURITY = "security", _("Security problem")

    class Status(models.TextChoices):
        # Stored in Polise, not yet on GitHub (the outbox is filing it).
        RECEIVED = "received", pgettext_lazy("report status", "Received")
        OPEN = "open", pgettext_lazy("report status", "Open")
        IN_PROGRESS = "in_progress", pgettext_lazy("report status", "In progress")
        RESOLVED = "resolved", pgettext_lazy("report status", "Resolved")
        DUPLICATE = "duplicate", pgettext_lazy("report status", "Duplicate")
        # Could not be filed on GitHub; the platform team has been told.
        NEEDS_ATTENTION = (
            "needs_attention",
            pgettext_lazy("report status", "Waiting for the platform team"),
        )

    class Channel(models.TextChoices):
        ISSUE = "issue", _("GitHub issue")
        ADVISORY = "advisory", _("Private vulnerability report")
        CONFIDENTIAL = "confidential", _("Confidential queue in Polise")

    app = models.ForeignKey(
        App, verbose_name=_("app"), on_delete=models.PROTECT, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        on_delete=models.PROTECT,
        related_name="reports",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=160)
    what_happened = models.TextField(_("what happened"))
    expected = models.TextField(_("what you expected"), blank=True)
    steps = models.TextField(_("steps to reproduce"), blank=True)
    area = models.CharField(_("part of the app"), max_length=60, blank=True)
    # Captured automatically: browser, app version when known, time zone.
    context = models.JSONField(_("context"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    problem = models.TextField(_("filing problem"), blank=True)
    github_repo = models.CharField(_("GitHub repository"), max_length=140, blank=True)
    github_number = models.PositiveIntegerField(_("GitHub issue"), null=True, blank=True)
    github_url = models.URLField(_("GitHub link"), blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)
    filed_at = models.DateTimeField(_("filed"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    # The issue's `updated_at` in the last issue event applied: an older event changes nothing.
    github_updated_at = models.DateTimeField(_("issue last updated"), null=True, blank=True)
    # The status the reporter was last told about, so that each change is told once.
    notified_status = models.CharField(
        _("status told to the reporter"), max_length=20, choices=Status.choices, blank=True
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [
            models.Index(fields=["app", "status"]),
            models.Index(fields=["github_repo", "github_number"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def confidential(self) -> bool:
        return self.kind == self.Kind.SECURITY

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.RECEIVED, self.Status.OPEN, self.Status.IN_PROGRESS)


class StatusChange(models.Model):
    """One change of a report's status: who or what made it, from where, and when."""

    class Source(models.TextChoices):
        POLISE = "polise", _("Polise (filing)")
        GITHUB = "github", _("GitHub issue")
        PORTAL = "portal", _("Polise pages")
        ADMIN = "admin", _("Admin")

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="status_changes"
    )
    old_status = models.CharField(_("from"), max_length=20, choices=Report.Status.choices)
    new_status = models.CharField(_("to"), max_length=20, choices=Report.Status.choices)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Copied, so the record outlives the account; a GitHub login for changes made on GitHub.
    actor_name = models.CharField(_("by (name)"), max_length=150, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"#{self.report_id} {self.old_status} -> {self.new_status}"


EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name never comes from the user: an uploaded name cannot choose a path.
    return f"reports/{instance.report_id}/{uuid.uuid4().hex}{instance.extension}"


class Attachment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    original_name = models.CharField(max_length=200)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.content_type, ".pdf")


class Comment(models.Model):
    """A comment on the report's GitHub issue; the reporter sees it once a developer makes it public."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="comments")
    github_id = models.BigIntegerField(unique=True)
    author = models.CharField(max_length=39)
    body = models.TextField()
    public = models.BooleanField(_("shown to the reporter"), default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"


def pending_upload_path(instance: "PendingUpload", filename: str) -> str:
    return f"reports/pending/{uuid.uuid4().hex}{EXTENSIONS.get(instance.content_type, '.pdf')}"


class PendingUpload(models.Model):
    """A file checked and stored while its report is still a draft (a similar report was
    offered, or another field needs fixing), so the reporter never has to pick it again. It
    becomes an Attachment when the report is sent; abandoned ones are pruned after a day."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to=pending_upload_path, max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    original_name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("file waiting for its report")
        verbose_name_plural = _("files waiting for their reports")

    def __str__(self) -> str:
        return self.original_name


class Follower(models.Model):
    """Someone who has the same problem as a report and follows it instead of filing it again
    ("+1"): the report shows in their list, and counts them."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [
            models.UniqueConstraint(fields=["report", "user"], name="report_follower_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.report}"
