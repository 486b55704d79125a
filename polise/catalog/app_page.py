"""The catalog's own part of the app page: who may open the app, for the platform team."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .access import access_summary
from .models import App
from .parts import app_page_part


@app_page_part(name="access", order=10, template="catalog/parts/access.html")
def access_section(request: HttpRequest, app: App) -> dict[str, Any] | None:
    if not request.user.is_staff:
        return None
    return {"access": access_summary(app)}
