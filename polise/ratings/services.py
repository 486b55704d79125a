"""Writes: give or change a rating, reply to it, hide an abusive comment, dismiss the prompt.

Every rule is checked before anything is stored; a broken rule raises RatingError with a
message for the user, and nothing is written.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from polise.accounts.audit import audit_record
from polise.accounts.models import AuditEvent, User
from polise.catalog.models import App, Lifecycle
from polise.catalog.selectors import app_managed_by

from . import selectors
from .models import DIMENSIONS, PromptDismissal, Rating, RatingRevision, Reply

COMMENT_MAX_CHARS = 2000
REPLY_MAX_CHARS = 2000
HIDE_REASON_MAX_CHARS = 300


class RatingError(Exception):
    """A rating (or reply) that may not be stored; the message says why, for the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _check_stars(values: dict[str, int | None]) -> dict[str, int | None]:
    clean: dict[str, int | None] = {}
    for name in DIMENSIONS:
        value = values.get(name)
        if value in (None, ""):
            clean[name] = None
            continue
        try:
            number = int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise RatingError(_("Choose from 1 to 5 stars."), field=name) from None
        if (isinstance(value, float) and value != number) or not 1 <= number <= 5:
            raise RatingError(_("Choose from 1 to 5 stars."), field=name)
        clean[name] = number
    if all(v is None for v in clean.values()):
        raise RatingError(_("Rate at least one of the three."), field=DIMENSIONS[0])
    return clean


def rating_check_allowed(*, user: User | AnonymousUser, app: App) -> None:
    """Raise RatingError when `user` may not rate `app` (whatever the values): anonymous, the
    app unknown to them or archived, one of its owners, or never used it."""
    if not user.is_authenticated:
        raise RatingError(_("Sign in to rate an app."))
    if not App.objects.visible_to(user).filter(pk=app.pk).exists():
        raise RatingError(_("There is no such app."))
    if app.lifecycle not in (Lifecycle.ACTIVE, Lifecycle.DEPRECATED):
        raise RatingError(_("This app is archived: it cannot be rated any more."))
    if any(owner.pk == user.pk for owner in app.owners.all()):
        raise RatingError(_("You look after this app, so you cannot rate it."))
    if not selectors.user_has_used(user=user, app=app):
        raise RatingError(
            _("Open the app from the launcher first: only people who used it rate it.")
        )


def rating_submit(
    *,
    user: User | AnonymousUser,
    app: App,
    quality: int | None = None,
    ease: int | None = None,
    docs: int | None = None,
    comment: str = "",
) -> Rating:
    """Give or change `user`'s rating of `app`; every submission is kept as a revision."""
    rating_check_allowed(user=user, app=app)
    assert isinstance(user, User)
    stars = _check_stars({"quality": quality, "ease": ease, "docs": docs})
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_CHARS:
        raise RatingError(
            _("Keep the comment under %(limit)d characters (it has %(count)d).")
            % {"limit": COMMENT_MAX_CHARS, "count": len(comment)},
            field="comment",
        )
    if "\x00" in comment:
        raise RatingError(
            _("The comment contains a character that cannot be stored."), field="comment"
        )
    now = timezone.now()
    recent = RatingRevision.objects.filter(
        rating__user=user, at__gte=now - timedelta(hours=1)
    ).count()
    if recent >= settings.RATINGS_PER_HOUR:
        raise RatingError(
            _("You have rated %(count)d times in the last hour. Please try again later.")
            % {"count": recent}
        )
    version = selectors.live_version(app=app)
    try:
        with transaction.atomic():
            rating, _created = Rating.objects.select_for_update().get_or_create(
                app=app,
                user=user,
                defaults={**stars, "comment": comment, "version": version, "updated_at": now},
            )
            if not _created:
                for name, value in stars.items():
                    setattr(rating, name, value)
                # A hidden comment stays hidden through edits (the platform team may show
                # it again), so that rewording an abusive comment does not bring it back.
                rating.comment, rating.version, rating.updated_at = comment, version, now
                rating.save()
            RatingRevision.objects.create(
                rating=rating, **stars, comment=comment, version=version, at=now
            )
    except IntegrityError:  # two submissions at once: the other one won; ask to try again
        raise RatingError(_("Your rating changed meanwhile. Please try again.")) from None
    selectors.forget_portal_means()
    return rating


def reply_save(*, user: User | AnonymousUser, rating: Rating, body: str) -> Reply | None:
    """The app developers' public reply to a rating; an empty body removes it."""
    if not app_managed_by(app=rating.app, user=user):
        raise RatingError(_("Only the app's developers reply to its ratings."))
    body = (body or "").strip()
    if len(body) > REPLY_MAX_CHARS:
        raise RatingError(
            _("Keep the reply under %(limit)d characters.") % {"limit": REPLY_MAX_CHARS},
            field="body",
        )
    if not body:
        Reply.objects.filter(rating=rating).delete()
        return None
    assert isinstance(user, User)
    reply, _created = Reply.objects.update_or_create(
        rating=rating, defaults={"body": body, "author": user}
    )
    return reply


def comment_hide(*, user: User | AnonymousUser, rating: Rating, reason: str) -> Rating:
    """The platform team hides an abusive comment: it stays stored, with who hid it and why
    (shown in the admin and the audit log); the stars still count."""
    if not (user.is_authenticated and user.is_staff):
        raise RatingError(_("Only the platform team hides comments."))
    reason = (reason or "").strip()
    if not reason:
        raise RatingError(_("Say why the comment is hidden."), field="reason")
    if len(reason) > HIDE_REASON_MAX_CHARS:
        raise RatingError(
            _("Keep the reason under %(limit)d characters.") % {"limit": HIDE_REASON_MAX_CHARS},
            field="reason",
        )
    assert isinstance(user, User)
    rating.hidden_at, rating.hidden_by, rating.hidden_reason = timezone.now(), user, reason
    rating.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    audit_record(
        AuditEvent.Kind.ADMIN_CHANGE,
        user=user,
        target=rating.app.slug,
        action="rating_comment_hidden",
        rating=rating.pk,
        reason=reason,
    )
    return rating


def comment_unhide(*, user: User | AnonymousUser, rating: Rating) -> Rating:
    if not (user.is_authenticated and user.is_staff):
        raise RatingError(_("Only the platform team hides comments."))
    assert isinstance(user, User)
    rating.hidden_at, rating.hidden_by, rating.hidden_reason = None, None, ""
    rating.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    audit_record(
        AuditEvent.Kind.ADMIN_CHANGE,
        user=user,
        target=rating.app.slug,
        action="rating_comment_shown",
        rating=rating.pk,
    )
    return rating


def prompt_dismiss(*, user: User | AnonymousUser, app: App) -> None:
    if user.is_authenticated:
        PromptDismissal.objects.get_or_create(user=user, app=app)
