"""The small things a new user stumbles on: language names, a help text in the wrong
language, a forgotten answer, a faint focus ring, too many tab stops, pages wider than a phone."""

from __future__ import annotations

import pytest
from django.utils import timezone

from polise.reports import services as report_services
from polise.sso.models import SignInSession
from tests.browser import PHONE, assert_accessible, assert_fits
from tests.browser_steps import check_both_sizes, sign_in
from tests.factories import make_app, make_user

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "kata-sandi-panjang-1"

CONTRAST = """(element) => {
    const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 4).map(Number);
    const lum = ([r, g, b]) => {
        const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    let behind = element.parentElement;
    while (behind && rgb(getComputedStyle(behind).backgroundColor)[3] === 0) behind = behind.parentElement;
    const ring = lum(rgb(getComputedStyle(element).outlineColor));
    const ground = lum(rgb(getComputedStyle(behind || document.body).backgroundColor));
    return {
        width: parseFloat(getComputedStyle(element).outlineWidth),
        ratio: (Math.max(ring, ground) + 0.05) / (Math.min(ring, ground) + 0.05),
    };
}"""


def test_languages_are_named_in_themselves(live_server, page):
    for lang in ("id", "en"):
        page.goto(f"{live_server.url}/?lang={lang}")
        options = page.locator("#lang-select option").all_inner_texts()
        assert [o.strip() for o in options] == ["Bahasa Indonesia", "English"]


def test_the_attachment_help_follows_the_chosen_language(live_server, page):
    make_app(slug="simpeg")
    make_user(username="wati", password=PASSWORD)
    sign_in(page, live_server.url, "wati", PASSWORD)
    page.goto(f"{live_server.url}/apps/simpeg/report/?lang=en")
    assert "PNG, JPEG, GIF, WebP or PDF, up to 5 MB each" in page.locator("main").inner_text()
    page.goto(f"{live_server.url}/apps/simpeg/report/?lang=id")
    assert "hingga 5 MB" in page.locator("main").inner_text()


def test_the_reporter_sees_the_part_of_the_app_they_chose(live_server, page):
    app = make_app(slug="simpeg", repo="")
    user = make_user(username="wati", password=PASSWORD)
    report = report_services.report_submit(
        reporter=user,
        app=app,
        kind="bug",
        title="Tombol simpan diam saja",
        what_happened="Tidak terjadi apa-apa.",
        area="Formulir pegawai",
    )
    sign_in(page, live_server.url, "wati", PASSWORD)
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    facts = page.locator(".facts").inner_text()
    assert "Bagian aplikasi yang mana?" in facts and "Formulir pegawai" in facts
    check_both_sizes(page)


def test_the_focus_ring_stands_out_on_the_page_and_in_the_header(live_server, page):
    make_app(slug="simpeg")
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")  # the skip link
    seen = {}
    for _ in range(12):
        page.keyboard.press("Tab")
        where = page.evaluate(
            "() => document.activeElement.closest('header') ? 'header' : "
            "document.activeElement.closest('main') ? 'main' : 'other'"
        )
        seen.setdefault(where, page.evaluate_handle("() => document.activeElement"))
    assert {"header", "main"} <= seen.keys()
    for where in ("header", "main"):
        ring = page.evaluate(CONTRAST, seen[where])
        assert ring["width"] >= 2 and ring["ratio"] >= 3, (where, ring)


def test_each_launcher_tile_is_few_tab_stops_and_each_goes_somewhere_else(live_server, page):
    make_app(slug="simpeg", name="SIMPEG")
    make_app(slug="jdih", name="JDIH", url="")
    make_user(username="wati", password=PASSWORD)
    sign_in(page, live_server.url, "wati", PASSWORD)
    for tile in page.locator(".tile").all():
        stops = tile.locator("a[href], button, input, select, textarea").all()
        targets = [stop.get_attribute("href") for stop in stops]
        assert len(stops) <= 3 and len(set(targets)) == len(targets), targets
    check_both_sizes(page)


def test_my_reports_and_my_sessions_fit_a_phone(live_server, page):
    app = make_app(slug="simpeg", name="Sistem Informasi Manajemen Kepegawaian", repo="")
    user = make_user(username="wati", password=PASSWORD)
    for n in range(3):
        report_services.report_submit(
            reporter=user,
            app=app,
            kind="bug",
            title=f"Tombol simpan pada formulir data pegawai tidak bereaksi sama sekali {n}",
            what_happened="Tidak terjadi apa-apa.",
        )
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "wati", PASSWORD)
    SignInSession.objects.create(
        sid="another",
        user=user,
        session_key="x",
        auth_time=timezone.now(),
        expires_at=timezone.now(),
        last_seen=timezone.now(),
        user_agent="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        ip_address="10.20.30.40",
    )
    for path in ("/reports/mine/", "/account/sessions/"):
        page.goto(f"{live_server.url}{path}")
        assert_fits(page)
        assert_accessible(page)
