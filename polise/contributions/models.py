"""Contribution figures: per app, identity and day, read from the app's git mirror.

A sync adds what the new commits say to `DailyContribution` rows, one per app, identity
(a mailmapped git e-mail) and author day; a developer is found for each identity when the
figures are read (catalog git e-mails, GitHub noreply logins, or the platform team's
assignment on `Identity`), so an assignment counts for past and future commits alike.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from polise.accounts.models import Developer
from polise.catalog.models import App

from .classify import CATEGORIES

CATEGORY_LABELS = {
    "code": _("Code"),
    "usage_docs": _("Usage docs"),
    "database_docs": _("Database docs"),
    "tests": _("Tests"),
    "excluded": _("Excluded"),
}


class Identity(models.Model):
    """Someone as git knows them: a (mailmapped) e-mail, and the developer it belongs to when
    the platform team says so (otherwise found by catalog e-mails and noreply logins)."""

    email = models.CharField(_("git e-mail"), max_length=254, unique=True)  # lowercase
    name = models.CharField(_("name in git"), max_length=200, blank=True)
    github_login = models.CharField(_("GitHub login (noreply address)"), max_length=39, blank=True)
    developer = models.ForeignKey(
        Developer,
        verbose_name=_("developer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Set it when Polise cannot tell who this is; it counts for every commit."),
    )
    first_seen = models.DateTimeField(_("first seen"), auto_now_add=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("git identity")
        verbose_name_plural = _("git identities")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


class DailyContribution(models.Model):
    """What one identity did on one app on one (author) day: commits and lines by category."""

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="+")
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    authored = models.PositiveIntegerField(default=0)
    co_authored = models.PositiveIntegerField(default=0)
    code_added = models.PositiveBigIntegerField(default=0)
    code_removed = models.PositiveBigIntegerField(default=0)
    usage_docs_added = models.PositiveBigIntegerField(default=0)
    usage_docs_removed = models.PositiveBigIntegerField(default=0)
    database_docs_added = models.PositiveBigIntegerField(default=0)
    database_docs_removed = models.PositiveBigIntegerField(default=0)
    tests_added = models.PositiveBigIntegerField(default=0)
    tests_removed = models.PositiveBigIntegerField(default=0)
    excluded_added = models.PositiveBigIntegerField(default=0)
    excluded_removed = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("contribution day")
        verbose_name_plural = _("contribution days")
        constraints = [
            models.UniqueConstraint(fields=["app", "identity", "day"], name="contribution_day")
        ]
        indexes = [models.Index(fields=["app", "day"], name="contribution_app_day")]

    def __str__(self) -> str:
        return f"{self.app_id} {self.identity_id} {self.day}"


LINE_FIELDS = [f"{c}_{side}" for c in CATEGORIES for side in ("added", "removed")]
COUNT_FIELDS = ["authored", "co_authored", *LINE_FIELDS]


class SyncState(models.Model):
    """How far an app's history has been read, and the sync under way (to resume it)."""

    class Status(models.TextChoices):
        IDLE = "idle", _("Up to date")
        RUNNING = "running", _("Counting")
        FAILED = "failed", _("Failed")

    app = models.OneToOneField(App, on_delete=models.CASCADE, related_name="contribution_sync")
    synced_tip = models.CharField(_("last commit counted"), max_length=64, blank=True)
    rules = models.CharField(_("classification rules"), max_length=32, blank=True)
    # The sync under way: commits of target not reachable from base, newest first; `processed`
    # of them are counted (stored with the figures, in one transaction per batch).
    target = models.CharField(max_length=64, blank=True)
    base = models.CharField(max_length=64, blank=True)
    processed = models.PositiveIntegerField(_("commits counted"), default=0)
    total = models.PositiveIntegerField(_("commits to count"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.IDLE
    )
    synced_at = models.DateTimeField(_("last counted"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # When pull requests and reviews were last imported from GitHub (webhooks bring new ones),
    # and, while an import is under way, the pull request it has stored everything up to: an
    # import stopped by the rate limit goes on from there instead of asking GitHub again.
    forge_imported_at = models.DateTimeField(
        _("pull requests and reviews imported"), null=True, blank=True
    )
    forge_import_through = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("contribution sync")
        verbose_name_plural = _("contribution syncs")

    def __str__(self) -> str:
        return str(self.app)

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 100


class Weights(models.Model):
    """The work-weight formula's weights, set by the platform team (one row; defaults in
    docs/contributions.md). Each term is weight x log2(1 + count)."""

    commits = models.FloatField(_("weight of commits"), default=2.0)
    code = models.FloatField(_("weight of code lines"), default=1.0)
    usage_docs = models.FloatField(_("weight of usage docs lines"), default=1.0)
    database_docs = models.FloatField(_("weight of database docs lines"), default=1.0)
    tests = models.FloatField(_("weight of test lines"), default=0.5)
    excluded = models.FloatField(_("weight of excluded lines"), default=0.0)
    prs_opened = models.FloatField(_("weight of pull requests opened"), default=1.0)
    prs_merged = models.FloatField(_("weight of pull requests merged"), default=1.0)
    reviews = models.FloatField(_("weight of reviews given"), default=1.0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("work-weight formula")
        verbose_name_plural = _("work-weight formula")

    def __str__(self) -> str:
        return str(_("work-weight formula"))


class ForgeActivity(models.Model):
    """What only GitHub knows, from its webhooks: a pull request opened or merged (credited
    to its author), a review given. Stored once per app and key, so a redelivery is harmless."""

    class Kind(models.TextChoices):
        PR_OPENED = "prs_opened", _("Pull request opened")
        PR_MERGED = "prs_merged", _("Pull request merged")
        REVIEW = "reviews", _("Review given")

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=80)  # <kind>:<pull request number>[:<review id>]
    login = models.CharField(_("GitHub login"), max_length=39)  # lowercase
    number = models.PositiveIntegerField(_("pull request"))
    day = models.DateField()

    class Meta:
        verbose_name = _("pull request or review")
        verbose_name_plural = _("pull requests and reviews")
        constraints = [models.UniqueConstraint(fields=["app", "key"], name="forge_activity_key")]
        indexes = [models.Index(fields=["app", "day"], name="forge_activity_app_day")]

    def __str__(self) -> str:
        return self.key
