import random

import pytest
from django.db import transaction
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from polise.core.jobs import backoff_seconds, enqueue_on_commit

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
