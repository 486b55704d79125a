"""The deploys part of each app page (see polise.catalog.parts): the app's last deploys, for
its owners and the platform team only."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from polise.catalog.models import App
from polise.catalog.parts import app_page_part
from polise.catalog.selectors import app_managed_by

from . import selectors


@app_page_part(name="deploys", order=60, template="deployments/app_deploys.html")
def app_deploys(request: HttpRequest, app: App) -> dict[str, Any] | None:
    if not app_managed_by(app=app, user=request.user):
        return None
    return {"deploys": selectors.recent_deploys(app=app)}
