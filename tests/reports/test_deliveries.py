"""Issue events that arrive late, twice, out of order or all at once, and admins editing the
same report meanwhile: no update is lost and the reporter hears the status that stands."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from polise.core.jobs import jobs_sweep
from polise.forge import webhooks
from polise.forge.models import Delivery
from polise.reports import services
from polise.reports.models import Comment, Report, StatusChange
from tests.factories import make_app, make_user

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "deliveries-secret"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
_guid = itertools.count(1)


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def app():
    return make_app(repo="dinas/simpeg")


def filed_report(app, *, number: int | None, title: str = "Tombol simpan tidak berfungsi"):
    """A report already filed as issue `number` and announced to its reporter as open."""
    return Report.objects.create(
        app=app,
        reporter=make_user(),
        kind=Report.Kind.BUG,
        title=title,
        what_happened="x",
        status=Report.Status.OPEN,
        notified_status=Report.Status.OPEN,
        channel=Report.Channel.ISSUE,
        github_repo=app.repo,
        github_number=number,
    )


def event(
    number: int,
    action: str,
    minute: int,
    *,
    state: str = "open",
    assignees: tuple[str, ...] = (),
    comment_id: int | None = None,
) -> tuple[str, dict]:
    """An issue event as GitHub sends it, `minute` minutes after T0 by the issue's clock."""
    payload: dict = {
        "action": "created" if comment_id else action,
        "issue": {
            "number": number,
            "state": state,
            "updated_at": (T0 + timedelta(minutes=minute)).isoformat().replace("+00:00", "Z"),
            "assignees": [{"login": login} for login in assignees],
            "labels": [{"name": "polise"}, {"name": "bug"}],
        },
        "repository": {"full_name": "dinas/simpeg"},
        "sender": {"login": "citra-dev"},
    }
    if comment_id:
        payload["comment"] = {
            "id": comment_id,
            "body": "Sudah diperbaiki.",
            "user": {"login": "citra-dev"},
        }
        return "issue_comment", payload
    return "issues", payload


def deliver(client: Client, kind: str, payload: dict, guid: str | None = None) -> int:
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.generic(
        "POST",
        "/hooks/github",
        body,
        content_type="application/json",
        HTTP_X_GITHUB_EVENT=kind,
        HTTP_X_GITHUB_DELIVERY=guid or f"guid-{next(_guid)}",
        HTTP_X_HUB_SIGNATURE_256=signature,
    ).status_code


def process_all() -> None:
    for pk in Delivery.objects.order_by("pk").values_list("pk", flat=True):
        webhooks.process_delivery.call(pk)


def history(report: Report) -> list[tuple[str, str]]:
    return list(StatusChange.objects.filter(report=report).values_list("old_status", "new_status"))


def test_an_event_older_than_the_last_one_applied_changes_nothing(app, client):
    report = filed_report(app, number=7)
    deliver(client, *event(7, "closed", 10, state="closed"))
    deliver(client, *event(7, "reopened", 5))  # happened before the close; arrives after it
    process_all()
    report.refresh_from_db()
    assert report.status == Report.Status.RESOLVED
    assert report.github_updated_at == T0 + timedelta(minutes=10)
    assert history(report) == [("open", "resolved")]
    outcomes = list(Delivery.objects.order_by("pk").values_list("outcome", flat=True))
    assert "older than the last event applied" in outcomes[1]


def test_an_edit_after_a_close_that_arrives_first_still_closes(app, client):
    """The newest description of the issue wins even when its event is not about the state."""
    report = filed_report(app, number=8)
    deliver(client, *event(8, "edited", 12, state="closed"))
    deliver(client, *event(8, "closed", 11, state="closed"))
    process_all()
    report.refresh_from_db()
    assert report.status == Report.Status.RESOLVED


def test_a_handler_failure_rolls_back_every_change_of_the_delivery(app, client, monkeypatch):
    report = filed_report(app, number=9)
    deliver(client, *event(9, "closed", 3, state="closed"))

    def broken(delivery):
        raise RuntimeError("disk full")

    monkeypatch.setitem(webhooks._handlers, "issues", [*webhooks._handlers["issues"], broken])
    with pytest.raises(RuntimeError):
        webhooks.process_delivery.call(Delivery.objects.get().pk)
    report.refresh_from_db()
    assert report.status == Report.Status.OPEN and report.github_updated_at is None
    assert not StatusChange.objects.exists()
    assert Delivery.objects.get().status == Delivery.Status.FAILED


def test_concurrent_and_conflicting_deliveries_end_in_the_newest_state(app, run_jobs):
    """Three issues, each assigned, closed, reopened, closed and commented on, every delivery
    sent twice at once and processed by competing workers at once, while an admin edits the
    reports: each report ends resolved, its history is one unbroken chain, each comment is
    stored once, the admins' edits are kept, and each reporter gets one mail, "resolved"."""
    numbers = [21, 22, 23]
    reports = [filed_report(app, number=n, title=f"Laporan {n}") for n in numbers]
    staff = make_user(is_staff=True, is_superuser=True)
    forms = {}
    for report in reports:
        admin = Client()
        admin.force_login(staff)
        forms[report.pk] = (admin, change_form(admin, report))
    sent = []
    for number in numbers:
        for kind, payload in [
            event(number, "assigned", 1, assignees=("citra-dev",)),
            event(number, "closed", 2, state="closed", assignees=("citra-dev",)),
            event(number, "reopened", 3, assignees=("citra-dev",)),
            event(number, "closed", 4, state="closed", assignees=("citra-dev",)),
            event(number, "comment", 5, state="closed", comment_id=1000 + number),
        ]:
            guid = f"guid-{next(_guid)}"
            sent += [(kind, payload, guid), (kind, payload, guid)]  # a redelivery, at once

    def post(kind, payload, guid):
        deliver(Client(), kind, payload, guid)

    run_at_once([lambda k=k, p=p, g=g: post(k, p, g) for k, p, g in sent])
    deliveries = list(Delivery.objects.values_list("pk", flat=True))
    assert len(deliveries) == len(sent) // 2
    assert sum(Delivery.objects.values_list("redeliveries", flat=True)) == len(sent) // 2

    def edit(report):
        admin, data = forms[report.pk]
        data["area"] = "formulir pegawai"
        response = admin.post(f"/admin/reports/report/{report.pk}/change/", data)
        assert response.status_code == 302, re.findall(
            r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S
        )

    # Every delivery is processed by two workers at once (a sweep re-queued it, say).
    work = [lambda pk=pk: webhooks.process_delivery.call(pk) for pk in deliveries * 2]
    work += [lambda r=r: edit(r) for r in reports]
    run_at_once(work)
    run_jobs()  # the notifications

    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.PROCESSED}
    for report in reports:
        report.refresh_from_db()
        assert report.status == Report.Status.RESOLVED
        assert report.area == "formulir pegawai"
        assert report.github_updated_at == T0 + timedelta(minutes=5)
        chain = history(report)
        assert chain[-1][1] == "resolved"
        assert all(a[1] == b[0] for a, b in itertools.pairwise(chain)), chain
        assert Comment.objects.filter(report=report).count() == 1
        told = [m for m in mail.outbox if m.to == [report.reporter.email]]
        assert [m.subject.rsplit(": ", 1)[1] for m in told] == ["Selesai"]


def run_at_once(work: list) -> None:
    """Run each callable on its own thread, all released together; re-raise any failure."""
    start = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(job):
        try:
            start.wait()
            job()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


# --- the admin ---------------------------------------------------------------------------------


class _FormFields(HTMLParser):
    """The values a browser would submit from the admin's change form, as it was loaded."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "checkbox", "file"):
            self.data[name] = a.get("value") or ""
        elif tag == "input" and name and a.get("type") == "checkbox" and "checked" in a:
            self.data[name] = a.get("value") or "on"
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += (
                data.removeprefix("\n") if not self.data[self._textarea] else data
            )


def change_form(admin: Client, report: Report) -> dict[str, str]:
    page = admin.get(f"/admin/reports/report/{report.pk}/change/")
    assert page.status_code == 200
    parser = _FormFields()
    parser.feed(page.content.decode())
    return parser.data


@pytest.fixture
def staff_client(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_a_status_changed_in_the_admin_is_recorded_and_told(app, staff_client, run_jobs):
    report = filed_report(app, number=31)
    data = change_form(staff_client, report)
    data["status"] = Report.Status.IN_PROGRESS
    assert staff_client.post(f"/admin/reports/report/{report.pk}/change/", data).status_code == 302
    run_jobs()
    report.refresh_from_db()
    assert report.status == Report.Status.IN_PROGRESS
    [change] = StatusChange.objects.filter(report=report)
    assert (change.old_status, change.new_status, change.source) == ("open", "in_progress", "admin")
    assert change.actor is not None and change.actor.is_staff
    assert [m.to for m in mail.outbox] == [[report.reporter.email]]
    assert mail.outbox[0].subject.endswith("Sedang dikerjakan")


def test_an_admin_edit_keeps_the_status_github_set_meanwhile(app, staff_client):
    report = filed_report(app, number=32)
    data = change_form(staff_client, report)  # the page shows "open"
    deliver(Client(), *event(32, "closed", 1, state="closed"))
    process_all()
    data["title"] = "Tombol simpan tidak berfungsi di Firefox"
    assert staff_client.post(f"/admin/reports/report/{report.pk}/change/", data).status_code == 302
    report.refresh_from_db()
    assert report.title.endswith("di Firefox")
    assert report.status == Report.Status.RESOLVED
    assert history(report) == [("open", "resolved")]


def test_an_admin_status_change_over_a_newer_one_is_refused(app, staff_client):
    report = filed_report(app, number=33)
    data = change_form(staff_client, report)
    deliver(Client(), *event(33, "closed", 1, state="closed"))
    process_all()
    data["status"] = Report.Status.IN_PROGRESS
    staff_client.cookies["django_language"] = "en"
    response = staff_client.post(f"/admin/reports/report/{report.pk}/change/", data)
    assert response.status_code == 200
    assert "changed to “Resolved” while you were editing" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Report.Status.RESOLVED


def test_marking_a_duplicate_is_one_recorded_status_change(app, run_jobs):
    original = filed_report(app, number=None)  # not on GitHub: no duplicate comment to post
    copy = filed_report(app, number=42)
    owner = make_user()
    services.report_mark_duplicate(report=copy, original=original, actor=owner)
    services.report_mark_duplicate(report=copy, original=original, actor=owner)  # twice: once
    run_jobs()
    copy.refresh_from_db()
    assert (copy.status, copy.duplicate_of, copy.resolved_at is not None) == (
        Report.Status.DUPLICATE,
        original,
        True,
    )
    [change] = StatusChange.objects.filter(report=copy)
    assert (change.actor, change.source) == (owner, StatusChange.Source.PORTAL)
    assert len(mail.outbox) == 1


def test_a_notification_whose_job_was_lost_is_sent_by_the_sweep(app, run_jobs, settings):
    report = filed_report(app, number=51)
    services.report_change_status(
        report=report, status=Report.Status.RESOLVED, actor=None, source=StatusChange.Source.GITHUB
    )
    DBTaskResult.objects.all().delete()  # the job was lost with its worker
    assert jobs_sweep()["reporter notifications"] == 0  # it may still be on its way
    later = timezone.now() + timedelta(seconds=settings.JOBS_LEASE_SECONDS + 1)
    assert jobs_sweep(now=later)["reporter notifications"] == 1
    run_jobs()
    assert [m.subject.rsplit(": ", 1)[1] for m in mail.outbox] == ["Selesai"]
    assert jobs_sweep(now=later)["reporter notifications"] == 0
