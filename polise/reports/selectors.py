"""Reads of reports, and who may see what. Security reports are seen by their reporter, the
app's owners and the security team only, never by other staff."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from polise.accounts.models import User
from polise.catalog.access import user_may_open
from polise.catalog.models import App
from polise.catalog.selectors import app_managed_by

from .models import Report


def in_security_team(user: User) -> bool:
    return user.is_superuser or user.groups.filter(name=settings.REPORTS_SECURITY_GROUP).exists()


def manages_app(user: User, app: App) -> bool:
    return app_managed_by(app=app, user=user)


def can_see_report(user: User, report: Report) -> bool:
    """Only people the app's access rule lets in, and among them the reporter and those who
    look after the app (for security reports: its owners and the security team)."""
    if not user_may_open(user=user, app=report.app):
        return False
    if report.reporter_id == user.pk:
        return True
    if report.confidential:
        return in_security_team(user) or report.app.owners.filter(pk=user.pk).exists()
    return manages_app(user, report.app)


def reports_of_reporter(*, user: User) -> QuerySet[Report]:
    return Report.objects.filter(reporter=user).select_related("app").order_by("-created_at")


def reports_of_app(
    *, app: App, user: User, kind: str = "", status: str = "", older_than_days: int | None = None
) -> QuerySet[Report]:
    reports = Report.objects.filter(app=app).select_related("reporter").order_by("-created_at")
    if not (in_security_team(user) or app.owners.filter(pk=user.pk).exists()):
        reports = reports.exclude(kind=Report.Kind.SECURITY)
    if kind:
        reports = reports.filter(kind=kind)
    if status == "open":
        reports = reports.filter(
            status__in=[Report.Status.RECEIVED, Report.Status.OPEN, Report.Status.IN_PROGRESS]
        )
    elif status:
        reports = reports.filter(status=status)
    if older_than_days is not None:
        reports = reports.filter(created_at__lte=timezone.now() - timedelta(days=older_than_days))
    return reports


@dataclass(frozen=True)
class Figures:
    count: int
    open: int
    median_first_response: timedelta | None
    median_resolve: timedelta | None


def _median(durations: list[timedelta]) -> timedelta | None:
    return (
        timedelta(seconds=statistics.median(d.total_seconds() for d in durations))
        if durations
        else None
    )


def report_figures(*, reports: QuerySet[Report]) -> Figures:
    """Medians over the given reports (one query)."""
    rows = list(reports.values_list("created_at", "first_response_at", "resolved_at", "status"))
    open_statuses = {Report.Status.RECEIVED, Report.Status.OPEN, Report.Status.IN_PROGRESS}
    return Figures(
        count=len(rows),
        open=sum(1 for *_, status in rows if status in open_statuses),
        median_first_response=_median(
            [first - created for created, first, _r, _s in rows if first]
        ),
        median_resolve=_median(
            [resolved - created for created, _f, resolved, _s in rows if resolved]
        ),
    )


_WORD = re.compile(r"\w{3,}", re.UNICODE)


def similar_open_reports(*, app: App, title: str, limit: int = 5) -> list[Report]:
    """Open, non-confidential reports about the same app that share words with `title`."""
    words = {w.lower() for w in _WORD.findall(title)}
    if not words:
        return []
    candidates = Report.objects.filter(
        app=app, status__in=[Report.Status.RECEIVED, Report.Status.OPEN, Report.Status.IN_PROGRESS]
    ).exclude(kind=Report.Kind.SECURITY)[:200]
    scored = []
    for report in candidates:
        shared = words & {w.lower() for w in _WORD.findall(report.title)}
        if shared:
            scored.append((len(shared) / len(words), report))
    scored.sort(key=lambda pair: (-pair[0], -pair[1].pk))
    return [report for score, report in scored[:limit] if score >= 0.34]
