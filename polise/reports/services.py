"""Writes of reports: submit, file on GitHub, follow the issue, tell the reporter.

A report is stored before anything else happens; filing goes through the forge outbox, so a
GitHub outage delays it and never loses it. Security problems never become public issues.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from polise.accounts.models import User
from polise.catalog.models import App
from polise.core.jobs import enqueue_on_commit, retrying_task
from polise.forge import api, outbox
from polise.forge.errors import NotFound
from polise.forge.models import Write

from .attachments import CheckedUpload
from .models import Attachment, Comment, Report

logger = logging.getLogger(__name__)

# Labels Polise puts on the issues it files; adding them is not a developer's response.
FILING_LABELS = {"polise", "bug", "question", "security"}
KIND_LABEL = {Report.Kind.BUG: "bug", Report.Kind.REQUEST: "question"}


class ReportRefused(ValueError):
    pass


def reporter_reference(user: User) -> str:
    """A stable, opaque name for the reporter on GitHub: the same person always gets the same
    reference, and nobody outside Polise can tell who it is."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"reporter:{user.pk}".encode(), hashlib.sha256)
    return f"reporter-{digest.hexdigest()[:10]}"


def report_submit(
    *,
    reporter: User,
    app: App,
    kind: str,
    title: str,
    what_happened: str,
    expected: str = "",
    steps: str = "",
    area: str = "",
    attachments: list[CheckedUpload] | tuple[CheckedUpload, ...] = (),
    context: dict[str, Any] | None = None,
) -> Report:
    title, what_happened = title.strip(), what_happened.strip()
    if kind not in Report.Kind.values:
        raise ReportRefused(_("Choose what kind of problem this is."))
    if not title or not what_happened:
        raise ReportRefused(_("Write a title and what happened."))
    with transaction.atomic():
        report = Report.objects.create(
            app=app,
            reporter=reporter,
            kind=kind,
            title=title,
            what_happened=what_happened,
            expected=expected.strip(),
            steps=steps.strip(),
            area=area.strip(),
            context={**(context or {}), "reported_at": timezone.now().isoformat()},
        )
        for item in attachments:
            Attachment.objects.create(
                report=report,
                file=item.upload,
                content_type=item.content_type,
                size=item.upload.size or 0,
                original_name=(item.upload.name or "")[:200],
            )
        _schedule_filing(report)
    return report


def _schedule_filing(report: Report) -> None:
    if not report.app.repo:
        _needs_attention(report, "This app is not linked to a GitHub repository yet.")
        return
    if report.confidential:
        enqueue_on_commit(report_route_security, report.pk)
        return
    labels = ["polise", KIND_LABEL[Report.Kind(report.kind)]]
    if report.area:
        labels.append(f"area: {report.area}"[:50])
    report.channel = Report.Channel.ISSUE
    report.github_repo = report.app.repo
    report.save(update_fields=["channel", "github_repo"])
    outbox.write_enqueue(
        key=f"report:{report.pk}:issue",
        kind=Write.Kind.CREATE_ISSUE,
        repo=report.app.repo,
        payload={"title": report.title, "body": issue_body(report), "labels": labels},
        on_outcome="polise.reports.services.report_filing_outcome",
    )


def _absolute(path: str) -> str:
    return settings.BASE_URL + path


def _identity(report: Report) -> str:
    if settings.REPORTS_SHOW_REPORTER_NAMES:
        return report.reporter.display_name
    return reporter_reference(report.reporter)


def issue_body(report: Report) -> str:
    """The GitHub issue text: the report's fields, its context and links to its attachments,
    which Polise serves only to people allowed to see the report."""
    with translation.override("en"):
        parts = [
            f"**Reported in Polise** by `{_identity(report)}` about **{report.app.name}**",
            f"[Report #{report.pk} in Polise]({_absolute(reverse('reports:detail', args=[report.pk]))})",
            "",
            "### What happened",
            report.what_happened,
        ]
        if report.expected:
            parts += ["", "### What was expected", report.expected]
        if report.steps:
            parts += ["", "### Steps", report.steps]
        if report.area:
            parts += ["", f"**Part of the app:** {report.area}"]
        context = {k: v for k, v in report.context.items() if v}
        if context:
            parts += ["", "### Context", *(f"- {k}: `{v}`" for k, v in sorted(context.items()))]
        attachments = list(report.attachments.all())
        if attachments:
            parts += ["", "### Attachments (sign in to Polise to open)"]
            parts += [
                f"- [{a.original_name}]({_absolute(reverse('reports:attachment', args=[a.token]))})"
                for a in attachments
            ]
    return "\n".join(parts)


@retrying_task(max_attempts=8, base_delay=10.0)
def report_route_security(report_id: int) -> str:
    """Choose where a security report goes: a private vulnerability report when GitHub can take
    one, otherwise Polise's confidential queue (and, if configured, a detail-free notice in the
    private security repository)."""
    report = Report.objects.select_related("app").get(pk=report_id)
    if report.channel:
        return f"already routed to {report.channel}"
    try:
        repo = api.get_repo(report.app.repo)
        advisory = not repo.private and api.private_vulnerability_reporting_enabled(report.app.repo)
    except NotFound:
        advisory = False
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        if advisory:
            report.channel = Report.Channel.ADVISORY
            report.github_repo = report.app.repo
            report.save(update_fields=["channel", "github_repo"])
            outbox.write_enqueue(
                key=f"report:{report.pk}:advisory",
                kind=Write.Kind.CREATE_VULNERABILITY_REPORT,
                repo=report.app.repo,
                payload={"summary": report.title, "description": issue_body(report)},
                on_outcome="polise.reports.services.report_filing_outcome",
            )
            return "private vulnerability report"
        report.channel = Report.Channel.CONFIDENTIAL
        report.status = Report.Status.OPEN
        report.filed_at = timezone.now()
        report.save(update_fields=["channel", "status", "filed_at"])
        _notify_on_commit(report)
        if settings.REPORTS_SECURITY_REPO:
            link = _absolute(reverse("reports:detail", args=[report.pk]))
            outbox.write_enqueue(
                key=f"report:{report.pk}:security-notice",
                kind=Write.Kind.CREATE_ISSUE,
                repo=settings.REPORTS_SECURITY_REPO,
                # No details: the notice only says that a report exists and where to read it.
                payload={
                    "title": f"Security report #{report.pk} for {report.app.slug}",
                    "body": f"A security problem was reported for `{report.app.slug}`. Details are kept in Polise: {link}",
                    "labels": ["polise", "security"],
                },
            )
    return "confidential queue"


def report_filing_outcome(write: Write) -> None:
    """Outbox hook: the issue or advisory exists (or filing failed for good)."""
    report_id = int(write.key.split(":")[1])
    report = Report.objects.select_for_update().get(pk=report_id)
    if write.status == Write.Status.DONE:
        result = write.result or {}
        report.github_number = result.get("number")
        report.github_url = result.get("html_url", "")
        report.filed_at = report.filed_at or timezone.now()
        report.problem = ""
        if report.status in (Report.Status.RECEIVED, Report.Status.NEEDS_ATTENTION):
            report.status = Report.Status.OPEN
        report.save()
        _notify_on_commit(report)
    elif write.status == Write.Status.FAILED:
        _needs_attention(report, write.last_error)
    elif write.status == Write.Status.PENDING and report.status == Report.Status.NEEDS_ATTENTION:
        # The platform team put the write back in line.
        report.status, report.problem = Report.Status.RECEIVED, ""
        report.save(update_fields=["status", "problem"])


def _needs_attention(report: Report, problem: str) -> None:
    report.status = Report.Status.NEEDS_ATTENTION
    report.problem = problem
    report.save(update_fields=["status", "problem"])
    logger.warning("report %s needs the platform team: %s", report.pk, problem)


# --- following the issue ------------------------------------------------------------------


def report_apply_issue_event(*, report: Report, action: str, payload: dict[str, Any]) -> str:
    now = timezone.now()
    old = report.status
    if action == "closed" and report.status != Report.Status.DUPLICATE:
        report.status = Report.Status.RESOLVED
        report.resolved_at = now
    elif action == "reopened":
        report.status = Report.Status.OPEN
        report.resolved_at = None
    elif action == "assigned" or (
        action == "labeled"
        and (payload.get("label") or {}).get("name", "") not in FILING_LABELS
        and not (payload.get("label") or {}).get("name", "").startswith("area: ")
    ):
        if report.status == Report.Status.OPEN:
            report.status = Report.Status.IN_PROGRESS
    else:
        return f"{action}: nothing to change"
    if report.first_response_at is None:
        report.first_response_at = now
    report.save()
    if report.status != old:
        _notify_on_commit(report)
    return f"{old} -> {report.status}"


def report_record_comment(*, report: Report, comment: dict[str, Any]) -> str:
    body = comment.get("body") or ""
    if "<!-- polise:" in body:
        return "Polise's own comment"
    Comment.objects.get_or_create(
        github_id=comment["id"],
        defaults={
            "report": report,
            "author": (comment.get("user") or {}).get("login", "")[:39],
            "body": body,
            "created_at": comment.get("created_at") or timezone.now(),
        },
    )
    if report.first_response_at is None:
        report.first_response_at = timezone.now()
        report.save(update_fields=["first_response_at"])
    return "comment stored"


def comment_set_public(*, comment: Comment, public: bool) -> None:
    comment.public = public
    comment.save(update_fields=["public"])


def report_mark_duplicate(*, report: Report, original: Report) -> None:
    if original.pk == report.pk or original.app_id != report.app_id:
        raise ReportRefused(_("A report can only duplicate another report about the same app."))
    with transaction.atomic():
        report.status = Report.Status.DUPLICATE
        report.duplicate_of = original
        report.resolved_at = timezone.now()
        report.save(update_fields=["status", "duplicate_of", "resolved_at"])
        if (
            report.github_number
            and original.github_number
            and report.github_repo == original.github_repo
        ):
            outbox.write_enqueue(
                key=f"report:{report.pk}:duplicate:{original.pk}",
                kind=Write.Kind.CREATE_COMMENT,
                repo=report.github_repo,
                payload={
                    "issue_number": report.github_number,
                    "body": f"Duplicate of #{original.github_number}",
                },
            )
        _notify_on_commit(report)


# --- telling the reporter -----------------------------------------------------------------


def _notify_on_commit(report: Report) -> None:
    enqueue_on_commit(report_notify_reporter, report.pk, report.status)


@retrying_task(max_attempts=6, base_delay=30.0)
def report_notify_reporter(report_id: int, status: str) -> str:
    report = Report.objects.select_related("reporter", "app").get(pk=report_id)
    if not report.reporter.email:
        return "reporter has no e-mail address"
    with translation.override(settings.LANGUAGE_CODE):
        label = Report.Status(status).label
        subject = _("Your report about %(app)s: %(status)s") % {
            "app": report.app.name,
            "status": label,
        }
        body = _(
            'Hello,\n\nyour report "%(title)s" about %(app)s is now: %(status)s.\n\n'
            "Follow it in Polise: %(link)s\n"
        ) % {
            "title": report.title,
            "app": report.app.name,
            "status": label,
            "link": _absolute(reverse("reports:detail", args=[report.pk])),
        }
    send_mail(subject, body, None, [report.reporter.email])
    return f"sent to reporter: {status}"
