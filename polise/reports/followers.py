"""Following a report instead of filing the same problem again ("+1"). Anyone the app's
access rule lets in may follow a report that is not confidential; a follower sees where the
report stands (its status and timeline), not what the reporter wrote or attached."""

from __future__ import annotations

from django.db.models import QuerySet

from polise.accounts.models import User
from polise.catalog.access import user_may_open

from .models import Follower, Report


def can_follow_report(user: User, report: Report) -> bool:
    return not report.confidential and user_may_open(user=user, app=report.app)


def report_follower_add(*, report: Report, user: User) -> Follower:
    follower, _created = Follower.objects.get_or_create(report=report, user=user)
    return follower


def report_follower_remove(*, report: Report, user: User) -> None:
    Follower.objects.filter(report=report, user=user).delete()


def reports_followed_by(*, user: User) -> QuerySet[Report]:
    return (
        Report.objects.filter(followers__user=user)
        .exclude(kind=Report.Kind.SECURITY)
        .select_related("app")
        .order_by("-created_at")
    )
