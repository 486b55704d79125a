"""The report form as a civil servant meets it: a screenshot that survives every round trip,
similar reports to open and follow instead of filing again, errors that are seen and reached,
files refused before they are sent, and a report that says where it stands."""

from __future__ import annotations

import pytest
from django.utils import timezone

from polise.reports.models import Attachment, Follower, PendingUpload, Report
from tests.browser_steps import check_both_sizes, navigate, sign_in
from tests.factories import make_app, make_user

from ..reports.conftest import PNG

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "kata-sandi-panjang-1"
SCREENSHOT = {"name": "layar.png", "mimeType": "image/png", "buffer": PNG}


@pytest.fixture
def reporter(live_server, page):
    """SIMPEG with one open report by someone else, and Wati signed in."""
    app = make_app(slug="simpeg", name="SIMPEG", repo="")
    Report.objects.create(
        app=app,
        reporter=make_user(username="budi"),
        kind=Report.Kind.BUG,
        title="Tombol simpan tidak berfungsi",
        what_happened="Rahasia Budi: NIP 1987",
        status=Report.Status.OPEN,
        filed_at=timezone.now(),
    )
    user = make_user(username="wati", password=PASSWORD)
    sign_in(page, live_server.url, "wati", PASSWORD)
    page.goto(f"{live_server.url}/apps/simpeg/report/")
    return user


def fill(page, *, title="Tombol simpan tidak berfungsi lagi", what="Tidak terjadi apa-apa."):
    page.get_by_label("Ada yang tidak berfungsi").check()
    page.get_by_label("Judul").fill(title)
    page.get_by_label("Apa yang terjadi?").fill(what)


def test_a_screenshot_survives_the_similar_reports_question_and_is_sent_with_the_report(
    reporter, page
):
    fill(page)
    page.get_by_label("Tangkapan layar atau dokumen").set_input_files(SCREENSHOT)
    page.get_by_role("button", name="Kirim laporan").click()

    similar = page.get_by_role("region", name="Apakah salah satu dari ini?")
    assert similar.get_by_role("link", name="Tombol simpan tidak berfungsi").is_visible()
    kept = page.get_by_role("group", name="Sudah terlampir")
    assert kept.get_by_label("layar.png").is_checked()  # not silently dropped
    check_both_sizes(page, screenshot="report-form")

    page.get_by_label("Masalah saya bukan salah satu dari ini; kirim laporan saya.").check()
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_url("**/reports/*/")
    report = Report.objects.get(reporter=reporter)
    (attachment,) = Attachment.objects.filter(report=report)
    assert attachment.original_name == "layar.png" and attachment.file.read() == PNG
    assert not PendingUpload.objects.exists()  # the draft's copy is cleaned up


def test_a_screenshot_survives_a_validation_error(reporter, page):
    fill(page, what="")
    page.get_by_label("Tangkapan layar atau dokumen").set_input_files(SCREENSHOT)
    page.get_by_role("button", name="Kirim laporan").click()
    assert page.get_by_role("group", name="Sudah terlampir").get_by_label("layar.png").is_checked()
    page.get_by_label("Apa yang terjadi?").fill("Sekarang lengkap.")
    navigate(page, page.get_by_role("button", name="Kirim laporan").click)  # similar reports
    assert page.get_by_role("group", name="Sudah terlampir").get_by_label("layar.png").is_checked()
    page.get_by_label("Masalah saya bukan salah satu dari ini; kirim laporan saya.").check()
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_url("**/reports/*/")
    assert Report.objects.get(reporter=reporter).attachments.count() == 1


def test_a_similar_report_can_be_opened_and_followed_instead_of_filed_again(reporter, page):
    fill(page)
    page.get_by_role("button", name="Kirim laporan").click()
    navigate(page, page.get_by_role("link", name="Tombol simpan tidak berfungsi").click)
    # Someone else's report: where it stands, never what its reporter wrote.
    assert page.get_by_role("heading", level=1).inner_text() == "Tombol simpan tidak berfungsi"
    assert "NIP 1987" not in page.content()
    check_both_sizes(page)
    navigate(
        page,
        page.get_by_role("button", name="+1 · Saya juga mengalaminya, ikuti laporan ini").click,
    )
    assert "1 orang mengikuti laporan ini" in page.locator("main").inner_text()
    assert Follower.objects.filter(user=reporter).count() == 1
    assert Report.objects.filter(reporter=reporter).count() == 0  # no duplicate filed
    page.goto(page.url.split("/reports/")[0] + "/reports/mine/")
    followed = page.get_by_role("table", name="Laporan orang lain yang Anda ikuti")
    assert "Tombol simpan tidak berfungsi" in followed.inner_text()
    check_both_sizes(page)


def test_errors_are_summed_up_at_the_top_and_the_summary_takes_focus(reporter, page):
    page.get_by_role("button", name="Kirim laporan").click()
    summary = page.get_by_role("alert").filter(has_text="Ada masalah")
    summary.wait_for()
    # The page's script moves focus to the summary as soon as it runs.
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.matches('[data-error-summary]')"
    )
    assert page.title().startswith("Galat:")
    links = summary.get_by_role("link")
    assert links.count() == 3  # kind, title, what happened
    summary.get_by_role("link").nth(1).click()
    assert page.evaluate("() => document.activeElement.id") == "id_title"
    assert page.get_by_label("Judul").get_attribute("aria-invalid") == "true"
    check_both_sizes(page)


def test_a_file_too_large_is_refused_in_the_browser_before_it_is_sent(reporter, page):
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    big = {"name": "foto.png", "mimeType": "image/png", "buffer": PNG + b"\0" * (6 * 1024 * 1024)}
    page.get_by_label("Tangkapan layar atau dokumen").set_input_files(big)
    error = page.locator("#id_attachments_error")
    error.wait_for()
    assert "foto.png lebih besar dari 5 MB" in error.inner_text()
    assert page.evaluate("() => document.getElementById('id_attachments').files.length") == 0
    assert "id_attachments_error" in page.get_by_label(
        "Tangkapan layar atau dokumen"
    ).get_attribute("aria-describedby")
    assert sent == []
    check_both_sizes(page)


def test_an_oversized_request_is_refused_by_its_length_without_storing_anything(
    reporter, page, live_server
):
    # As a browser without scripts would send it: 30 MB in one go.
    response = page.request.post(
        f"{live_server.url}/apps/simpeg/report/",
        multipart={
            "title": "Besar",
            "attachments": {
                "name": "besar.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-" + b"\0" * (30 * 1024 * 1024),
            },
        },
    )
    assert response.status == 413
    assert "lebih dari 26 MB" in response.text()
    assert not PendingUpload.objects.exists() and not Report.objects.filter(title="Besar").exists()


def test_a_report_says_what_its_status_means_and_where_it_stands(reporter, page, live_server):
    report = Report.objects.get(title="Tombol simpan tidak berfungsi")
    budi = report.reporter
    budi.set_password(PASSWORD)
    budi.save()
    page.goto(f"{live_server.url}/logout/")
    navigate(page, page.get_by_role("button", name="Keluar").click)
    sign_in(page, live_server.url, "budi", PASSWORD)
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    stands = page.get_by_role("region", name="Perkembangannya")
    assert "belum ada yang mulai mengerjakannya" in stands.inner_text()
    steps = stands.get_by_role("listitem").all()
    assert [s.inner_text().split("\n")[0] for s in steps] == [
        "Diterima Polise",
        "Dikirim ke pengembang",
        "Sedang dikerjakan",
        "Selesai",
    ]
    assert [s.get_attribute("class") for s in steps] == ["reached", "reached", "", ""]
    assert "belum" in steps[2].inner_text()
    check_both_sizes(page)
