"""Reads of news. Every one goes through the catalog's access rule, and every list costs a fixed
number of queries however long it is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Count,
    DateTimeField,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import ngettext

from polise.accounts.models import User
from polise.catalog.models import App

from .models import CATEGORY_LABELS, Edit, Item, Seen, Update
from .parse import ORDER, Category, display_title

Viewer = User | AnonymousUser | None


def _shown_items() -> Prefetch:
    return Prefetch(
        "items",
        queryset=Item.objects.filter(hidden=False, withdrawn_at__isnull=True, skip_reason=""),
        to_attr="shown_items",
    )


def news_updates(*, user: Viewer, app: App | None = None) -> QuerySet[Update]:
    """Published updates users may read, newest first: of one app, or of every app `user` may
    see. Their shown items come along (`update.shown_items`) in one more query."""
    updates = Update.objects.filter(status=Update.Status.PUBLISHED, item_count__gt=0)
    if app is not None:
        updates = updates.filter(app=app)
    else:
        updates = updates.filter(app__in=App.objects.visible_to(user).values("pk"))
    return (
        updates.select_related("app")
        .prefetch_related(_shown_items())
        .order_by("-published_at", "-pk")
    )


def app_updates_for_developers(*, app: App) -> QuerySet[Update]:
    """Every update of the app, held and hidden ones too, with all their items."""
    return (
        Update.objects.filter(app=app)
        .prefetch_related(Prefetch("items", queryset=Item.objects.order_by("committed_at", "pk")))
        .order_by("-occurred_at", "-pk")
    )


def app_edits(*, app: App, limit: int = 50) -> QuerySet[Edit]:
    return Edit.objects.filter(app=app).select_related("user")[:limit]


@dataclass(frozen=True)
class Section:
    category: str
    label: str
    items: list[Item]


def sections(items: Sequence[Item]) -> list[Section]:
    """An update's items under their categories: breaking changes first, then new features,
    fixes, performance, documentation, other."""
    grouped: dict[str, list[Item]] = {}
    for item in sorted(items, key=lambda i: (ORDER[Category(i.category)], i.committed_at, i.pk)):
        grouped.setdefault(item.category, []).append(item)
    return [Section(c, str(CATEGORY_LABELS[Category(c)]), rows) for c, rows in grouped.items()]


def unread_counts(*, user: Viewer, apps: Sequence[App]) -> dict[int, int]:
    """Per app, how many updates were published since the user last looked at its news (or
    since they joined): one query for all the apps."""
    if user is None or not user.is_authenticated or not apps:
        return {}
    last_seen = Seen.objects.filter(user=user, app=OuterRef("app")).values("seen_at")[:1]
    since = Coalesce(Subquery(last_seen), Value(user.date_joined), output_field=DateTimeField())
    rows = (
        Update.objects.filter(
            app__in=[app.pk for app in apps], status=Update.Status.PUBLISHED, item_count__gt=0
        )
        .annotate(since=since)
        .filter(published_at__gt=F("since"))
        .values("app")
        .annotate(n=Count("pk"))
        .values_list("app", "n")
    )
    return dict(rows)


def update_heading(update: Update, parts: Sequence[Section]) -> str:
    """An update's title: the developers' own, else its most important item and how many more."""
    if update.title:
        return update.title
    items = [item for part in parts for item in part.items]
    if not items:
        return ""
    first = display_title(items[0].title)
    more = len(items) - 1
    if not more:
        return first
    return ngettext(
        "%(title)s, and %(n)d more change", "%(title)s, and %(n)d more changes", more
    ) % {
        "title": first,
        "n": more,
    }


def update_shipping_fix(*, app: App, issue_number: int) -> Update | None:
    """The first published update that shipped a commit closing the app's issue N, the way
    GitHub reads it ("Fixes #12", "closes #12", "resolved #12")."""
    pattern = rf"(close[sd]?|fix(e[sd])?|resolve[sd]?):?\s+#{int(issue_number)}([^0-9]|$)"
    closing = Item.objects.filter(
        app=app, hidden=False, withdrawn_at__isnull=True, update__isnull=False
    ).filter(Q(title__iregex=pattern) | Q(body__iregex=pattern))
    return (
        Update.objects.filter(
            app=app, status=Update.Status.PUBLISHED, pk__in=closing.values("update_id")
        )
        .order_by("published_at", "pk")
        .first()
    )
