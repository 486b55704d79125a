"""Feature apps add their part to each app's page and to each launcher tile without the
catalog knowing them: reports, news, ratings, deploys and docs register a part here from
their own `app_page` module (imported at start-up, as the forge does with its handlers).

A part's context function returns what its template needs, or None to show nothing. The
catalog has already applied the access rule: a part is asked only about apps the user may see.
Tile parts are asked once for all the apps of the launcher, so that the launcher keeps a fixed
number of queries however many apps it shows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from .models import App

PageContext = Callable[[HttpRequest, App], dict[str, Any] | None]
TileContext = Callable[[HttpRequest, Sequence[App]], dict[int, dict[str, Any]]]


@dataclass(frozen=True)
class Part:
    name: str
    order: int
    template: str
    context: Callable[..., Any]


_page_parts: dict[str, Part] = {}
_tile_parts: dict[str, Part] = {}


def app_page_part(*, name: str, order: int, template: str) -> Callable[[PageContext], PageContext]:
    """Register a section of the app page, placed by `order` (lower first)."""

    def register(context: PageContext) -> PageContext:
        _page_parts[name] = Part(name, order, template, context)
        return context

    return register


def launcher_tile_part(
    *, name: str, order: int, template: str
) -> Callable[[TileContext], TileContext]:
    """Register something shown on each launcher tile; its context function gets all the tiles'
    apps at once and returns a context per app id (apps left out show nothing)."""

    def register(context: TileContext) -> TileContext:
        _tile_parts[name] = Part(name, order, template, context)
        return context

    return register


def _ordered(parts: dict[str, Part]) -> list[Part]:
    return sorted(parts.values(), key=lambda part: (part.order, part.name))


def render_page_parts(request: HttpRequest, app: App) -> list[SafeString]:
    rendered = []
    for part in _ordered(_page_parts):
        context = part.context(request, app)
        if context is not None:
            html = render_to_string(part.template, {"app": app, **context}, request=request)
            rendered.append(mark_safe(html))  # noqa: S308 - rendered by our own template
    return rendered


def render_tile_parts(request: HttpRequest, apps: Sequence[App]) -> dict[int, list[SafeString]]:
    rendered: dict[int, list[SafeString]] = {app.pk: [] for app in apps}
    by_id = {app.pk: app for app in apps}
    for part in _ordered(_tile_parts):
        for app_id, context in part.context(request, apps).items():
            if app_id in by_id:
                html = render_to_string(
                    part.template, {"app": by_id[app_id], **context}, request=request
                )
                rendered[app_id].append(mark_safe(html))  # noqa: S308 - our own template
    return rendered
