"""A developer's inbox: every report about every app they look after in one list, filtered by
app, kind, status and age, each with the reporter's context the form collected."""

from __future__ import annotations

import pytest

from polise.reports.models import Report
from tests.browser_steps import check_both_sizes, navigate, sign_in
from tests.factories import make_app, make_user

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "kata-sandi-panjang-1"


def test_a_developer_finds_all_reports_of_their_apps_in_one_inbox(live_server, page):
    ayu = make_user(username="ayu", password=PASSWORD, first_name="Ayu")
    wati = make_user(username="wati", first_name="Wati")
    simpeg = make_app(slug="simpeg", name="SIMPEG", owners=[ayu])
    sipandu = make_app(slug="sipandu", name="SiPandu", owners=[ayu])
    jdih = make_app(slug="jdih", name="JDIH")
    context = {
        "browser": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        "screen": "1366x768",
        "timezone": "Asia/Makassar",
        "version": "3f2a9c1d7e44",
        "app_url": "https://sipandu.example.go.id/",
    }
    for app, kind, title in [
        (simpeg, Report.Kind.BUG, "Tombol simpan diam saja"),
        (simpeg, Report.Kind.SECURITY, "Data pegawai terbuka tanpa masuk"),
        (sipandu, Report.Kind.REQUEST, "Bagaimana mengubah alamat pengaduan?"),
        (jdih, Report.Kind.BUG, "Bukan urusan Ayu"),
    ]:
        Report.objects.create(
            app=app, reporter=wati, kind=kind, title=title, what_happened="…", context=context
        )

    sign_in(page, live_server.url, "ayu", PASSWORD)
    page.goto(f"{live_server.url}/reports/mine/")
    navigate(
        page,
        page.get_by_role("link", name="Kotak masuk: laporan tentang aplikasi yang Anda urus").click,
    )
    table = page.get_by_role("table", name="Laporan, terbaru di atas")
    rows = table.get_by_role("row").all_inner_texts()[1:]
    assert len(rows) == 3 and not any("Bukan urusan Ayu" in r for r in rows)
    assert page.locator(".figures").inner_text().count("Terbuka") == 1  # not the verb "Buka"
    check_both_sizes(page, screenshot="inbox")

    page.get_by_label("Aplikasi").select_option("sipandu")
    page.get_by_label("Jenis").select_option("request")
    navigate(page, page.get_by_role("button", name="Saring").click)
    rows = table.get_by_role("row").all_inner_texts()[1:]
    assert len(rows) == 1 and "Bagaimana mengubah alamat pengaduan?" in rows[0]

    navigate(page, table.get_by_role("link", name="Bagaimana mengubah alamat pengaduan?").click)
    crumbs = page.get_by_role("navigation", name="Jejak navigasi").inner_text()
    assert "Kotak masuk" in crumbs and "Laporan saya" not in crumbs
    reporter_context = page.locator(".context").inner_text()
    for value in ("Wati", "Firefox/128.0", "1366x768", "Asia/Makassar", "3f2a9c1d7e44"):
        assert value in reporter_context
    check_both_sizes(page)
