"""The worker status page for the platform team: queue length, oldest waiting job, live
workers, failed jobs with their error, and a retry button that works from the keyboard."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from polise.core.jobs import WorkerKeeper
from tests.browser import DESKTOP, PHONE, assert_accessible, assert_fits
from tests.factories import make_user

from . import sample_jobs

LIST = "/admin/django_tasks_database/dbtaskresult/"


@pytest.fixture
def queue(db):
    """Two jobs waiting (one since an hour ago), one scheduled later, one failed, one worker."""
    an_hour_ago = timezone.now() - timedelta(hours=1)
    sample_jobs.record.enqueue("waiting")
    DBTaskResult.objects.update(enqueued_at=an_hour_ago)
    sample_jobs.record.enqueue("also waiting")
    sample_jobs.record.using(run_after=timezone.now() + timedelta(hours=1)).enqueue("later")
    sample_jobs.broken.enqueue("x")
    failed = DBTaskResult.objects.get(args_kwargs__args=["x"])
    failed.status = TaskResultStatus.FAILED
    failed.finished_at = timezone.now()
    failed.exception_class_path = "polise.core.jobs.PermanentError"
    failed.traceback = "Traceback (most recent call last):\n  ...\nPermanentError: bad input\n"
    failed.save()
    WorkerKeeper(worker_id="w-1", queues="*").renew()
    return failed


@pytest.fixture
def platform(client, db):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    client.cookies["django_language"] = "en"
    return client


def test_the_status_page_shows_the_queue_workers_and_failed_jobs(platform, queue):
    page = platform.get(LIST).content.decode()
    assert 'data-queue-length="default">2<' in page
    assert "1\xa0hour ago" in page  # the oldest waiting job
    assert "1 job failed in the last 24 hours." in page
    assert "PermanentError: bad input" in page  # each failed job with its error
    assert f'<th scope="row">{socket.gethostname()}</th>' in page  # the live worker
    assert str(settings.JOBS_LEASE_SECONDS) in page


def test_the_retry_button_queues_a_fresh_copy_of_a_failed_job(platform, queue):
    page = platform.get(f"{LIST}{queue.pk}/change/").content.decode()
    assert "Retry this job" in page
    response = platform.post(f"{LIST}{queue.pk}/retry/")
    assert response.status_code == 302
    fresh = DBTaskResult.objects.get(args_kwargs__args=["x"], status=TaskResultStatus.READY)
    assert fresh.pk != queue.pk
    # A job that did not fail is not retried, and shows no button.
    assert "Retry this job" not in platform.get(f"{LIST}{fresh.pk}/change/").content.decode()
    platform.post(f"{LIST}{fresh.pk}/retry/")
    assert DBTaskResult.objects.filter(args_kwargs__args=["x"]).count() == 2


def test_the_retry_action_takes_the_failed_jobs_of_a_selection(platform, queue):
    every = list(DBTaskResult.objects.values_list("pk", flat=True))
    response = platform.post(LIST, {"action": "retry", "_selected_action": every}, follow=True)
    assert "1 job queued again." in response.content.decode()
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 4


def test_staff_who_may_only_look_cannot_retry(client, queue):
    viewer = make_user(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_dbtaskresult"))
    client.force_login(viewer)
    client.cookies["django_language"] = "en"
    assert client.get(LIST).status_code == 200
    assert "Retry this job" not in client.get(f"{LIST}{queue.pk}/change/").content.decode()
    client.post(f"{LIST}{queue.pk}/retry/")
    assert not DBTaskResult.objects.filter(args_kwargs__args=["x"], status="READY").exists()


@pytest.mark.django_db(transaction=True)
def test_the_status_page_works_by_keyboard_on_a_phone_and_a_desktop(page, live_server, queue):
    from django.test import Client

    staff = Client()
    staff.force_login(make_user(is_staff=True, is_superuser=True))
    page.context.add_cookies(
        [{"name": "sessionid", "value": staff.cookies["sessionid"].value, "url": live_server.url}]
    )
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        for url in (LIST, f"{LIST}{queue.pk}/change/"):
            page.goto(f"{live_server.url}{url}")
            assert_accessible(page)
            assert_fits(page)
    button = page.get_by_role("button", name="Coba lagi tugas ini")
    for _ in range(40):
        page.keyboard.press("Tab")
        if button.evaluate("b => b === document.activeElement"):
            break
    else:
        pytest.fail("the retry button cannot be reached with the Tab key")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{LIST}")
    assert DBTaskResult.objects.filter(args_kwargs__args=["x"], status="READY").exists()
