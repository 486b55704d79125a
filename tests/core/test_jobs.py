import os
import random
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from polise.core.jobs import WorkerKeeper, backoff_seconds, enqueue_on_commit, job_retry, jobs_sweep
from polise.core.models import WorkerLease

from . import sample_jobs


def test_backoff_grows_exponentially_and_respects_retry_after():
    rng = random.Random(7)
    delays = [backoff_seconds(n, base=2, cap=1000, rng=rng) for n in range(1, 8)]
    for attempt, delay in enumerate(delays, start=1):
        assert 2 ** (attempt - 1) <= delay <= 2**attempt
    assert backoff_seconds(9, base=2, cap=60, rng=rng) <= 60
    assert backoff_seconds(1, base=2, retry_after=120, rng=rng) == 120


@pytest.mark.django_db(transaction=True)
def test_a_flaky_job_is_retried_until_it_succeeds(drain_jobs):
    sample_jobs.flaky.enqueue("a", failures=2)
    drain_jobs()
    assert sample_jobs.calls["a"] == 3
    statuses = list(DBTaskResult.objects.order_by("enqueued_at").values_list("status", flat=True))
    assert statuses == [
        TaskResultStatus.FAILED,
        TaskResultStatus.FAILED,
        TaskResultStatus.SUCCESSFUL,
    ]
    retry = DBTaskResult.objects.order_by("enqueued_at").last()
    assert retry.args_kwargs["kwargs"]["_attempt"] == 3


@pytest.mark.django_db(transaction=True)
def test_a_job_gives_up_after_its_last_attempt(drain_jobs):
    sample_jobs.flaky.enqueue("b", failures=99)
    drain_jobs()
    assert sample_jobs.calls["b"] == 4
    assert DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count() == 4
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()


@pytest.mark.django_db(transaction=True)
def test_a_permanent_error_is_not_retried(drain_jobs):
    sample_jobs.broken.enqueue("c")
    drain_jobs()
    assert sample_jobs.calls["c"] == 1
    assert DBTaskResult.objects.get().status == TaskResultStatus.FAILED


@pytest.mark.django_db(transaction=True)
def test_jobs_are_enqueued_only_after_the_transaction_commits():
    with transaction.atomic():
        enqueue_on_commit(sample_jobs.flaky, "d", failures=0)
        assert not DBTaskResult.objects.exists()
    assert DBTaskResult.objects.count() == 1

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(sample_jobs.flaky, "e", failures=0)
        raise RuntimeError("rolled back")
    assert DBTaskResult.objects.count() == 1


# --- leases and the sweep ------------------------------------------------------------------------


def left_running(job, *args, worker: str, started: datetime) -> DBTaskResult:
    """A job row as a worker leaves it when it is killed mid-job."""
    job.enqueue(*args)
    row = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    DBTaskResult.objects.filter(pk=row.pk).update(
        status=TaskResultStatus.RUNNING, started_at=started, worker_ids=[worker]
    )
    return row


def lease(worker: str, renewed: datetime) -> None:
    WorkerLease.objects.create(
        worker_id=worker,
        hostname="node-1",
        pid=1,
        queues="*",
        started_at=renewed,
        renewed_at=renewed,
    )


@pytest.mark.django_db(transaction=True)
def test_a_job_left_running_by_a_dead_worker_is_queued_again_after_its_lease(
    settings, run_jobs, caplog
):
    settings.JOBS_LEASE_SECONDS = 60
    now = timezone.now()
    lease("dead", renewed=now - timedelta(seconds=30))
    row = left_running(sample_jobs.record, "f", worker="dead", started=now - timedelta(seconds=40))
    assert jobs_sweep(now=now)["jobs left running"] == 0  # its lease has not run out yet

    later = now + timedelta(seconds=31)
    with caplog.at_level("WARNING", logger="polise.core.jobs"):
        assert jobs_sweep(now=later)["jobs left running"] == 1
    assert "sweep queued again: 1 jobs left running" in caplog.text
    assert jobs_sweep(now=later)["jobs left running"] == 0  # a second sweep does not double
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "polise.core.jobs.WorkerLost"
    run_jobs()
    assert sample_jobs.calls["f"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_long_job_of_a_live_worker_is_left_alone(settings):
    settings.JOBS_LEASE_SECONDS = 60
    now = timezone.now()
    lease("alive", renewed=now - timedelta(seconds=5))
    left_running(sample_jobs.record, "g", worker="alive", started=now - timedelta(hours=2))
    # Without any lease (a worker started by hand, or a lease long gone) the job is presumed dead.
    left_running(sample_jobs.record, "h", worker="unknown", started=now - timedelta(hours=2))
    assert jobs_sweep(now=now)["jobs left running"] == 1
    [queued] = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert queued.args_kwargs["args"] == ["h"]


@pytest.mark.django_db(transaction=True)
def test_the_keeper_renews_the_lease_and_hands_it_back(settings):
    settings.JOBS_LEASE_SECONDS = 60
    keeper = WorkerKeeper(worker_id="w1", queues="default,forge")
    keeper.renew()
    first = WorkerLease.objects.get(worker_id="w1")
    assert (first.queues, first.pid) == ("default,forge", os.getpid())
    keeper.renew()
    assert WorkerLease.objects.get(worker_id="w1").renewed_at >= first.renewed_at
    assert WorkerLease.objects.get(worker_id="w1").started_at == first.started_at
    keeper.release()
    assert not WorkerLease.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failed_job_can_be_retried_from_its_first_attempt(drain_jobs):
    sample_jobs.flaky.enqueue("i", failures=99)
    drain_jobs()
    last = DBTaskResult.objects.order_by("enqueued_at").last()
    assert last.args_kwargs["kwargs"]["_attempt"] == 4
    assert job_retry(row=last) is True
    fresh = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert fresh.args_kwargs["kwargs"] == {"failures": 99}
    assert job_retry(row=fresh) is False  # only failed jobs
