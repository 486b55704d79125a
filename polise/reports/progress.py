"""Where a report stands, in words a reporter understands: what each status means, and the
steps a report goes through with the time each was reached."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from .models import Report

Status = Report.Status

STATUS_MEANINGS = {
    Status.RECEIVED: _(
        "Polise has your report and is passing it on to the app's developers. Nothing else "
        "is needed from you."
    ),
    Status.OPEN: _("The app's developers have the report; nobody has started on it yet."),
    Status.IN_PROGRESS: _("A developer is working on it."),
    Status.RESOLVED: _(
        "The developers consider it fixed or answered. If it still happens, report it again "
        "and mention this report."
    ),
    Status.DUPLICATE: _(
        "It is the same problem as another report; that report is followed up instead."
    ),
    Status.NEEDS_ATTENTION: _(
        "Polise could not pass it on to the developers yet and has told the platform team. "
        "The report is saved; nothing is lost."
    ),
}


@dataclass(frozen=True)
class Step:
    label: str
    at: datetime | None
    reached: bool


def report_timeline(report: Report) -> list[Step]:
    """Received, sent to the developers, being worked on, then resolved (or merged into
    another report): each with when it happened, the ones still ahead not yet reached."""
    closed = report.status in (Status.RESOLVED, Status.DUPLICATE)
    working = report.status == Status.IN_PROGRESS or closed
    steps = [
        Step(str(_("Received by Polise")), report.created_at, True),
        Step(str(_("Sent to the developers")), report.filed_at, report.filed_at is not None),
        Step(
            str(_("Being worked on")),
            report.first_response_at,
            working or report.first_response_at is not None,
        ),
    ]
    if report.status == Status.DUPLICATE:
        steps.append(Step(str(_("Merged into another report")), report.resolved_at, True))
    else:
        steps.append(Step(str(_("Resolved")), report.resolved_at, closed))
    return steps
