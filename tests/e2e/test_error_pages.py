"""The error pages as people meet them: in the site's layout and language, with a way back,
and accessible; and a developer who opens /admin/ is told why instead of going round in circles."""

from __future__ import annotations

import pytest

from tests.browser_steps import check_both_sizes, navigate, sign_in
from tests.factories import make_app, make_user

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "kata-sandi-panjang-1"


def assert_error_page(page, response, *, status: int, heading: str) -> None:
    assert response.status == status
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert page.get_by_role("banner").is_visible() and page.get_by_role("main").is_visible()
    page.get_by_role("link", name="Ke daftar aplikasi").wait_for()
    check_both_sizes(page)


def test_page_not_found_in_the_site_layout_in_either_language(live_server, page):
    response = page.goto(f"{live_server.url}/tidak-ada/")
    assert_error_page(page, response, status=404, heading="Halaman tidak ditemukan")
    assert page.locator("html").get_attribute("lang") == "id"

    response = page.goto(f"{live_server.url}/tidak-ada/?lang=en")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    page.get_by_role("link", name="Go to the list of apps").click()
    page.wait_for_url(f"{live_server.url}/")


def test_no_access_page_for_someone_who_does_not_look_after_the_app(live_server, page):
    make_app(slug="simpeg", name="SIMPEG")
    make_user(username="wati", password=PASSWORD)
    sign_in(page, live_server.url, "wati", PASSWORD)
    response = page.goto(f"{live_server.url}/apps/simpeg/reports/")
    assert_error_page(page, response, status=403, heading="Anda tidak punya akses ke halaman ini")
    assert page.get_by_role("link", name="Laporan saya").count() >= 1


def test_server_error_page_speaks_the_users_language_and_offers_the_way_back(
    live_server, page, settings
):
    settings.ROOT_URLCONF = "tests.e2e.failing_urls"
    response = page.goto(f"{live_server.url}/fails/")
    assert_error_page(page, response, status=500, heading="Terjadi kesalahan di pihak kami")
    navigate(page, page.get_by_role("link", name="English").click)
    assert page.get_by_role("heading", level=1).inner_text() == "Something went wrong on our side"


def test_an_expired_form_says_what_to_do(live_server, page):
    make_user(username="wati", password=PASSWORD)
    page.goto(f"{live_server.url}/login/")
    page.context.clear_cookies()  # as when the form sat open past the CSRF cookie
    page.locator("#id_username").fill("wati")
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_response(f"{live_server.url}/login/") as answer:
        navigate(page, lambda: page.locator("#id_password").press("Enter"))
    assert_error_page(page, answer.value, status=403, heading="Formulir sudah kedaluwarsa")


def test_a_developer_opening_the_admin_gets_a_clear_no_instead_of_a_redirect_loop(
    live_server, page
):
    make_user(username="dev", password=PASSWORD)
    sign_in(page, live_server.url, "dev", PASSWORD)
    hops = []
    page.on("request", lambda r: hops.append(r.url) if r.resource_type == "document" else None)
    response = page.goto(f"{live_server.url}/admin/")
    # /admin/ sends to /admin/login/, which answers with the 403 page, and no further.
    assert hops == [f"{live_server.url}/admin/", f"{live_server.url}/admin/login/?next=/admin/"]
    assert page.url.startswith(f"{live_server.url}/admin/login/")
    assert_error_page(page, response, status=403, heading="Anda tidak punya akses ke halaman ini")
    assert "tim platform" in page.get_by_role("main").inner_text()
