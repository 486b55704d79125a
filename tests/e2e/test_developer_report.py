"""A developer answers a report from its page, by keyboard, on a desktop and a phone."""

from __future__ import annotations

import pytest

from polise.reports import services as report_services
from polise.reports.models import Report
from tests.browser_steps import check_both_sizes, navigate, sign_in
from tests.factories import make_app, make_user

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "kata-sandi-panjang-1"


def test_a_developer_replies_and_resolves_by_keyboard(live_server, page):
    developer = make_user(username="citra", password=PASSWORD)
    app = make_app(slug="simpeg", repo="diskominfo/simpeg", owners=[developer])
    report = report_services.report_submit(
        reporter=make_user(username="wati"),
        app=app,
        kind="bug",
        title="Tombol simpan diam saja",
        what_happened="Tidak terjadi apa-apa.",
    )
    # As if the outbox had filed it: the issue exists, so a reply can go there.
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.OPEN, channel=Report.Channel.ISSUE, github_number=7
    )
    sign_in(page, live_server.url, "citra", PASSWORD, next_path=f"/reports/{report.pk}/")
    assert page.locator("nav.breadcrumb").inner_text().startswith("Kotak masuk")
    check_both_sizes(page)

    page.locator("#reply-body").focus()
    page.keyboard.type("Sudah kami perbaiki, mohon dicoba lagi.")
    page.keyboard.press("Tab")
    navigate(page, lambda: page.keyboard.press("Enter"))
    assert "sedang dikirim ke GitHub" in page.locator("main").inner_text()

    page.locator("#new-status").select_option("resolved")
    page.locator("#new-status").press("Tab")
    navigate(page, lambda: page.keyboard.press("Enter"))
    assert page.locator("[data-status]").first.get_attribute("data-status") == "resolved"
    page.locator(".status-history summary").press("Enter")
    assert "oleh pengembang" in page.locator(".status-history").inner_text()
    check_both_sizes(page)
