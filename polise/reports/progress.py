"""Where a report stands, in words a reporter understands: what each status means, and the
steps a report goes through with the time each was reached."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from polise.news.selectors import update_shipping_fix

from .models import Report, StatusChange

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


# What a developer may set by hand; duplicates have their own form, the rest are Polise's.
SETTABLE_BY_DEVELOPERS = {Status.OPEN, Status.IN_PROGRESS, Status.RESOLVED}

SOURCE_WORDS = {
    StatusChange.Source.POLISE: _("by Polise"),
    StatusChange.Source.GITHUB: _("on GitHub"),
    StatusChange.Source.PORTAL: _("by the developers"),
    StatusChange.Source.ADMIN: _("by the platform team"),
}


@dataclass(frozen=True)
class Step:
    label: str
    at: datetime | None
    reached: bool
    link: str = ""


@dataclass(frozen=True)
class Fix:
    """The news update that shipped the commit closing the report's issue."""

    version: str
    at: datetime | None
    link: str


def shipped_fix(report: Report) -> Fix | None:
    if report.channel != Report.Channel.ISSUE or not report.github_number:
        return None
    update = update_shipping_fix(app=report.app, issue_number=report.github_number)
    if update is None:
        return None
    link = reverse("news:app", args=[report.app.slug]) + f"#update-{update.pk}"
    return Fix(update.head_sha[:7], update.published_at, link)


def report_timeline(report: Report, fix: Fix | None = None) -> list[Step]:
    """Received, sent to the developers, being worked on, fixed in a version (when a
    published update says so), then resolved (or merged into another report): each with when
    it first happened, read from the report's status history; the ones ahead not yet reached."""
    first: dict[str, datetime] = {}
    for change in report.status_changes.all():
        first.setdefault(change.new_status, change.at)
    closed = report.status in (Status.RESOLVED, Status.DUPLICATE)
    working_at = first.get(Status.IN_PROGRESS) or report.first_response_at
    steps = [
        Step(str(_("Received by Polise")), report.created_at, True),
        Step(
            str(_("Sent to the developers")),
            report.filed_at or first.get(Status.OPEN),
            report.filed_at is not None or Status.OPEN in first,
        ),
        Step(str(_("Being worked on")), working_at, working_at is not None or closed),
    ]
    if fix:
        label = _("Fixed in version %(version)s") % {"version": fix.version}
        steps.append(Step(str(label), fix.at, True, fix.link))
    if report.status == Status.DUPLICATE:
        steps.append(Step(str(_("Merged into another report")), report.resolved_at, True))
    else:
        steps.append(Step(str(_("Resolved")), report.resolved_at, closed))
    return steps


@dataclass(frozen=True)
class Change:
    at: datetime
    status: str
    how: str


def status_history(report: Report) -> list[Change]:
    """Every change of status, newest last, saying where it was made but not by whom: a
    reporter has no need of the developers' names."""
    return [
        Change(
            change.at,
            str(Status(change.new_status).label),
            str(SOURCE_WORDS[StatusChange.Source(change.source)]),
        )
        for change in report.status_changes.all()
    ]
