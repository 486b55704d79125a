"""The reports' part of each app page and launcher tile (see polise.catalog.parts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest

from polise.catalog.models import App
from polise.catalog.parts import app_page_part, launcher_tile_part
from polise.catalog.selectors import app_managed_by


@app_page_part(name="reports", order=50, template="reports/parts/app_section.html")
def app_section(request: HttpRequest, app: App) -> dict[str, Any]:
    return {"manages_app": app_managed_by(app=app, user=request.user)}


@launcher_tile_part(name="reports", order=50, template="reports/parts/tile_link.html")
def tile_link(request: HttpRequest, apps: Sequence[App]) -> dict[int, dict[str, Any]]:
    return {app.pk: {} for app in apps}
