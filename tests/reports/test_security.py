"""Security problems never become public issues."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from polise.core.jobs import jobs_sweep
from polise.forge.models import Write
from polise.reports.models import Report
from tests.factories import make_app, make_user

from .test_filing import form

pytestmark = pytest.mark.django_db(transaction=True)


def security_form():
    return form(
        kind="security",
        title="Data pegawai bisa dilihat tanpa login",
        what_happened="Buka /api/pegawai tanpa sesi.",
    )


def enable_reporting(fake, owner, name):
    from polise.forge import client

    client.github().rest.repos.enable_private_vulnerability_reporting(owner, name)


def test_on_a_public_repo_with_reporting_on_it_becomes_a_private_advisory(
    client, forge, reporter, drain_jobs
):
    forge.add_repo("diskominfo", "jdih", private=False)
    enable_reporting(forge, "diskominfo", "jdih")
    make_app(slug="jdih", repo="diskominfo/jdih")
    client.post("/apps/jdih/report/", security_form())
    drain_jobs()
    report = Report.objects.get()
    assert report.channel == Report.Channel.ADVISORY
    assert report.status == Report.Status.OPEN
    assert "/security/advisories/GHSA-" in report.github_url
    assert forge.state.issues("diskominfo", "jdih") == []  # never a public issue


def test_on_a_private_repo_it_stays_in_the_confidential_queue_with_a_detail_free_notice(
    client, forge, reporter, drain_jobs, settings
):
    settings.REPORTS_SECURITY_REPO = "diskominfo/security"
    forge.add_repo("diskominfo", "simpeg", private=True)
    forge.add_repo("diskominfo", "security", private=True)
    app = make_app(slug="simpeg", repo="diskominfo/simpeg", owners=[make_user(username="owner")])
    client.post("/apps/simpeg/report/", security_form())
    drain_jobs()
    report = Report.objects.get()
    assert report.channel == Report.Channel.CONFIDENTIAL
    assert forge.state.issues("diskominfo", "simpeg") == []
    [notice] = forge.state.issues("diskominfo", "security")
    assert f"#{report.pk}" in notice.title
    assert "api/pegawai" not in notice.body and "tanpa login" not in notice.body + notice.title

    # Seen by the reporter, the app's owners and the security team; not by other staff.
    assert client.get(f"/reports/{report.pk}/").status_code == 200
    client.force_login(app.owners.get())
    assert client.get(f"/reports/{report.pk}/").status_code == 200
    staff = make_user(is_staff=True)
    client.force_login(staff)
    assert client.get(f"/reports/{report.pk}/").status_code == 404
    assert "Data pegawai" not in client.get("/apps/simpeg/reports/").content.decode()
    security = make_user()
    security.groups.add(Group.objects.create(name="security"))
    client.force_login(security)
    assert client.get(f"/reports/{report.pk}/").status_code == 200


def test_public_repo_without_reporting_also_stays_confidential(client, forge, reporter, drain_jobs):
    forge.add_repo("diskominfo", "portal", private=False)
    make_app(slug="portal", repo="diskominfo/portal")
    client.post("/apps/portal/report/", security_form())
    drain_jobs()
    assert Report.objects.get().channel == Report.Channel.CONFIDENTIAL
    assert forge.state.issues("diskominfo", "portal") == []
    assert not any(r.method == "POST" and r.path.endswith("/issues") for r in forge.requests)


def test_attachments_of_security_reports_are_never_public(client, forge, reporter, drain_jobs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .conftest import PNG

    forge.add_repo("diskominfo", "simpeg", private=True)
    make_app(slug="simpeg", repo="diskominfo/simpeg")
    shot = SimpleUploadedFile("bukti.png", PNG, content_type="image/png")
    client.post("/apps/simpeg/report/", {**security_form(), "attachments": [shot]})
    drain_jobs()
    token = Report.objects.get().attachments.get().token
    client.logout()
    assert client.get(f"/reports/attachments/{token}/").status_code == 302  # sign in first
    client.force_login(make_user(is_staff=True))
    assert client.get(f"/reports/attachments/{token}/").status_code == 404


def test_an_advisory_whose_answer_cannot_be_read_is_never_sent_twice(
    client, forge, reporter, drain_jobs
):
    forge.add_repo("diskominfo", "jdih", private=False)
    enable_reporting(forge, "diskominfo", "jdih")
    make_app(slug="jdih", repo="diskominfo/jdih")
    # GitHub files the report, but the answer comes back in a shape Polise cannot read.
    forge.corrupt_next_response(
        lambda body: {"unexpected": True}, method="POST", path="security-advisories"
    )
    client.post("/apps/jdih/report/", security_form())
    drain_jobs()
    forge.take_violations()  # the corrupted answer, on purpose
    report = Report.objects.get()
    assert len(forge.state.repo("diskominfo", "jdih").advisories) == 1
    assert report.status == Report.Status.NEEDS_ATTENTION
    assert "may have filed this report" in report.problem


def test_routing_is_an_outbox_write_that_a_killed_worker_cannot_lose(
    client, forge, reporter, drain_jobs, settings
):
    """The worker died while GitHub was still answering whether the repository takes private
    reports: nothing was sent, so the sweep's retry routes it, once."""
    forge.add_repo("diskominfo", "jdih", private=False)
    enable_reporting(forge, "diskominfo", "jdih")
    make_app(slug="jdih", repo="diskominfo/jdih")
    client.post("/apps/jdih/report/", security_form())
    write = Write.objects.get(kind=Write.Kind.CREATE_VULNERABILITY_REPORT)
    long_ago = timezone.now() - timedelta(seconds=settings.JOBS_LEASE_SECONDS + 1)
    Write.objects.filter(pk=write.pk).update(
        status=Write.Status.RUNNING, claimed_at=long_ago, attempts=1
    )
    DBTaskResult.objects.all().delete()
    assert jobs_sweep()["GitHub writes"] == 1
    drain_jobs()
    report = Report.objects.get()
    assert (report.channel, report.status) == (Report.Channel.ADVISORY, Report.Status.OPEN)
    assert len(forge.state.repo("diskominfo", "jdih").advisories) == 1


def test_a_worker_killed_while_sending_an_advisory_flags_it_instead_of_sending_twice(
    client, forge, reporter, drain_jobs, settings
):
    forge.add_repo("diskominfo", "jdih", private=False)
    enable_reporting(forge, "diskominfo", "jdih")
    make_app(slug="jdih", repo="diskominfo/jdih")
    client.post("/apps/jdih/report/", security_form())
    write = Write.objects.get(kind=Write.Kind.CREATE_VULNERABILITY_REPORT)
    long_ago = timezone.now() - timedelta(seconds=settings.JOBS_LEASE_SECONDS + 1)
    # The request had gone out (the write said so before sending) when the worker died.
    Write.objects.filter(pk=write.pk).update(
        status=Write.Status.RUNNING, claimed_at=long_ago, attempts=1, ambiguous=True
    )
    DBTaskResult.objects.all().delete()
    jobs_sweep()
    drain_jobs()
    report = Report.objects.get()
    assert report.status == Report.Status.NEEDS_ATTENTION
    assert "may have filed this report" in report.problem
    assert forge.state.repo("diskominfo", "jdih").advisories == []
