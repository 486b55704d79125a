"""The platform overview: every app with its last deploy, health, open reports and rating,
in a fixed number of queries plus two Docker API calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from polise.catalog.models import App
from polise.deployments import live
from polise.deployments.models import DeployRecord
from polise.ratings.selectors import weighted_by_app
from polise.reports.models import Report

OPEN_REPORTS = [Report.Status.RECEIVED, Report.Status.OPEN, Report.Status.IN_PROGRESS]
SORTS = ("name", "deploy", "health", "reports", "rating")


def ratings_by_app(apps: QuerySet[App]) -> dict[int, float]:
    """Each app's weighted (Bayesian) average of overall quality, from the ratings app."""
    return weighted_by_app(apps, dimension="quality")


@dataclass(frozen=True)
class AppRow:
    app: App
    last_result: str
    last_deployed_at: datetime | None
    health: str  # healthy | degraded | not_running | unknown
    running: str
    open_reports: int
    rating: float | None


def _health(state: live.StackState | None, reachable: bool) -> tuple[str, str]:
    if not reachable:
        return "unknown", ""
    if state is None:
        return "not_running", ""
    return ("healthy" if state.healthy else "degraded"), f"{state.running}/{state.desired}"


def platform_overview(*, apps: QuerySet[App], sort: str = "name") -> tuple[list[AppRow], bool]:
    """(rows, whether the swarm could be read)."""
    latest = DeployRecord.objects.filter(app=OuterRef("pk")).order_by("-started_at")
    rows_qs = apps.select_related("owner_unit").annotate(
        last_result=Subquery(latest.values("result")[:1]),
        last_deployed_at=Subquery(latest.values("started_at")[:1]),
        open_reports=Count("reports", filter=Q(reports__status__in=OPEN_REPORTS)),
    )
    try:
        states = live.stack_states([app.slug for app in rows_qs])
        reachable = True
    except live.SwarmUnreachable:
        states, reachable = {}, False
    ratings = ratings_by_app(apps)
    rows = []
    for app in rows_qs:
        health, running = _health(states.get(app.slug), reachable)
        extra: Any = app
        rows.append(
            AppRow(
                app=app,
                last_result=extra.last_result or "",
                last_deployed_at=extra.last_deployed_at,
                health=health,
                running=running,
                open_reports=extra.open_reports,
                rating=ratings.get(app.pk),
            )
        )
    order = {"healthy": 3, "unknown": 2, "not_running": 1, "degraded": 0}
    keys = {
        "name": lambda r: (r.app.name.lower(),),
        "deploy": lambda r: (
            r.last_deployed_at is None,
            -(r.last_deployed_at.timestamp() if r.last_deployed_at else 0),
        ),
        "health": lambda r: (order[r.health], r.app.name.lower()),
        "reports": lambda r: (-r.open_reports, r.app.name.lower()),
        "rating": lambda r: (r.rating is None, -(r.rating or 0), r.app.name.lower()),
    }
    rows.sort(key=keys.get(sort, keys["name"]))
    return rows, reachable
