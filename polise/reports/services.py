"""Writes of reports: submit, file on GitHub, follow the issue, tell the reporter.

A report is stored before anything else happens; filing goes through the forge outbox, so a
GitHub outage delays it and never loses it. Security problems never become public issues.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from polise.accounts.models import User
from polise.catalog.models import App
from polise.core.jobs import enqueue_missing, enqueue_on_commit, retrying_task, sweeps
from polise.forge import outbox
from polise.forge.models import Write

from .attachments import CheckedUpload
from .models import Attachment, Comment, Report, StatusChange

logger = logging.getLogger(__name__)

# Labels Polise puts on the issues it files; adding them is not a developer's response.
FILING_LABELS = {"polise", "bug", "question", "security"}
KIND_LABEL = {Report.Kind.BUG: "bug", Report.Kind.REQUEST: "question"}
# The statuses a reporter is told about by e-mail; the others are Polise's own business.
TOLD_TO_REPORTER = {
    Report.Status.OPEN,
    Report.Status.IN_PROGRESS,
    Report.Status.RESOLVED,
    Report.Status.DUPLICATE,
}
CLOSED = {Report.Status.RESOLVED, Report.Status.DUPLICATE}


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
        # A private vulnerability report where GitHub can take one, Polise's confidential
        # queue otherwise: the write itself finds out, so an outage or a killed worker only
        # delays the decision.
        outbox.write_enqueue(
            key=f"report:{report.pk}:advisory",
            kind=Write.Kind.CREATE_VULNERABILITY_REPORT,
            repo=report.app.repo,
            payload={"summary": report.title, "description": issue_body(report)},
            on_outcome=FILING,
        )
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
        on_outcome=FILING,
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


# --- the one place a report's status changes ----------------------------------------------


def report_change_status(
    *,
    report: Report,
    status: Report.Status | str,
    actor: User | None,
    source: StatusChange.Source,
    actor_name: str = "",
    note: str = "",
    duplicate_of: Report | None = None,
) -> StatusChange | None:
    """Change a report's status, record who did it and from where, and tell the reporter.

    Every change goes through here: filing, GitHub's issue events, the admin, the pages. The
    row is locked and only the fields this changes are saved, so a concurrent change of
    anything else is kept. `actor` is the Polise user who made the change (None for GitHub
    and Polise itself; `actor_name` then names the GitHub login, if any). Returns the record,
    or None when the report already had this status.
    """
    status = Report.Status(status)
    if (status == Report.Status.DUPLICATE) != (duplicate_of is not None):
        raise ReportRefused(_("A duplicate needs the report it duplicates, and only a duplicate."))
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        old = Report.Status(locked.status)
        if old == status and locked.duplicate_of_id == (duplicate_of and duplicate_of.pk):
            return None
        locked.status = status
        locked.duplicate_of = duplicate_of
        if status in CLOSED:
            locked.resolved_at = timezone.now()
        elif old in CLOSED:
            locked.resolved_at = None
        changed = ["status", "duplicate_of", "resolved_at"]
        locked.save(update_fields=changed)
        change = StatusChange.objects.create(
            report=locked,
            old_status=old,
            new_status=status,
            source=source,
            actor=actor,
            actor_name=(actor.get_username() if actor else actor_name)[:150],
            note=note[:200],
        )
        if status in TOLD_TO_REPORTER:
            enqueue_on_commit(report_notify_reporter, locked.pk)
        if source in (StatusChange.Source.PORTAL, StatusChange.Source.ADMIN):
            _sync_issue_state(locked, old=old, new=status, change=change)
    for field in changed:
        setattr(report, field, getattr(locked, field))
    return change


# A status set in Polise closes or reopens the GitHub issue, with GitHub's own reason.
ISSUE_CLOSE_REASON = {Report.Status.RESOLVED: "completed", Report.Status.DUPLICATE: "duplicate"}


def _sync_issue_state(
    report: Report, *, old: Report.Status, new: Report.Status, change: StatusChange
) -> None:
    """Keep the issue's open/closed state in line with a status changed in Polise. The
    issue's own event comes back as a webhook and changes nothing, as the status is set."""
    if report.channel != Report.Channel.ISSUE or not report.github_number:
        return
    if (old in CLOSED) == (new in CLOSED):
        return
    closing = new in CLOSED
    outbox.write_enqueue(
        key=f"report:{report.pk}:state:{change.pk}",
        kind=Write.Kind.SET_ISSUE_STATE,
        repo=report.github_repo,
        payload={
            "issue_number": report.github_number,
            "state": "closed" if closing else "open",
            "reason": ISSUE_CLOSE_REASON[new] if closing else "reopened",
        },
    )


# --- replies to the reporter ----------------------------------------------------------------

REPLY = "reports.reply"
REPLY_LIMIT = 10_000


def report_reply(*, report: Report, actor: User, body: str, key: str) -> Write:
    """A developer's answer to the reporter: posted on the report's GitHub issue through the
    outbox and shown to the reporter once GitHub has it. `key` makes a resubmitted form (a
    double click, a reload) one reply, not two."""
    body = body.strip()
    if not body:
        raise ReportRefused(_("Write a reply first."))
    if len(body) > REPLY_LIMIT:
        raise ReportRefused(
            _("A reply can be at most %(limit)d characters long.") % {"limit": REPLY_LIMIT}
        )
    if report.channel != Report.Channel.ISSUE or not report.github_number:
        raise ReportRefused(
            _("This report has no GitHub issue to reply on yet; try again once it is filed.")
        )
    name = actor.display_name
    return outbox.write_enqueue(
        key=f"report:{report.pk}:reply:{key}"[:200],
        kind=Write.Kind.CREATE_COMMENT,
        repo=report.github_repo,
        payload={
            "issue_number": report.github_number,
            "body": f"{body}\n\n_{name}, via Polise_",
            "reply": {"report": report.pk, "author": actor.get_username()[:39], "text": body},
        },
        on_outcome=REPLY,
    )


@outbox.on_outcome(REPLY)
def report_reply_outcome(write: Write) -> None:
    """The reply is on GitHub: show it to the reporter and tell them."""
    if write.status != Write.Status.DONE or not write.result:
        return
    reply = write.payload["reply"]
    report = Report.objects.select_for_update().get(pk=reply["report"])
    comment, created = Comment.objects.get_or_create(
        github_id=write.result["id"],
        defaults={
            "report": report,
            "author": reply["author"],
            "body": reply["text"],
            "public": True,
            "created_at": timezone.now(),
        },
    )
    if report.first_response_at is None:
        report.first_response_at = timezone.now()
        report.save(update_fields=["first_response_at"])
    if created:
        enqueue_on_commit(report_tell_reply, comment.pk)


@retrying_task(max_attempts=6, base_delay=30.0)
def report_tell_reply(comment_id: int) -> str:
    comment = Comment.objects.select_related("report__reporter", "report__app").get(pk=comment_id)
    report = comment.report
    if not report.reporter.email:
        return "reporter has no e-mail address"
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("A reply about your report on %(app)s") % {"app": report.app.name}
        body = _(
            'Hello,\n\nthe developers of %(app)s replied to your report "%(title)s".\n\n'
            "Read it in Polise: %(link)s\n"
        ) % {
            "title": report.title,
            "app": report.app.name,
            "link": _absolute(reverse("reports:detail", args=[report.pk])),
        }
    send_mail(subject, body, None, [report.reporter.email])
    return "reply told to the reporter"


# --- filing -------------------------------------------------------------------------------

FILING = "reports.filing"


@outbox.on_outcome(FILING)
def report_filing_outcome(write: Write) -> None:
    """The issue or vulnerability report exists, GitHub could not take a security report
    privately (it stays in Polise), filing failed for good, or was put back in line."""
    report = Report.objects.select_for_update().get(pk=int(write.key.split(":")[1]))
    if write.status == Write.Status.FAILED:
        _needs_attention(report, write.last_error)
        return
    if write.status == Write.Status.PENDING:
        if report.status == Report.Status.NEEDS_ATTENTION:
            report.problem = ""
            report.save(update_fields=["problem"])
            report_change_status(
                report=report,
                status=Report.Status.RECEIVED,
                actor=None,
                source=StatusChange.Source.POLISE,
                note="filing put back in line",
            )
        return
    result = write.result or {}
    if write.kind == Write.Kind.CREATE_VULNERABILITY_REPORT and not result.get("filed"):
        _keep_confidential(report)
        return
    if write.kind == Write.Kind.CREATE_VULNERABILITY_REPORT:
        report.channel = Report.Channel.ADVISORY
    report.github_repo = write.repo
    report.github_number = result.get("number")
    report.github_url = result.get("html_url", "")
    report.filed_at = report.filed_at or timezone.now()
    report.problem = ""
    report.save(
        update_fields=[
            "channel",
            "github_repo",
            "github_number",
            "github_url",
            "filed_at",
            "problem",
        ]
    )
    if report.status in (Report.Status.RECEIVED, Report.Status.NEEDS_ATTENTION):
        report_change_status(
            report=report,
            status=Report.Status.OPEN,
            actor=None,
            source=StatusChange.Source.POLISE,
            note=f"filed on GitHub: {report.github_url}",
        )


def _keep_confidential(report: Report) -> None:
    """GitHub cannot take this security report privately: it stays in Polise, seen by the
    app's owners and the security team, with (if configured) a detail-free notice in the
    private security repository."""
    report.channel = Report.Channel.CONFIDENTIAL
    report.filed_at = report.filed_at or timezone.now()
    report.save(update_fields=["channel", "filed_at"])
    report_change_status(
        report=report,
        status=Report.Status.OPEN,
        actor=None,
        source=StatusChange.Source.POLISE,
        note="kept in the confidential queue",
    )
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


def _needs_attention(report: Report, problem: str) -> None:
    report.problem = problem
    report.save(update_fields=["problem"])
    report_change_status(
        report=report,
        status=Report.Status.NEEDS_ATTENTION,
        actor=None,
        source=StatusChange.Source.POLISE,
        note=problem,
    )
    logger.warning("report %s needs the platform team: %s", report.pk, problem)


# --- following the issue ------------------------------------------------------------------


def _is_filing_label(name: str) -> bool:
    return name in FILING_LABELS or name.startswith("area: ")


def _status_of_issue(issue: dict[str, Any], current: Report.Status) -> Report.Status:
    """What the issue, as GitHub last described it, says about the report: closed is
    resolved; open with someone assigned or a developer's label is in progress."""
    if issue.get("state") == "closed":
        return Report.Status.RESOLVED
    labels = {
        label if isinstance(label, str) else label.get("name", "")
        for label in issue.get("labels") or []
    }
    working = bool(issue.get("assignees") or issue.get("assignee")) or any(
        not _is_filing_label(name) for name in labels
    )
    if working or current == Report.Status.IN_PROGRESS:
        return Report.Status.IN_PROGRESS
    return Report.Status.OPEN


def _is_response(action: str, payload: dict[str, Any]) -> bool:
    """A developer did something about the issue (Polise's own labels do not count)."""
    if action == "labeled":
        return not _is_filing_label((payload.get("label") or {}).get("name", ""))
    return action in ("assigned", "closed", "reopened")


def report_follow_issue(*, report: Report, action: str, payload: dict[str, Any]) -> str:
    """Bring a report in line with an `issues` or `issue_comment` event on its issue.

    GitHub may deliver events late, twice or out of order: each carries the issue as it was
    (`issue.updated_at`), and an event older than the last one applied changes nothing, so
    the newest description of the issue always wins. A duplicate report stays a duplicate.
    """
    issue = payload.get("issue") or {}
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        stamp = parse_datetime(str(issue.get("updated_at") or ""))
        if stamp and locked.github_updated_at and stamp < locked.github_updated_at:
            return f"{action}: older than the last event applied; nothing changed"
        changed = []
        if stamp:
            locked.github_updated_at = stamp
            changed.append("github_updated_at")
        if locked.first_response_at is None and _is_response(action, payload):
            locked.first_response_at = timezone.now()
            changed.append("first_response_at")
        if changed:
            locked.save(update_fields=changed)
        old = Report.Status(locked.status)
        if old in (Report.Status.DUPLICATE, Report.Status.RECEIVED, Report.Status.NEEDS_ATTENTION):
            return f"{action}: report is {old}; unchanged"
        new = _status_of_issue(issue, old)
        report_change_status(
            report=locked,
            status=new,
            actor=None,
            source=StatusChange.Source.GITHUB,
            actor_name=(payload.get("sender") or {}).get("login", ""),
            note=f"issue {action}",
        )
    return f"{action}: {old} -> {new}" if new != old else f"{action}: nothing to change"


def report_record_comment(*, report: Report, comment: dict[str, Any]) -> str:
    body = comment.get("body") or ""
    if "<!-- polise:" in body:
        return "Polise's own comment"
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        Comment.objects.get_or_create(
            github_id=comment["id"],
            defaults={
                "report": locked,
                "author": (comment.get("user") or {}).get("login", "")[:39],
                "body": body,
                "created_at": comment.get("created_at") or timezone.now(),
            },
        )
        if locked.first_response_at is None:
            locked.first_response_at = timezone.now()
            locked.save(update_fields=["first_response_at"])
    return "comment stored"


def comment_set_public(*, comment: Comment, public: bool) -> None:
    comment.public = public
    comment.save(update_fields=["public"])


def report_mark_duplicate(
    *,
    report: Report,
    original: Report,
    actor: User | None,
    source: StatusChange.Source = StatusChange.Source.PORTAL,
) -> None:
    if original.pk == report.pk or original.app_id != report.app_id:
        raise ReportRefused(_("A report can only duplicate another report about the same app."))
    with transaction.atomic():
        change = report_change_status(
            report=report,
            status=Report.Status.DUPLICATE,
            actor=actor,
            source=source,
            note=f"duplicate of #{original.pk}",
            duplicate_of=original,
        )
        if (
            change
            and report.github_number
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


# --- telling the reporter -----------------------------------------------------------------


@retrying_task(max_attempts=6, base_delay=30.0)
def report_notify_reporter(report_id: int) -> str:
    """Tell the reporter the report's status, if it is one they are told about and they have
    not been told it yet. The status is read when the mail goes out, so changes that came in
    a burst (or out of order) end in one mail with the status that stands."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        status = Report.Status(report.status)
        if status not in TOLD_TO_REPORTER or status == report.notified_status:
            return f"nothing new to tell ({status})"
        Report.objects.filter(pk=report.pk).update(notified_status=status)
        # Sent inside the transaction: if recording fails, the mails are retried, not lost.
        with translation.override(settings.LANGUAGE_CODE):
            told_reporter = _tell_reporter(report, str(status.label))
            told_followers = _tell_followers(report, str(status.label))
    reporter = "reporter" if told_reporter else "no reporter address"
    return f"sent to {reporter} and {told_followers} follower(s): {status}"


def _status_words(report: Report, status_label: str) -> dict[str, str]:
    return {
        "title": report.title,
        "app": report.app.name,
        "status": status_label,
        "link": _absolute(reverse("reports:detail", args=[report.pk])),
    }


def _tell_reporter(report: Report, status_label: str) -> bool:
    if not report.reporter.email:
        return False
    words = _status_words(report, status_label)
    subject = _("Your report about %(app)s: %(status)s") % words
    body = (
        _(
            'Hello,\n\nyour report "%(title)s" about %(app)s is now: %(status)s.\n\n'
            "Follow it in Polise: %(link)s\n"
        )
        % words
    )
    send_mail(subject, body, None, [report.reporter.email])
    return True


def _tell_followers(report: Report, status_label: str) -> int:
    """People who follow the report ("+1") hear of the same change, in one mail whose
    recipients do not see each other."""
    addresses = sorted(
        set(
            report.followers.exclude(user__email="")
            .exclude(user=report.reporter_id)
            .values_list("user__email", flat=True)
        )
    )
    if not addresses:
        return 0
    words = _status_words(report, status_label)
    subject = _("A report you follow about %(app)s: %(status)s") % words
    body = (
        _(
            'Hello,\n\nthe report "%(title)s" about %(app)s that you follow is now: %(status)s.\n\n'
            "See where it stands in Polise: %(link)s\n"
        )
        % words
    )
    EmailMessage(subject, body, None, [], bcc=addresses).send()
    return len(addresses)


@sweeps("reporter notifications")
def reports_notify_stalled(*, deadline: datetime) -> int:
    """Queue again the notifications whose job was lost: a status the reporter should have
    been told before `deadline` and was not."""
    untold = (
        Report.objects.filter(status__in=TOLD_TO_REPORTER)
        .exclude(status=F("notified_status"))
        .exclude(status_changes__at__gte=deadline)
        .values_list("pk", flat=True)
    )
    return enqueue_missing(report_notify_reporter, untold)
