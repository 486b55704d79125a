"""Background jobs on the database-backed django-tasks runner (no Redis).

Two rules every caller follows: a job is enqueued only once the transaction that made its
data commits (`enqueue_on_commit`), and a job takes ids, never model instances, so that it can
run twice without harm. `retrying_task` adds exponential backoff with jitter, which the
runner lacks: a failed attempt stays visible in the admin and the next one is scheduled.
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

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
