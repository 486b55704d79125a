"""Ratings: one per user per app, on three optional 1-5 dimensions, with an optional comment,
the version live when it was given, every edit kept, the developers' public reply, and the
platform team's hiding of an abusive comment (kept, with who hid it and why)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from polise.catalog.models import App

STARS = [MinValueValidator(1), MaxValueValidator(5)]


class Dimension(models.TextChoices):
    """What a rating rates; the value is also the field name on Rating and the API's key."""

    QUALITY = "quality", _("App quality")
    EASE = "ease", _("Ease of use")
    DOCS = "docs", _("Usage documentation")


DIMENSIONS: tuple[str, ...] = tuple(Dimension.values)


def _stars(label: Any) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, null=True, blank=True, validators=STARS)


class Rating(models.Model):
    # The app by key, not by slug: a rating survives a change of the app's slug.
    app = models.ForeignKey(
        App, verbose_name=_("app"), on_delete=models.CASCADE, related_name="ratings"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="ratings",
    )
    quality = _stars(_("App quality"))
    ease = _stars(_("Ease of use"))
    docs = _stars(_("Usage documentation"))
    comment = models.TextField(_("comment"), blank=True)
    # The deployed commit when the rating was last given (blank: no deploy recorded).
    version = models.CharField(_("version"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("first rated"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last rated"), db_index=True)
    hidden_at = models.DateTimeField(_("comment hidden at"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("comment hidden by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    hidden_reason = models.CharField(_("why the comment was hidden"), max_length=300, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(fields=["app", "user"], name="rating_once_per_user_and_app"),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{name}__isnull": True})
                    | models.Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                    name=f"rating_{name}_1_to_5",
                )
                for name in ("quality", "ease", "docs")
            ),
        ]
        indexes = [models.Index(fields=["app", "-updated_at"])]

    def __str__(self) -> str:
        return f"{self.user} on {self.app}"

    @property
    def comment_hidden(self) -> bool:
        return self.hidden_at is not None


class RatingRevision(models.Model):
    """One submission of a rating, as it was given: the first and every edit."""

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="revisions")
    quality = _stars(_("App quality"))
    ease = _stars(_("Ease of use"))
    docs = _stars(_("Usage documentation"))
    comment = models.TextField(_("comment"), blank=True)
    version = models.CharField(_("version"), max_length=64, blank=True)
    at = models.DateTimeField(_("given at"), db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("rating revision")
        verbose_name_plural = _("rating revisions")

    def __str__(self) -> str:
        return f"{self.rating} at {self.at:%Y-%m-%d %H:%M}"


class Reply(models.Model):
    """The app developers' public answer to a rating's comment (one, editable)."""

    rating = models.OneToOneField(Rating, on_delete=models.CASCADE, related_name="reply")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    body = models.TextField(_("reply"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return f"reply to {self.rating}"


class PromptDismissal(models.Model):
    """A user said "not now" to the launcher's prompt to rate an app; it stays away."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "app"], name="rating_prompt_dismissed_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} dismissed {self.app}"
