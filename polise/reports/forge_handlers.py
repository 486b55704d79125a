"""Issue events from GitHub move reports along."""

from polise.forge.models import Delivery
from polise.forge.webhooks import handles

from . import services
from .models import Report


def _report_for(delivery: Delivery) -> Report | None:
    number = delivery.payload["issue"]["number"]
    return Report.objects.filter(
        github_repo__iexact=delivery.repo, github_number=number, channel=Report.Channel.ISSUE
    ).first()


@handles("issues")
def issue_changed(delivery: Delivery) -> str:
    report = _report_for(delivery)
    if report is None:
        return "not a Polise report"
    return services.report_follow_issue(
        report=report, action=delivery.action, payload=delivery.payload
    )


@handles("issue_comment")
def issue_commented(delivery: Delivery) -> str:
    report = _report_for(delivery)
    if report is None:
        return "not a Polise report"
    # The comment's issue is as current as any issue event: it may carry a close or reopen
    # whose own event comes later, or never.
    outcome = services.report_follow_issue(
        report=report, action=f"comment {delivery.action}", payload=delivery.payload
    )
    if delivery.action != "created":
        return outcome
    return f"{outcome}; {services.report_record_comment(report=report, comment=delivery.payload['comment'])}"
