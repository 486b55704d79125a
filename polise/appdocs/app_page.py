"""The Docs section of each app's page (see polise.catalog.parts)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from polise.catalog.models import App
from polise.catalog.parts import app_page_part
from polise.catalog.selectors import app_managed_by

from . import selectors
from .models import DocPage


@app_page_part(name="docs", order=15, template="appdocs/parts/app_section.html")
def app_section(request: HttpRequest, app: App) -> dict[str, Any] | None:
    if not app.repo:
        return None
    manages = app_managed_by(app=app, user=request.user)
    pages = list(
        selectors.readable_pages(app=app, user=request.user)
        .filter(status=DocPage.Status.RENDERED)
        .only("path", "title", "kind")
    )
    return {
        "usage_pages": [p for p in pages if p.kind == DocPage.Kind.USAGE][:8],
        "database_pages": [p for p in pages if p.kind == DocPage.Kind.DATABASE][:8],
        "page_count": len(pages),
        "state": selectors.docs_state(app=app),
        "manages_app": manages,
        "checks": selectors.schema_checks(app=app) if manages else [],
    }
