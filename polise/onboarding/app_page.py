"""Operations' part of each app page: its live state on the swarm, for those who look after
it (owners and the platform team). See polise.catalog.parts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from polise.catalog.models import App
from polise.catalog.parts import app_page_part
from polise.catalog.selectors import app_managed_by
from polise.deployments import live


@app_page_part(name="live_state", order=30, template="onboarding/parts/live_state.html")
def live_state(request: HttpRequest, app: App) -> dict[str, Any] | None:
    if not app_managed_by(app=app, user=request.user):
        return None
    try:
        state = live.stack_states([app.slug]).get(app.slug)
    except live.SwarmUnreachable:
        return {"reachable": False}
    return {"reachable": True, "state": state}
