"""Background jobs on the database-backed django-tasks runner (no Redis).

Two rules every caller follows: a job is enqueued only once the transaction that made its
data commits (`enqueue_on_commit`), and a job takes ids, never model instances, so that it can
run twice without harm. `retrying_task` adds exponential backoff with jitter, which the
runner lacks: a failed attempt stays visible in the admin and the next one is scheduled.

Work is never left behind. Each `polise worker` holds a lease (`WorkerLease`) that it renews
while it lives, and sweeps every POLISE_JOBS_SWEEP_SECONDS: a job row left running by a worker
whose lease ran out (killed, its node lost) is queued again, and so is any work an app
registers with `@sweeps` (outbox writes, webhook deliveries) whose job was lost.
"""

from __future__ import annotations

import functools
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult, get_date_max

from .models import WorkerLease

logger = logging.getLogger(__name__)


class PermanentError(Exception):
    """An error that another attempt cannot fix (bad input, missing permission); never retried."""


def backoff_seconds(
    attempt: int,
    *,
    base: float = 2.0,
    cap: float = 900.0,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Delay before attempt `attempt + 1`: exponential with full jitter, never shorter than the
    server's own Retry-After when it gave one."""
    ceiling = min(cap, base * (2 ** (attempt - 1)))
    delay = (rng or random).uniform(ceiling / 2, ceiling)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


def retrying_task(
    *,
    queue_name: str = "default",
    max_attempts: int = 8,
    base_delay: float = 2.0,
    max_delay: float = 900.0,
) -> Callable[[Callable[..., Any]], Task]:
    """Declare a job that is retried with backoff until it succeeds, fails permanently, or runs
    out of attempts. The attempt number travels in the job's own kwargs (`_attempt`)."""

    def decorator(func: Callable[..., Any]) -> Task:
        @functools.wraps(func)
        def run(*args: Any, _attempt: int = 1, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except PermanentError:
                raise
            except Exception as exc:
                if _attempt >= max_attempts:
                    logger.error("job %s gave up after %d attempts", func.__name__, _attempt)
                    raise
                delay = backoff_seconds(
                    _attempt,
                    base=base_delay,
                    cap=max_delay,
                    retry_after=getattr(exc, "retry_after", None),
                )
                job.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
                    *args, _attempt=_attempt + 1, **kwargs
                )
                logger.warning(
                    "job %s attempt %d failed (%s); retry in %.1fs",
                    func.__name__,
                    _attempt,
                    exc,
                    delay,
                )
                raise

        job: Task = task(queue_name=queue_name)(run)
        return job

    return decorator


def enqueue_on_commit(job: Task, *args: Any, **kwargs: Any) -> None:
    """Enqueue once the surrounding transaction commits; at once when there is none."""
    transaction.on_commit(lambda: job.enqueue(*args, **kwargs), robust=False)


# --- leases and the sweep ------------------------------------------------------------------------

Sweep = Callable[..., int]
_sweeps: dict[str, Sweep] = {}


class WorkerLost(Exception):
    """Recorded on a job row whose worker died while running it; a fresh copy was queued."""


def sweeps(what: str) -> Callable[[Sweep], Sweep]:
    """Register `sweep(deadline=...)` with the worker's periodic sweep: it queues again the
    work of its kind that should have been done by `deadline` (one lease ago) and has no job
    waiting for it, and returns how many it queued. `what` names that work in the log."""

    def register(sweep: Sweep) -> Sweep:
        _sweeps[what] = sweep
        return sweep

    return register


def lease_deadline(now: datetime | None = None) -> datetime:
    """Work claimed or due before this moment, and not finished, was left behind."""
    return (now or timezone.now()) - timedelta(seconds=settings.JOBS_LEASE_SECONDS)


def enqueue_missing(job: Task, ids: Iterable[Any]) -> int:
    """Queue `job(id)` for each id that no queued or running row of `job` is already for
    (a sweep must not queue work twice); returns how many were queued."""
    waiting = {
        tuple(row["args"])
        for row in DBTaskResult.objects.filter(
            task_path=job.module_path,
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        ).values_list("args_kwargs", flat=True)
    }
    count = 0
    for pk in ids:
        if (pk,) not in waiting:
            job.enqueue(pk)
            count += 1
    return count


def _requeue(row: DBTaskResult, *, reset_attempts: bool = False) -> bool:
    try:
        job = row.task
    except (ImportError, SuspiciousOperation) as exc:
        logger.error("job %s (%s) cannot be queued again: %s", row.pk, row.task_path, exc)
        return False
    kwargs = dict(row.args_kwargs["kwargs"])
    if reset_attempts:
        kwargs.pop("_attempt", None)
    job.using(run_after=None).enqueue(*row.args_kwargs["args"], **kwargs)
    return True


def jobs_requeue_abandoned(*, deadline: datetime) -> int:
    """Queue again each job left running by a worker whose lease ran out before `deadline`.
    The dead row is marked failed (WorkerLost) in the same transaction, so two sweeping
    workers never both queue it."""
    alive = set(
        WorkerLease.objects.filter(renewed_at__gte=deadline).values_list("worker_id", flat=True)
    )
    count = 0
    for row in DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=deadline
    ):
        worker = row.worker_ids[-1] if row.worker_ids else ""
        if worker in alive:
            continue
        with transaction.atomic():
            taken = DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.FAILED,
                finished_at=timezone.now(),
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback=f"WorkerLost: worker {worker or '?'} stopped renewing its lease while "
                "running this job; a fresh copy was queued.\n",
            )
            if taken and _requeue(row):
                count += 1
    return count


def jobs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """One sweep: what was queued again, by kind. Logged when anything was."""
    now = now or timezone.now()
    deadline = lease_deadline(now)
    counts = {"jobs left running": jobs_requeue_abandoned(deadline=deadline)}
    for what, sweep in _sweeps.items():
        try:
            counts[what] = sweep(deadline=deadline)
        except DatabaseError:
            raise
        except Exception:
            # One broken sweep must not keep the others from running.
            logger.exception("sweep of %s failed", what)
    WorkerLease.objects.filter(renewed_at__lt=now - timedelta(days=1)).delete()
    requeued = {what: n for what, n in counts.items() if n}
    if requeued:
        logger.warning(
            "sweep queued again: %s",
            ", ".join(f"{n} {what}" for what, n in requeued.items()),
            extra={"requeued": requeued},
        )
    else:
        logger.debug("sweep: nothing left behind")
    return counts


def job_retry(*, row: DBTaskResult) -> bool:
    """Queue a fresh copy of a failed job (the platform team's retry), its attempts counted
    from one again; False if the job did not fail."""
    if row.status != TaskResultStatus.FAILED:
        return False
    return _requeue(row, reset_attempts=True)


class WorkerKeeper(threading.Thread):
    """Runs beside the job loop of `polise worker`: renews the worker's lease and sweeps.

    The lease is renewed three times per lease period, so a live worker never looks dead;
    the sweep runs at once on start and then every `sweep_seconds`.
    """

    def __init__(self, *, worker_id: str, queues: str) -> None:
        super().__init__(name="polise-worker-keeper", daemon=True)
        self.worker_id = worker_id
        self.queues = queues
        self.sweep_seconds = float(settings.JOBS_SWEEP_SECONDS)
        self.tick = min(self.sweep_seconds, settings.JOBS_LEASE_SECONDS / 3)
        self.stopping = threading.Event()

    def renew(self) -> None:
        now = timezone.now()
        WorkerLease.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"renewed_at": now},
            create_defaults={
                "renewed_at": now,
                "started_at": now,
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "queues": self.queues[:200],
            },
        )

    def release(self) -> None:
        """A worker that stops cleanly hands back its lease at once."""
        self.stopping.set()
        if self.is_alive():
            self.join()
        WorkerLease.objects.filter(worker_id=self.worker_id).delete()

    def run(self) -> None:
        next_sweep = time.monotonic()
        while not self.stopping.is_set():
            try:
                self.renew()
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + self.sweep_seconds
                    jobs_sweep()
            except DatabaseError as exc:
                # The database is away or busy: the job loop is waiting for it too.
                logger.warning("worker lease or sweep failed: %s", exc)
            finally:
                connection.close()
            self.stopping.wait(self.tick)


# --- what the platform team sees ------------------------------------------------------------------


@dataclass(frozen=True)
class QueueState:
    name: str
    due: int  # waiting and due now: the queue's length
    scheduled: int  # waiting for a later time (retries with backoff)
    oldest_due: datetime | None  # when the longest-waiting due job was queued
    running: int


@dataclass(frozen=True)
class JobsOverview:
    queues: list[QueueState]
    failed_last_day: int
    workers: list[WorkerLease]  # alive: renewed within one lease
    lease_seconds: int
    sweep_seconds: int


def jobs_overview(*, now: datetime | None = None) -> JobsOverview:
    """The state of the job queue for the worker status page."""
    now = now or timezone.now()
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    due = waiting.filter(Q(run_after__lte=now) | Q(run_after=get_date_max()))

    def empty() -> dict[str, Any]:
        return {"due": 0, "scheduled": 0, "oldest_due": None, "running": 0}

    # Every configured queue is listed, empty or not.
    by_queue = {name: empty() for name in settings.TASKS["default"].get("QUEUES", [])}
    for row in due.values("queue_name").annotate(n=Count("pk"), oldest=Min("enqueued_at")):
        by_queue.setdefault(row["queue_name"], empty()).update(
            due=row["n"], oldest_due=row["oldest"]
        )
    for field, rows in (
        ("scheduled", waiting.exclude(pk__in=due.values("pk"))),
        ("running", DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)),
    ):
        for row in rows.values("queue_name").annotate(n=Count("pk")):
            by_queue.setdefault(row["queue_name"], empty())[field] = row["n"]
    return JobsOverview(
        queues=[QueueState(name=name, **state) for name, state in sorted(by_queue.items())],
        failed_last_day=DBTaskResult.objects.filter(
            status=TaskResultStatus.FAILED, finished_at__gte=now - timedelta(days=1)
        ).count(),
        workers=list(WorkerLease.objects.filter(renewed_at__gte=lease_deadline(now))),
        lease_seconds=settings.JOBS_LEASE_SECONDS,
        sweep_seconds=settings.JOBS_SWEEP_SECONDS,
    )
