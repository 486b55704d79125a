"""The outbox against the contract-checked GitHub fake: never lost, never doubled."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from polise.core.jobs import jobs_sweep, lease_deadline
from polise.forge import api, outbox
from polise.forge.errors import IssuesDisabled
from polise.forge.models import Write
from tests.forge import done_hooks

pytestmark = pytest.mark.django_db(transaction=True)
REPO = "diskominfo/simpeg"


def enqueue_issue(key: str, title: str = "Tombol simpan tidak berfungsi", **extra) -> Write:
    return outbox.write_enqueue(
        key=key,
        kind=Write.Kind.CREATE_ISSUE,
        repo=REPO,
        payload={
            "title": title,
            "body": "Langkah: buka formulir, tekan Simpan.",
            "labels": ["polise", "bug"],
        },
        **extra,
    )


def markers(fake) -> list[str]:
    found = []
    for issue in fake.state.issues("diskominfo", "simpeg"):
        found += re.findall(r"<!-- polise:(.+?) -->", issue.body or "")
    return found


def test_a_write_creates_the_issue_once_with_labels_and_marker(forge, run_jobs, drain_jobs):
    forge.add_repo("diskominfo", "simpeg")
    write = enqueue_issue("report:1")
    assert write.status == Write.Status.PENDING
    drain_jobs()
    write.refresh_from_db()
    assert write.status == Write.Status.DONE
    assert write.attempts == 1
    issues = forge.state.issues("diskominfo", "simpeg")
    assert len(issues) == 1
    assert write.result["number"] == issues[0].number
    assert sorted(label.name for label in issues[0].labels) == ["bug", "polise"]
    assert markers(forge) == ["report:1"]


def test_a_duplicate_submission_is_one_write(forge, run_jobs, drain_jobs):
    forge.add_repo("diskominfo", "simpeg")
    first = enqueue_issue("report:2")
    second = enqueue_issue("report:2", title="another title")
    assert first.pk == second.pk
    assert Write.objects.get().payload["title"] == "Tombol simpan tidak berfungsi"
    drain_jobs()
    assert len(forge.state.issues("diskominfo", "simpeg")) == 1


def test_a_bad_write_is_refused_before_it_is_stored():
    with pytest.raises(outbox.InvalidWrite, match="unknown write kind"):
        outbox.write_enqueue(key="k", kind="delete_repo", repo=REPO, payload={})
    with pytest.raises(Exception, match="owner/name"):
        outbox.write_enqueue(key="k", kind=Write.Kind.CREATE_ISSUE, repo="simpeg", payload={})
    with pytest.raises(
        outbox.InvalidWrite, match=r"no outbox callback is registered as 'os\.system'"
    ):
        outbox.write_enqueue(
            key="k", kind=Write.Kind.CREATE_ISSUE, repo=REPO, payload={}, on_outcome="os.system"
        )
    assert not Write.objects.exists()


def test_the_completion_callback_gets_the_result(forge, run_jobs, drain_jobs):
    forge.add_repo("diskominfo", "simpeg")
    enqueue_issue("report:hook", on_outcome="tests.record")
    drain_jobs()
    assert done_hooks.finished[-1][0] == "report:hook"
    assert (
        done_hooks.finished[-1][1]["number"] == forge.state.issues("diskominfo", "simpeg")[0].number
    )


def test_issues_disabled_fails_the_write_permanently_with_a_clear_reason(
    forge, run_jobs, drain_jobs
):
    forge.add_repo("diskominfo", "simpeg", has_issues=False)
    write = enqueue_issue("report:3")
    drain_jobs()
    write.refresh_from_db()
    assert write.status == Write.Status.FAILED
    assert write.attempts == 1
    assert "issues are disabled" in write.last_error
    with pytest.raises(IssuesDisabled):
        api.create_issue(REPO, title="t", body="b")


def test_a_lost_response_is_recovered_by_the_marker_not_doubled(forge, run_jobs, drain_jobs):
    forge.add_repo("diskominfo", "simpeg")
    forge.faults.add("lost_response", method="POST", path=r"/issues$", times=1)
    write = enqueue_issue("report:4")
    drain_jobs()
    write.refresh_from_db()
    assert write.status == Write.Status.DONE
    assert write.attempts == 2
    assert write.result["recovered"] is True
    assert len(forge.state.issues("diskominfo", "simpeg")) == 1


def test_a_timeout_whose_request_landed_is_recovered_not_doubled(
    forge, run_jobs, drain_jobs, settings
):
    forge.add_repo("diskominfo", "simpeg")
    held = forge.hold_next(path=r"/issues$")
    write = enqueue_issue("report:5")
    started = timezone.now()
    run_jobs()  # the client gives up after 1 s while GitHub still holds the request
    write.refresh_from_db()
    assert write.ambiguous and write.status == Write.Status.PENDING
    # The retry waits for GitHub to settle instead of racing the slow request.
    assert write.next_attempt_at >= started + timedelta(seconds=settings.FORGE_SETTLE_SECONDS)
    held.release()  # GitHub creates the issue after all
    assert held.wait_applied()
    drain_jobs()
    write.refresh_from_db()
    assert write.status == Write.Status.DONE
    assert write.result.get("recovered") is True
    assert len(forge.state.issues("diskominfo", "simpeg")) == 1


def test_a_rate_limited_write_waits_at_least_retry_after(forge, run_jobs, drain_jobs):
    forge.add_repo("diskominfo", "simpeg")
    forge.faults.add("too_many_requests", method="POST", retry_after=90, times=1)
    write = enqueue_issue("report:6")
    before = timezone.now()
    run_jobs()
    write.refresh_from_db()
    assert write.status == Write.Status.PENDING
    assert "rate limit" in write.last_error
    assert write.next_attempt_at >= before + timedelta(seconds=90)
    scheduled = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert scheduled.run_after >= before + timedelta(seconds=90)
    drain_jobs()
    assert len(forge.state.issues("diskominfo", "simpeg")) == 1


def test_a_failed_write_can_be_retried_by_the_platform_team(forge, run_jobs, drain_jobs):
    forge.add_repo("diskominfo", "simpeg", has_issues=False)
    write = enqueue_issue("report:7")
    drain_jobs()
    write.refresh_from_db()
    assert write.status == Write.Status.FAILED
    forge.state.repo("diskominfo", "simpeg").has_issues = True
    assert outbox.write_retry(write=write) is True
    assert outbox.write_retry(write=write) is False  # already back in line
    drain_jobs()
    write.refresh_from_db()
    assert write.status == Write.Status.DONE
    assert len(forge.state.issues("diskominfo", "simpeg")) == 1


def test_a_write_whose_worker_died_is_picked_up_again_and_not_doubled(forge, run_jobs, drain_jobs):
    forge.add_repo("diskominfo", "simpeg")
    write = enqueue_issue("report:8")
    # The worker claimed it, created the issue, then died before recording the result.
    long_ago = timezone.now() - timedelta(hours=1)
    Write.objects.filter(pk=write.pk).update(
        status=Write.Status.RUNNING, claimed_at=long_ago, attempts=1
    )
    api.create_issue(REPO, title="t", body=f"b\n\n{write.marker}\n")
    DBTaskResult.objects.all().delete()  # and its job is gone too
    assert outbox.writes_requeue_stalled(deadline=lease_deadline()) == 1
    assert outbox.writes_requeue_stalled(deadline=lease_deadline()) == 0  # its job is queued
    drain_jobs()
    write.refresh_from_db()
    assert write.status == Write.Status.DONE
    assert write.result["recovered"] is True
    assert len(forge.state.issues("diskominfo", "simpeg")) == 1


def test_comments_are_recovered_by_marker_too(forge, run_jobs, drain_jobs):
    forge.add_repo("diskominfo", "simpeg")
    issue = api.create_issue(REPO, title="t", body="b")
    forge.faults.add("lost_response", method="POST", path=r"/comments$", times=1)
    write = outbox.write_enqueue(
        key="comment:1",
        kind=Write.Kind.CREATE_COMMENT,
        repo=REPO,
        payload={"issue_number": issue.number, "body": "Terima kasih, sedang kami periksa."},
    )
    drain_jobs()
    write.refresh_from_db()
    assert write.status == Write.Status.DONE
    assert len(forge.state.issue("diskominfo", "simpeg", issue.number).comments) == 1


def test_fault_drill_500_writes_through_a_bad_hour_land_exactly_once(forge, run_jobs, drain_jobs):
    """5xx, 429, secondary rate limits and lost responses, then recovery: reports from ten
    apps' users, as on a busy morning."""
    repos = [f"app-{n}" for n in range(10)]
    for name in repos:
        forge.add_repo("diskominfo", name)
    forge.faults.add("error", status=500, times=40)
    forge.faults.add("error", status=503, times=20)
    forge.faults.add("too_many_requests", retry_after=1, times=25)
    forge.faults.add("secondary_rate_limit", retry_after=1, times=25)
    forge.faults.add("lost_response", method="POST", path=r"/issues$", times=30)
    forge.faults.add("lost_response", method="POST", path=r"/issues$", mode="502", times=10)
    for n in range(500):
        outbox.write_enqueue(
            key=f"drill:{n}",
            kind=Write.Kind.CREATE_ISSUE,
            repo=f"diskominfo/{repos[n % 10]}",
            payload={"title": f"Laporan {n}", "body": "Halaman tidak bisa dibuka."},
        )
    drain_jobs(rounds=40)
    unfinished = Write.objects.exclude(status=Write.Status.DONE)
    assert not unfinished.exists(), list(unfinished.values_list("key", "status", "last_error")[:5])
    found = []
    for name in repos:
        for issue in forge.state.issues("diskominfo", name):
            found += re.findall(r"<!-- polise:(.+?) -->", issue.body or "")
    assert len(found) == 500
    assert set(found) == {f"drill:{n}" for n in range(500)}
    fired = [kind for kind, _method, _path in forge.faults.fired]
    assert len(fired) == 150
    assert set(fired) == {"error", "too_many_requests", "secondary_rate_limit", "lost_response"}
    # Every create whose answer was lost was found again by its marker, none was repeated.
    assert Write.objects.filter(result__recovered=True).count() == 40


def test_a_stuck_write_can_be_retried_by_the_platform_team(forge, drain_jobs, settings):
    forge.add_repo("diskominfo", "simpeg")
    stuck, running, waiting = (enqueue_issue(f"report:{n}") for n in (9, 10, 11))
    DBTaskResult.objects.all().delete()  # their jobs were lost
    long_ago = timezone.now() - timedelta(seconds=settings.JOBS_LEASE_SECONDS + 1)
    Write.objects.filter(pk=stuck.pk).update(
        status=Write.Status.RUNNING, claimed_at=long_ago, attempts=1
    )
    Write.objects.filter(pk=running.pk).update(
        status=Write.Status.RUNNING, claimed_at=timezone.now(), attempts=1
    )
    Write.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    assert outbox.write_retry(write=stuck) is True
    assert outbox.write_retry(write=running) is False  # its worker may still be at it
    assert outbox.write_retry(write=waiting) is False  # its next attempt is scheduled
    drain_jobs()
    stuck.refresh_from_db()
    assert stuck.status == Write.Status.DONE
    assert len(forge.state.issues("diskominfo", "simpeg")) == 1


def test_the_sweep_queues_a_write_whose_job_was_never_queued(forge, drain_jobs, settings):
    forge.add_repo("diskominfo", "simpeg")
    # The web process committed the write and died before it could queue the job.
    write = Write.objects.create(
        key="report:12",
        kind=Write.Kind.CREATE_ISSUE,
        repo=REPO,
        payload={"title": "t", "body": "b"},
    )
    assert jobs_sweep()["GitHub writes"] == 0  # not yet: it may still be on its way
    later = timezone.now() + timedelta(seconds=settings.JOBS_LEASE_SECONDS + 1)
    assert jobs_sweep(now=later)["GitHub writes"] == 1
    assert jobs_sweep(now=later)["GitHub writes"] == 0
    drain_jobs()
    write.refresh_from_db()
    assert write.status == Write.Status.DONE


def test_stored_callback_names_that_no_code_registers_are_found():
    Write.objects.create(
        key="a", kind="create_issue", repo=REPO, payload={}, on_outcome="tests.record"
    )
    Write.objects.create(
        key="b", kind="create_issue", repo=REPO, payload={}, on_outcome="gone.name"
    )
    Write.objects.create(
        key="c",
        kind="create_issue",
        repo=REPO,
        payload={},
        on_outcome="gone.too",
        status=Write.Status.DONE,  # done: never called again
    )
    assert outbox.callbacks_missing() == {"gone.name": 1}
    with pytest.raises(outbox.InvalidWrite, match="two outbox callbacks"):
        outbox.on_outcome("tests.record")(lambda write: None)


def test_the_first_retry_waits_the_configured_backoff_base(forge, run_jobs, settings):
    settings.FORGE_BACKOFF_BASE_SECONDS = 100
    forge.add_repo("diskominfo", "simpeg")
    forge.faults.add("error", status=500, method="POST", times=1)
    write = enqueue_issue("report:13")
    before = timezone.now()
    run_jobs()
    write.refresh_from_db()
    assert write.status == Write.Status.PENDING
    # Full jitter between half the base and the base, for the first retry.
    assert before + timedelta(seconds=50) <= write.next_attempt_at
    assert write.next_attempt_at <= timezone.now() + timedelta(seconds=100)
