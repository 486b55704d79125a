"""The top contributors on each app's page (see polise.catalog.parts)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest

from polise.catalog.models import App
from polise.catalog.parts import app_page_part

from . import selectors
from .models import SyncState

SECTION_SIZE = 5


@app_page_part(name="contributions", order=40, template="contributions/parts/app_section.html")
def app_section(request: HttpRequest, app: App) -> dict[str, Any] | None:
    if not request.user.is_authenticated or not app.repo:
        return None
    period = selectors.period_for("all", date.today())
    rows = selectors.app_figures(app=app, period=period)[:SECTION_SIZE]
    return {"rows": rows, "state": SyncState.objects.filter(app=app).first()}
