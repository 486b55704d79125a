"""News on each app's page and an unread badge on each launcher tile (see polise.catalog.parts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest

from polise.catalog.models import App
from polise.catalog.parts import app_page_part, launcher_tile_part
from polise.catalog.selectors import app_managed_by

from . import selectors, services

SECTION_SIZE = 3


@app_page_part(name="news", order=20, template="news/parts/app_section.html")
def app_section(request: HttpRequest, app: App) -> dict[str, Any]:
    updates = list(selectors.news_updates(user=request.user, app=app)[:SECTION_SIZE])
    for update in updates:
        update.sections = selectors.sections(update.shown_items)  # type: ignore[attr-defined]
        update.heading = selectors.update_heading(update, update.sections)  # type: ignore[attr-defined]
    services.news_mark_seen(user=request.user, app=app)
    return {"updates": updates, "manages_app": app_managed_by(app=app, user=request.user)}


@launcher_tile_part(name="news", order=10, template="news/parts/tile_badge.html")
def tile_badge(request: HttpRequest, apps: Sequence[App]) -> dict[int, dict[str, Any]]:
    counts = selectors.unread_counts(user=request.user, apps=apps)
    return {app_id: {"unread": n} for app_id, n in counts.items() if n}
