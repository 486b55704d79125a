"""Reports against the contract-checked GitHub fake: stored first, filed once, followed back."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from polise.forge.models import Write
from polise.reports import services
from polise.reports.models import Attachment, Report
from tests.factories import make_app, make_user

from .conftest import PNG

pytestmark = pytest.mark.django_db(transaction=True)


def form(**overrides):
    data = {
        "kind": "bug",
        "title": "Tombol simpan tidak berfungsi",
        "what_happened": "Saya menekan Simpan, tidak terjadi apa-apa.",
        "expected": "Data tersimpan.",
        "steps": "1. Buka formulir pegawai\n2. Tekan Simpan",
        "area": "formulir pegawai",
        "screen": "1366x768",
        "timezone": "Asia/Makassar",
    }
    data.update(overrides)
    return data


def test_the_live_version_goes_into_the_context(client, simpeg, reporter, forge, drain_jobs):
    import uuid

    from django.utils import timezone

    from polise.deployments.models import DeployRecord, Result

    DeployRecord.objects.create(
        deploy_id=uuid.uuid4(),
        app=simpeg,
        stack="simpeg",
        commit="0123456789abcdef0123",
        digest="sha256:" + "a" * 64,
        started_at=timezone.now(),
        result=Result.SUCCEEDED,
    )
    client.post("/apps/simpeg/report/", form())
    drain_jobs()
    report = Report.objects.get()
    assert report.context["version"] == "0123456789ab sha256:aaaaaaaaaaaa"
    assert "0123456789ab" in forge.state.issues("diskominfo", "simpeg")[0].body


def test_a_bug_with_a_screenshot_becomes_one_issue_with_the_right_labels(
    client, simpeg, reporter, forge, drain_jobs
):
    shot = SimpleUploadedFile("layar.png", PNG, content_type="image/png")
    response = client.post(
        "/apps/simpeg/report/", {**form(), "attachments": [shot]}, HTTP_USER_AGENT="Firefox/140"
    )
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    assert report.status == Report.Status.RECEIVED  # stored before anything reaches GitHub
    assert report.attachments.get().content_type == "image/png"
    drain_jobs()
    report.refresh_from_db()
    issues = forge.state.issues("diskominfo", "simpeg")
    assert len(issues) == 1
    issue = issues[0]
    assert sorted(label.name for label in issue.labels) == [
        "area: formulir pegawai",
        "bug",
        "polise",
    ]
    assert (report.status, report.github_number, report.github_url) == (
        Report.Status.OPEN,
        issue.number,
        f"https://github.com/diskominfo/simpeg/issues/{issue.number}",
    )
    # The reporter appears as an opaque reference, never by name.
    assert services.reporter_reference(reporter) in issue.body
    assert "Wati" not in issue.body and "wati@" not in issue.body
    token = report.attachments.get().token
    assert f"/reports/attachments/{token}/" in issue.body
    assert "Firefox/140" in issue.body and "Asia/Makassar" in issue.body
    assert re.search(rf"<!-- polise:report:{report.pk}:issue -->", issue.body)
    # The reporter was told by e-mail, in Indonesian.
    assert mail.outbox and "Terbuka" in mail.outbox[-1].subject


def test_names_go_to_github_only_when_the_platform_team_allows(
    client, simpeg, reporter, forge, drain_jobs, settings
):
    settings.REPORTS_SHOW_REPORTER_NAMES = True
    client.post("/apps/simpeg/report/", form())
    drain_jobs()
    assert "Wati Susanti" in forge.state.issues("diskominfo", "simpeg")[0].body


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("layar.png", b"#!/bin/sh\nrm -rf /\n", content_type="image/png"),
            "is not an image",
        ),
        (
            SimpleUploadedFile(
                "besar.png", PNG + b"\x00" * (5 * 1024 * 1024), content_type="image/png"
            ),
            "larger than 5 MB",
        ),
        (
            SimpleUploadedFile(
                "gambar.svg", b"<svg onload=alert(1)>", content_type="image/svg+xml"
            ),
            "is not an image",
        ),
    ],
)
def test_a_disguised_or_oversized_attachment_is_refused_and_nothing_is_stored(
    client, simpeg, reporter, forge, upload, message
):
    client.cookies["django_language"] = "en"
    response = client.post("/apps/simpeg/report/", {**form(), "attachments": [upload]})
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Report.objects.exists() and not Attachment.objects.exists()


def test_empty_fields_are_refused_with_a_clear_message(client, simpeg, reporter):
    client.cookies["django_language"] = "en"
    response = client.post("/apps/simpeg/report/", form(title="", what_happened=""))
    assert response.status_code == 200
    # Each at its field and once more in the error summary at the top.
    assert response.content.decode().count("This field is required") == 4
    assert not Report.objects.exists()


def test_signing_in_is_required(client, simpeg):
    response = client.get("/apps/simpeg/report/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_report_for_an_app_without_a_repo_is_kept_and_flagged(
    client, reporter, forge, drain_jobs
):
    make_app(slug="arsip", repo="")
    client.post("/apps/arsip/report/", form())
    drain_jobs()
    report = Report.objects.get()
    assert report.status == Report.Status.NEEDS_ATTENTION
    assert "not linked to a GitHub repository" in report.problem


def test_issues_disabled_keeps_the_report_flags_it_and_a_retry_files_it(
    client, forge, reporter, drain_jobs
):
    forge.add_repo("diskominfo", "presensi", has_issues=False)
    make_app(slug="presensi", repo="diskominfo/presensi")
    client.post("/apps/presensi/report/", form())
    drain_jobs()
    report = Report.objects.get()
    assert report.status == Report.Status.NEEDS_ATTENTION
    assert "issues are disabled" in report.problem
    client.cookies["django_language"] = "en"
    detail = client.get(f"/reports/{report.pk}/").content.decode()
    assert "the platform team has been told" in detail

    forge.state.repo("diskominfo", "presensi").has_issues = True
    from polise.forge import outbox

    assert outbox.write_retry(write=Write.objects.get())
    report.refresh_from_db()
    assert report.status == Report.Status.RECEIVED
    drain_jobs()
    report.refresh_from_db()
    assert report.status == Report.Status.OPEN
    assert len(forge.state.issues("diskominfo", "presensi")) == 1


def test_similar_open_reports_are_shown_before_a_duplicate_is_sent(client, simpeg, reporter, forge):
    other = make_user()
    services.report_submit(
        reporter=other,
        app=simpeg,
        kind="bug",
        title="Tombol simpan tidak bekerja",
        what_happened="x",
    )
    client.cookies["django_language"] = "en"
    response = client.post("/apps/simpeg/report/", form())
    assert response.status_code == 200
    assert "Tombol simpan tidak bekerja" in response.content.decode()
    assert Report.objects.count() == 1
    response = client.post("/apps/simpeg/report/", {**form(), "confirm_new": "on"})
    assert response.status_code == 302
    assert Report.objects.count() == 2


def test_issue_events_move_the_report_and_the_reporter_sees_resolved(
    client, simpeg, reporter, forge, drain_jobs, replay
):
    client.post("/apps/simpeg/report/", form())
    drain_jobs()
    report = Report.objects.get()
    assert all(status in (200, 202) for status in replay(forge))  # opened + labeled: no change
    drain_jobs()
    report.refresh_from_db()
    assert report.status == Report.Status.OPEN

    forge.assign_issue("diskominfo", "simpeg", report.github_number, "citra-dev")
    replay(forge)
    drain_jobs()
    report.refresh_from_db()
    assert report.status == Report.Status.IN_PROGRESS
    assert report.first_response_at is not None

    forge.close_issue(
        "diskominfo", "simpeg", report.github_number, comment="Sudah diperbaiki di versi 2.3."
    )
    replay(forge)
    drain_jobs()
    report.refresh_from_db()
    assert report.status == Report.Status.RESOLVED and report.resolved_at
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert 'data-status="resolved"' in page
    # The closing comment stays with the developers until one of them makes it public.
    assert "Sudah diperbaiki" not in page
    comment = report.comments.get()
    owner = simpeg.owners.get()
    client.force_login(owner)
    client.post(f"/reports/comments/{comment.pk}/visibility/", {"public": "1"})
    client.force_login(reporter)
    assert "Sudah diperbaiki" in client.get(f"/reports/{report.pk}/").content.decode()
    assert [m.subject for m in mail.outbox][-1].endswith("Selesai")


def test_a_redelivered_close_is_processed_once(client, simpeg, reporter, forge, drain_jobs, replay):
    client.post("/apps/simpeg/report/", form())
    drain_jobs()
    replay(forge)
    report = Report.objects.get()
    forge.close_issue("diskominfo", "simpeg", report.github_number)
    replay(forge)
    sent_before = len(mail.outbox)
    drain_jobs()
    forge.redeliver(forge.webhooks.deliveries[-1].guid)
    assert replay(forge) == [200]
    drain_jobs()
    assert len(mail.outbox) == sent_before + 1


def test_other_users_cannot_see_a_report_or_its_attachments(client, simpeg, reporter, forge):
    shot = SimpleUploadedFile("layar.png", PNG, content_type="image/png")
    client.post("/apps/simpeg/report/", {**form(), "attachments": [shot]})
    report = Report.objects.get()
    token = report.attachments.get().token
    assert client.get(f"/reports/attachments/{token}/").status_code == 200
    client.force_login(make_user())
    # Someone else who may open the app may follow the report: its status, not its content.
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert report.what_happened not in page and str(token) not in page
    assert client.get(f"/reports/attachments/{token}/").status_code == 404
    client.force_login(simpeg.owners.get())
    response = client.get(f"/reports/attachments/{token}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_owners_see_the_app_list_with_filters_and_figures(
    client, simpeg, reporter, forge, drain_jobs, replay
):
    client.post("/apps/simpeg/report/", form())
    client.post(
        "/apps/simpeg/report/", form(kind="request", title="Ekspor ke Excel", confirm_new="on")
    )
    drain_jobs()
    replay(forge)
    first = Report.objects.get(kind="bug")
    forge.close_issue("diskominfo", "simpeg", first.github_number)
    replay(forge)
    drain_jobs()
    assert (
        client.get("/apps/simpeg/reports/").status_code == 403
    )  # the reporter does not manage the app
    client.force_login(simpeg.owners.get())
    page = client.get("/apps/simpeg/reports/?kind=request").content.decode()
    assert "Ekspor ke Excel" in page and "Tombol simpan" not in page
    page = client.get("/apps/simpeg/reports/?status=resolved").content.decode()
    assert "Tombol simpan" in page and "Ekspor ke Excel" not in page
    assert f'href="{first.github_url}"' in page


def test_developers_mark_a_duplicate(client, simpeg, reporter, forge, drain_jobs):
    client.post("/apps/simpeg/report/", form())
    client.post("/apps/simpeg/report/", form(confirm_new="on"))
    drain_jobs()
    original, copy = Report.objects.order_by("pk")
    client.force_login(simpeg.owners.get())
    client.post(f"/reports/{copy.pk}/duplicate/", {"original": original.pk})
    drain_jobs()
    copy.refresh_from_db()
    assert copy.status == Report.Status.DUPLICATE and copy.duplicate_of == original
    comments = forge.state.issue("diskominfo", "simpeg", copy.github_number).comments
    assert [c.body.splitlines()[0] for c in comments] == [f"Duplicate of #{original.github_number}"]


def test_fault_drill_every_report_is_filed_exactly_once(simpeg, reporter, forge, drain_jobs):
    """GitHub down, then rate-limiting, then losing answers: 30 reports, 30 issues."""
    forge.faults.add("error", status=503, times=25)  # down
    forge.faults.add("too_many_requests", retry_after=1, times=10)
    forge.faults.add("lost_response", method="POST", path=r"/issues$", times=8)
    for n in range(30):
        services.report_submit(
            reporter=reporter, app=simpeg, kind="bug", title=f"Masalah {n}", what_happened="x"
        )
    drain_jobs()
    reports = Report.objects.all()
    assert {r.status for r in reports} == {Report.Status.OPEN}
    issues = forge.state.issues("diskominfo", "simpeg")
    assert len(issues) == 30
    assert sorted(r.github_number for r in reports) == sorted(i.number for i in issues)
    assert {kind for kind, _m, _p in forge.faults.fired} == {
        "error",
        "too_many_requests",
        "lost_response",
    }
