"""Ratings on each app page (figures, distribution, trend, comments, the form) and on each
launcher tile (the weighted average and, now and then, "how was it?"); see polise.catalog.parts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from polise.catalog.models import App
from polise.catalog.parts import app_page_part, launcher_tile_part
from polise.catalog.selectors import app_managed_by

from . import selectors
from .views import rate_context

RECENT_COMMENTS = 5


@app_page_part(name="ratings", order=30, template="ratings/parts/app_section.html")
def app_section(request: HttpRequest, app: App) -> dict[str, Any]:
    return {
        **rate_context(request, app),
        "summary": selectors.app_summary(app),
        "comments": selectors.recent_comments(app=app, limit=RECENT_COMMENTS),
        "by_month": selectors.trend_by_month(app=app, months=6),
        "by_version": selectors.trend_by_version(app=app, versions=5),
        "manages_app": app_managed_by(app=app, user=request.user),
    }


def _url_for_each(name: str) -> Any:
    """`reverse` once for all the tiles (it costs milliseconds a call, 200 tiles add up)."""
    pattern = reverse(name, args=["SLUG"])
    return lambda slug: pattern.replace("/SLUG/", f"/{slug}/")


# Last on the tile: its prompt is a small form of its own.
@launcher_tile_part(name="ratings", order=90, template="ratings/parts/tile.html")
def tile(request: HttpRequest, apps: Sequence[App]) -> dict[int, dict[str, Any]]:
    ids = [app.pk for app in apps]
    figures = selectors.summaries_for_apps(ids)
    prompt = selectors.apps_to_prompt(user=request.user, app_ids=ids)
    rate_url, dismiss_url = _url_for_each("ratings:rate"), _url_for_each("ratings:prompt_dismiss")
    tiles = {}
    for app in apps:
        if app.pk not in figures and app.pk not in prompt:
            continue
        tiles[app.pk] = {
            "quality": figures[app.pk]["quality"] if app.pk in figures else None,
            "prompt": app.pk in prompt,
            "rate_url": rate_url(app.slug),
            "dismiss_url": dismiss_url(app.slug),
        }
    return tiles
