"""The outbox of writes to GitHub: stored first, performed by a job, never lost, never doubled.

A write is a row (`Write`) before it is a request. `perform_write` claims the row atomically,
so two jobs for the same write cannot both run it; on a retryable failure it schedules the
next attempt with backoff (no sooner than GitHub's Retry-After); on a permanent one it marks
the write failed for the platform team to see and retry from the admin. Before repeating a
create, it looks on GitHub for the hidden marker an earlier attempt would have left. A write
whose job was lost (its worker killed, the queue wiped) is queued again by the worker's sweep
once its lease has run out.

The caller learns the outcome through a completion callback registered by name with
`@on_outcome("app.name")`; the name is stored with the write, so it must outlive renames.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django_tasks import task

from polise.core.jobs import (
    backoff_seconds,
    enqueue_missing,
    enqueue_on_commit,
    lease_deadline,
    sweeps,
)

from . import api, repo_setup
from .errors import ForgeError, NotFound, PermanentForgeError, RetryableForgeError
from .models import Write

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
BACKOFF_CAP = 30 * 60.0
# An earlier attempt's issue was created before its write row was last updated; look back a
# little further to absorb clock skew between Polise and GitHub.
MARKER_LOOKBACK = timedelta(minutes=10)

OutcomeCallback = Callable[[Write], None]
_callbacks: dict[str, OutcomeCallback] = {}


class InvalidWrite(ValueError):
    pass


def on_outcome(name: str) -> Callable[[OutcomeCallback], OutcomeCallback]:
    """Register the function the outbox calls with a write once it is done or has failed (and
    when the platform team puts it back in line), inside the transaction that records it."""

    def register(callback: OutcomeCallback) -> OutcomeCallback:
        if _callbacks.setdefault(name, callback) is not callback:
            raise InvalidWrite(f"two outbox callbacks are named {name!r}")
        return callback

    return register


def callbacks_missing() -> dict[str, int]:
    """Callback names stored with unfinished writes that no code registers any more, with how
    many writes name each: the worker refuses to start with any, so a rename is caught at
    deploy time instead of when a write completes."""
    stored = (
        Write.objects.exclude(status=Write.Status.DONE)
        .exclude(on_outcome="")
        .values("on_outcome")
        .annotate(writes=Count("pk"))
    )
    return {
        row["on_outcome"]: row["writes"] for row in stored if row["on_outcome"] not in _callbacks
    }


def write_enqueue(
    *, key: str, kind: str, repo: str, payload: dict[str, Any], on_outcome: str = ""
) -> Write:
    """Store a write and schedule it once the caller's transaction commits.

    Calling twice with the same key returns the first write untouched: a duplicate
    submission never becomes a second write.
    """
    if kind not in Write.Kind.values:
        raise InvalidWrite(
            f"unknown write kind {kind!r}; expected one of {', '.join(Write.Kind.values)}"
        )
    api.split_repo(repo)  # refuses anything but owner/name
    if on_outcome and on_outcome not in _callbacks:
        raise InvalidWrite(
            f"no outbox callback is registered as {on_outcome!r} (see @outbox.on_outcome)"
        )
    write, created = Write.objects.get_or_create(
        key=key, defaults={"kind": kind, "repo": repo, "payload": payload, "on_outcome": on_outcome}
    )
    if created:
        enqueue_on_commit(perform_write, write.pk)
    return write


def _stuck(deadline: datetime) -> Q:
    """Writes whose job should have run by `deadline`, or whose attempt outlived its lease."""
    return (
        Q(status=Write.Status.PENDING, next_attempt_at__lt=deadline)
        | Q(status=Write.Status.PENDING, next_attempt_at__isnull=True, created_at__lt=deadline)
        | Q(status=Write.Status.RUNNING, claimed_at__lt=deadline)
    )


def write_retry(*, write: Write) -> bool:
    """Put a failed or stuck write back in line (the platform team's retry); False when the
    write is done, or is waiting or running as it should."""
    with transaction.atomic():
        failed = Write.objects.filter(pk=write.pk, status=Write.Status.FAILED).update(
            status=Write.Status.PENDING, attempts=0, last_error="", next_attempt_at=None
        )
        stuck = failed or Write.objects.filter(_stuck(lease_deadline()), pk=write.pk).exists()
        if stuck:
            enqueue_on_commit(perform_write, write.pk)
        if failed:
            _tell_caller(write)
    return bool(stuck)


@sweeps("GitHub writes")
def writes_requeue_stalled(*, deadline: datetime) -> int:
    """Queue again the writes whose job was lost: pending past their time, or claimed by an
    attempt that outlived its lease. Safe to run any time: a second job for a write finds it
    claimed or done and does nothing."""
    stalled = Write.objects.filter(_stuck(deadline)).values_list("pk", flat=True)
    return enqueue_missing(perform_write, stalled)


def _claim(write_id: int) -> Write | None:
    now = timezone.now()
    claimed = Write.objects.filter(pk=write_id, status=Write.Status.PENDING).update(
        status=Write.Status.RUNNING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        # A worker died holding this write; whether what it sent landed is recorded in
        # `ambiguous`, which an attempt sets before it sends.
        claimed = Write.objects.filter(
            pk=write_id, status=Write.Status.RUNNING, claimed_at__lt=lease_deadline(now)
        ).update(claimed_at=now, attempts=F("attempts") + 1)
    return Write.objects.get(pk=write_id) if claimed else None


def _sending(write: Write) -> None:
    """From here until an answer is recorded, GitHub may have applied the write: a worker
    killed now leaves a write whose next attempt must look for what this one did."""
    Write.objects.filter(pk=write.pk).update(ambiguous=True)


def _with_marker(text: str, marker: str) -> str:
    return f"{text.rstrip()}\n\n{marker}\n"


def _create_issue(write: Write) -> dict[str, Any]:
    if write.attempts > 1:
        found = api.find_issue_with_marker(
            write.repo, write.marker, since=write.created_at - MARKER_LOOKBACK
        )
        if found:
            return {"number": found.number, "html_url": found.html_url, "recovered": True}
    p = write.payload
    _sending(write)
    issue = api.create_issue(
        write.repo,
        title=p["title"],
        body=_with_marker(p["body"], write.marker),
        labels=p.get("labels", []),
    )
    return {"number": issue.number, "html_url": issue.html_url}


def _create_comment(write: Write) -> dict[str, Any]:
    number = write.payload["issue_number"]
    if write.attempts > 1:
        found = api.find_comment_with_marker(write.repo, number, write.marker)
        if found:
            return {"id": found.id, "html_url": found.html_url, "recovered": True}
    _sending(write)
    comment = api.create_comment(
        write.repo, number, body=_with_marker(write.payload["body"], write.marker)
    )
    return {"id": comment.id, "html_url": comment.html_url}


def _add_labels(write: Write) -> dict[str, Any]:
    # Adding labels is idempotent on GitHub's side: no marker needed.
    labels = api.add_labels(write.repo, write.payload["issue_number"], write.payload["labels"])
    return {"labels": list(labels)}


def _set_issue_state(write: Write) -> dict[str, Any]:
    # Idempotent too: closing a closed issue leaves it as it is.
    p = write.payload
    issue = api.set_issue_state(
        write.repo, p["issue_number"], state=p["state"], reason=p.get("reason")
    )
    return {"number": issue.number, "state": p["state"]}


def _create_vulnerability_report(write: Write) -> dict[str, Any]:
    """A private vulnerability report where GitHub takes one (a public repository with private
    reporting on); otherwise `filed` is false and the caller keeps the report to itself."""
    try:
        repo = api.get_repo(write.repo)
        accepted = not repo.private and api.private_vulnerability_reporting_enabled(write.repo)
    except NotFound:
        accepted = False
    if not accepted:
        return {"filed": False}
    # A reporter cannot list a repository's advisories, so there is no marker to look for:
    # the report is sent at most once per unknown outcome and flagged for a person instead.
    if write.ambiguous:
        raise PermanentForgeError(
            "an earlier attempt may have filed this report; check the repository's security "
            "advisories before retrying"
        )
    p = write.payload
    _sending(write)
    advisory = api.create_vulnerability_report(
        write.repo, summary=p["summary"], description=_with_marker(p["description"], write.marker)
    )
    return {"filed": True, "ghsa_id": advisory.ghsa_id, "html_url": advisory.html_url}


PERFORMERS: dict[str, Callable[[Write], dict[str, Any]]] = {
    Write.Kind.CREATE_ISSUE: _create_issue,
    Write.Kind.CREATE_COMMENT: _create_comment,
    Write.Kind.ADD_LABELS: _add_labels,
    Write.Kind.SET_ISSUE_STATE: _set_issue_state,
    Write.Kind.CREATE_VULNERABILITY_REPORT: _create_vulnerability_report,
    **repo_setup.PERFORMERS,
}


def write_attempt(write_id: int) -> str:
    """Make one attempt at a write; returns what happened, for the job log."""
    write = _claim(write_id)
    if write is None:
        return "not claimable (done, failed, or running elsewhere)"
    try:
        result = PERFORMERS[write.kind](write)
    except ForgeError as exc:
        return _after_failure(write, exc)
    except Exception as exc:
        # Unknown trouble (a bug, the database): keep the write and try again later.
        logger.exception("write %s: unexpected error", write.pk)
        # The request may have reached GitHub before the failure (e.g. an answer that would
        # not parse): treat the outcome as unknown, so a create looks for its marker first.
        return _after_failure(
            write, RetryableForgeError(f"unexpected {type(exc).__name__}: {exc}", ambiguous=True)
        )
    with transaction.atomic():
        Write.objects.filter(pk=write.pk).update(
            status=Write.Status.DONE,
            result=result,
            done_at=timezone.now(),
            last_error="",
            ambiguous=False,
        )
        _tell_caller(write)
    return f"done: {result}"


def _tell_caller(write: Write) -> None:
    """Run the caller's callback in the transaction that records the outcome: both land or
    neither."""
    if write.on_outcome:
        write.refresh_from_db()
        _callbacks[write.on_outcome](write)


def _after_failure(write: Write, exc: ForgeError) -> str:
    retryable = exc.retryable
    ambiguous = write.ambiguous or bool(getattr(exc, "ambiguous", False))
    if not retryable or write.attempts >= MAX_ATTEMPTS:
        reason = str(exc) if not retryable else f"gave up after {write.attempts} attempts: {exc}"
        with transaction.atomic():
            Write.objects.filter(pk=write.pk).update(
                status=Write.Status.FAILED, last_error=reason, ambiguous=ambiguous
            )
            _tell_caller(write)
        logger.warning("write %s failed: %s", write.pk, reason)
        return f"failed: {reason}"
    delay = backoff_seconds(
        write.attempts,
        base=settings.FORGE_BACKOFF_BASE_SECONDS,
        cap=BACKOFF_CAP,
        retry_after=exc.retry_after,
    )
    if getattr(exc, "ambiguous", False):
        # GitHub may still be working on the request: give it time to finish before looking
        # for its marker, or the retry would race the first request.
        delay = max(delay, settings.FORGE_SETTLE_SECONDS)
    next_attempt_at = timezone.now() + timedelta(seconds=delay)
    with transaction.atomic():
        Write.objects.filter(pk=write.pk).update(
            status=Write.Status.PENDING,
            last_error=str(exc),
            ambiguous=ambiguous,
            next_attempt_at=next_attempt_at,
        )
        enqueue_on_commit(perform_write.using(run_after=next_attempt_at), write.pk)
    return f"retry in {delay:.0f}s: {exc}"


@task(queue_name="forge")
def perform_write(write_id: int) -> str:
    return write_attempt(write_id)
