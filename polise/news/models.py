"""News from commits: each app's commits (items), grouped into updates users read."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from polise.catalog.models import App

from .parse import Category

CATEGORY_LABELS = {
    Category.BREAKING: _("Breaking changes"),
    Category.FEATURE: _("New features"),
    Category.FIX: _("Fixes"),
    Category.PERFORMANCE: _("Performance"),
    Category.DOCS: _("Documentation"),
    Category.OTHER: _("Other"),
}


class AppNews(models.Model):
    """One app's news settings (set by its developers) and how far its history was read."""

    app = models.OneToOneField(
        App, verbose_name=_("app"), on_delete=models.CASCADE, related_name="news"
    )
    branch = models.CharField(
        _("branch"),
        max_length=200,
        blank=True,
        help_text=_("Commits on this branch make news. Empty: the repository's default branch."),
    )
    hold_for_review = models.BooleanField(
        _("hold updates for review"),
        default=False,
        help_text=_("New updates wait until a developer of the app publishes them."),
    )
    synced_tip = models.CharField(_("last commit read"), max_length=64, blank=True)
    synced_at = models.DateTimeField(_("last read"), null=True, blank=True)
    grouped_deploy_at = models.DateTimeField(null=True, blank=True)
    grouped_deploy_commit = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("app news")
        verbose_name_plural = _("app news")

    def __str__(self) -> str:
        return str(self.app)


class Update(models.Model):
    """What users read: the commits one deploy shipped, or one push (apps that do not
    record deploys), or one day of older history."""

    class Kind(models.TextChoices):
        DEPLOY = "deploy", _("Deploy")
        PUSH = "push", _("Push")
        HISTORY = "history", _("History")

    class Status(models.TextChoices):
        HELD = "held", _("Waiting for review")
        PUBLISHED = "published", _("Published")
        HIDDEN = "hidden", _("Hidden")

    app = models.ForeignKey(App, verbose_name=_("app"), on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120)  # deploy:<record id>, push:<sha>, history:<date>
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    head_sha = models.CharField(_("commit"), max_length=64, blank=True)
    occurred_at = models.DateTimeField(_("shipped"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # A developer's own words for users; empty: the title and items made from the commits.
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("text"), blank=True)
    item_count = models.PositiveIntegerField(default=0)  # items users see
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("update")
        verbose_name_plural = _("updates")
        constraints = [models.UniqueConstraint(fields=["app", "key"], name="news_update_key")]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="news_update_feed"),
            models.Index(fields=["app", "status", "-published_at"], name="news_update_app_feed"),
        ]

    def __str__(self) -> str:
        return f"{self.app_id} {self.key}"

    @property
    def deploy_record_id(self) -> int | None:
        """The deploy record that shipped this update (key deploy:<record id>), if any."""
        prefix, _sep, rest = self.key.partition(":")
        return int(rest) if prefix == "deploy" and rest.isdigit() else None

    @property
    def shown(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.item_count > 0


class Item(models.Model):
    """One commit of one app, stored once (by SHA), with what its message says."""

    app = models.ForeignKey(App, verbose_name=_("app"), on_delete=models.CASCADE, related_name="+")
    sha = models.CharField(_("commit"), max_length=64)
    update = models.ForeignKey(
        Update, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    type = models.CharField(_("type"), max_length=40, blank=True)
    scope = models.CharField(_("scope"), max_length=60, blank=True)
    category = models.CharField(
        _("category"), max_length=16, choices=[(c.value, CATEGORY_LABELS[c]) for c in Category]
    )
    breaking_note = models.TextField(_("breaking change"), blank=True)
    usage_docs = models.BooleanField(_("usage docs changed"), default=False)
    database_docs = models.BooleanField(_("database docs changed"), default=False)
    author_name = models.CharField(_("author"), max_length=200)
    author_email = models.CharField(_("author e-mail"), max_length=254)
    co_authors = models.JSONField(_("co-authors"), default=list, blank=True)
    committed_at = models.DateTimeField(_("committed"))
    skip_reason = models.CharField(_("not news because"), max_length=100, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    hidden = models.BooleanField(_("hidden"), default=False)

    class Meta:
        ordering = ["committed_at", "pk"]
        verbose_name = _("news item")
        verbose_name_plural = _("news items")
        constraints = [models.UniqueConstraint(fields=["app", "sha"], name="news_item_once")]
        indexes = [models.Index(fields=["app", "update"], name="news_item_pending")]

    def __str__(self) -> str:
        return f"{self.sha[:12]} {self.title}"

    @property
    def shown(self) -> bool:
        return not (self.hidden or self.withdrawn_at or self.skip_reason)

    @property
    def category_label(self) -> str:
        return str(CATEGORY_LABELS[Category(self.category)])


class Edit(models.Model):
    """Who changed what in an app's news (developers' rewrites, hiding, publishing, settings)."""

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="+")
    update = models.ForeignKey(
        Update, on_delete=models.CASCADE, null=True, blank=True, related_name="edits"
    )
    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, null=True, blank=True, related_name="edits"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=40)
    before = models.TextField(_("before"), blank=True)
    after = models.TextField(_("after"), blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("news edit")
        verbose_name_plural = _("news edits")

    def __str__(self) -> str:
        return f"{self.action} by {self.user_id} at {self.at}"


class Seen(models.Model):
    """When a user last looked at an app's news: the launcher counts what came after."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "app"], name="news_seen_once")]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.app_id} at {self.seen_at}"
