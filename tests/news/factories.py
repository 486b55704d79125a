"""News rows made directly (no git), for page and query-count tests."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from django.utils import timezone

from polise.catalog.models import App
from polise.news.models import Item, Update

_seq = itertools.count(1)


def make_update(
    app: App,
    *,
    titles: tuple[tuple[str, str], ...] = (("feature", "ekspor PDF"), ("fix", "tombol simpan")),
    status: str = Update.Status.PUBLISHED,
    published_at: datetime | None = None,
    **fields,
) -> Update:
    n = next(_seq)
    when = published_at or timezone.now() - timedelta(minutes=n)
    update = Update.objects.create(
        app=app,
        key=f"push:{n:040d}",
        kind=fields.pop("kind", Update.Kind.PUSH),
        occurred_at=when,
        status=status,
        published_at=None if status == Update.Status.HELD else when,
        item_count=len(titles),
        **fields,
    )
    Item.objects.bulk_create(
        Item(
            app=app,
            sha=f"{n:020d}{i:020d}",
            update=update,
            title=title,
            category=category,
            author_name="Ayu Lestari",
            author_email="ayu@diskominfo.example.go.id",
            committed_at=when,
        )
        for i, (category, title) in enumerate(titles)
    )
    return update
