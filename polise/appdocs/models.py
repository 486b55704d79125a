"""Docs of each app, rendered from its git mirror by a job (never per page view).

RenderedPage is the cache: one rendering per (blob, folder, renderer version), shared by every
app and commit that has the same file. DocsState says which commit each app's docs come from;
DocPage lists that commit's pages (usage and database docs) with what was done with each.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from polise.catalog.models import App


class RenderedPage(models.Model):
    key = models.CharField(max_length=64, unique=True)  # render.cache_key
    blob_sha = models.CharField(max_length=64, db_index=True)
    title = models.CharField(max_length=300)
    html = models.TextField()
    toc = models.JSONField(default=list)
    text = models.TextField(blank=True)  # plain text, for search
    notes = models.JSONField(default=list)
    rendered_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.blob_sha[:12]} {self.title}"


class DocsState(models.Model):
    class Source(models.TextChoices):
        DEPLOYED = "deployed", _("deployed commit")
        BRANCH = "branch", _("default branch")

    app = models.OneToOneField(App, on_delete=models.CASCADE, related_name="docs_state")
    commit = models.CharField(_("commit"), max_length=64, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, blank=True)
    built_at = models.DateTimeField(_("built"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("docs state")
        verbose_name_plural = _("docs states")

    def __str__(self) -> str:
        return f"{self.app} @ {self.commit[:12]}"


class DocPage(models.Model):
    class Kind(models.TextChoices):
        USAGE = "usage", _("Usage docs")
        DATABASE = "database", _("Database docs")

    class Status(models.TextChoices):
        RENDERED = "rendered", _("rendered")
        TOO_LARGE = "too_large", _("too large to show")
        BINARY = "binary", _("not text")
        REFUSED = "refused", _("refused")

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="doc_pages")
    path = models.CharField(max_length=500)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices)
    note = models.CharField(max_length=300, blank=True)
    blob_sha = models.CharField(max_length=64, blank=True)
    size = models.BigIntegerField(default=0)
    title = models.CharField(max_length=300)
    rendered = models.ForeignKey(RenderedPage, on_delete=models.SET_NULL, null=True, blank=True)
    # A copy of the rendered text: the search index is per page, not per blob.
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["app", "kind", "path"]
        constraints = [models.UniqueConstraint(fields=["app", "path"], name="doc_page_once")]

    def __str__(self) -> str:
        return f"{self.app}: {self.path}"


class PageFeedback(models.Model):
    """'Was this page helpful?' from one user about one page of one app (latest answer kept)."""

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="doc_feedback")
    path = models.CharField(max_length=500)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="doc_feedback"
    )
    helpful = models.BooleanField()
    comment = models.TextField(blank=True, max_length=2000)
    commit = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["app", "path", "user"], name="doc_feedback_once")
        ]

    def __str__(self) -> str:
        return f"{self.app} {self.path}: {'yes' if self.helpful else 'no'}"


class SchemaCheck(models.Model):
    """The database docs of an app compared with one of its live databases."""

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="schema_checks")
    database = models.CharField(max_length=200)
    engine = models.CharField(max_length=16)
    commit = models.CharField(max_length=64, blank=True)
    checked_at = models.DateTimeField(auto_now=True)
    coverage = models.FloatField(null=True, blank=True)  # percent of live columns documented
    result = models.JSONField(default=dict)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["app", "database"]
        constraints = [
            models.UniqueConstraint(fields=["app", "database"], name="schema_check_once")
        ]

    def __str__(self) -> str:
        return f"{self.app} {self.database}"
