"""The admin as the platform team meets it in a browser: sections in their words, OIDC
secrets made by Polise and shown once, every change in the audit log, and who may open each
app said out loud."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password

from polise.catalog.models import AccessPolicy
from polise.sso.models import OidcClient
from tests.browser_steps import assert_admin_accessible, check_both_sizes, navigate, sign_in
from tests.factories import make_app, make_unit, make_user

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "kata-sandi-panjang-1"


@pytest.fixture
def team(live_server, page):
    """A member of the platform team, signed in."""
    make_user(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    sign_in(page, live_server.url, "root", PASSWORD)
    return live_server.url


def test_the_admin_index_groups_what_the_team_uses_in_plain_indonesian(team, page):
    page.goto(f"{team}/admin/")
    captions = [c.strip() for c in page.locator("#content-main caption").all_text_contents()]
    assert captions[:6] == [
        "Aplikasi",
        "Tim",
        "Akses",
        "SSO",
        "Keamanan",
        "Pekerjaan latar belakang",
    ]
    index = page.locator("#content-main").text_content()
    for library_word in ("Axes", "OTP", "Grant", "Task Result", "Access token", "Django OAuth"):
        assert library_word not in index, library_word
    assert_admin_accessible(page)
    navigate(page, page.get_by_role("link", name="Klien OIDC", exact=True).click)
    assert page.get_by_role("heading", level=1).inner_text() == "Pilih klien OIDC untuk diubah"
    assert_admin_accessible(page)


def test_a_new_oidc_client_gets_a_generated_secret_shown_once_and_can_rotate_it(team, page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=team)
    page.goto(f"{team}/admin/sso/oidcclient/add/")
    assert page.locator("[name=client_secret]").count() == 0  # nobody types or sees a hash
    assert page.get_by_label("Penandatanganan token ID").input_value() == "RS256"
    assert_admin_accessible(page)
    page.locator("#id_name").fill("e-Kinerja")
    page.locator("#id_redirect_uris").fill("https://ekinerja.example.go.id/callback")
    page.get_by_role("button", name="Simpan", exact=True).click()

    assert "hanya ditampilkan kali ini" in page.locator(".messagelist").inner_text()
    secret = page.locator("#client-secret").inner_text()
    client = OidcClient.objects.get(name="e-Kinerja")
    assert client.algorithm == "RS256" and client.client_secret != secret
    assert check_password(secret, client.client_secret)
    page.get_by_role("button", name="Salin rahasia").click()
    page.get_by_role("status").filter(has_text="Tersalin.").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == secret
    assert_admin_accessible(page)

    navigate(page, page.get_by_role("link", name="Sudah saya salin, lanjutkan").click)
    assert secret not in page.content() and client.client_secret not in page.content()
    page.get_by_role("link", name="Buat rahasia baru").click()
    assert_admin_accessible(page)
    page.get_by_role("button", name="Buat rahasia baru").click()
    new_secret = page.locator("#client-secret").inner_text()
    client.refresh_from_db()
    assert check_password(new_secret, client.client_secret)
    assert not check_password(secret, client.client_secret)


def test_creating_a_user_in_the_admin_shows_in_the_audit_log(team, page):
    page.goto(f"{team}/admin/accounts/user/add/")
    page.get_by_label("Nama pengguna").fill("sari")
    page.locator("#id_password1").fill("a-long-passphrase-9")
    page.locator("#id_password2").fill("a-long-passphrase-9")
    page.get_by_role("button", name="Simpan", exact=True).click()
    page.wait_for_url("**/admin/accounts/user/*/change/")
    page.goto(f"{team}/admin/accounts/auditevent/")
    row = page.get_by_role("row").filter(has_text="pengguna: sari")
    assert "root" in row.inner_text()
    assert_admin_accessible(page)


def test_who_may_open_an_app_is_said_on_the_admin_list_and_on_the_app_page(team, page):
    open_app = make_app(slug="portal", name="Portal Layanan")
    unit = make_unit(name="Badan Kepegawaian Daerah")
    closed_app = make_app(slug="simpeg", name="SIMPEG")
    policy = AccessPolicy.objects.create(app=closed_app, audience=AccessPolicy.Audience.LISTED)
    policy.units.add(unit)

    page.goto(f"{team}/admin/catalog/app/")
    rows = {
        name: page.get_by_role("row").filter(has_text=name).inner_text()
        for name in ("Portal Layanan", "SIMPEG")
    }
    assert "Terbuka untuk semua pengguna yang masuk." in rows["Portal Layanan"]
    assert "Hanya: Badan Kepegawaian Daerah" in rows["SIMPEG"]
    assert_admin_accessible(page)

    page.goto(f"{team}/apps/{open_app.slug}/")
    section = page.get_by_role("region", name="Siapa yang boleh membuka")
    assert "Terbuka untuk semua pengguna yang masuk." in section.inner_text()
    page.goto(f"{team}/apps/{closed_app.slug}/")
    section = page.get_by_role("region", name="Siapa yang boleh membuka")
    assert "Badan Kepegawaian Daerah" in section.inner_text()
    check_both_sizes(page)


def test_people_outside_the_platform_team_do_not_see_who_may_open_an_app(live_server, page):
    make_app(slug="portal")
    make_user(username="wati", password=PASSWORD)
    sign_in(page, live_server.url, "wati", PASSWORD)
    page.goto(f"{live_server.url}/apps/portal/")
    assert page.get_by_role("region", name="Siapa yang boleh membuka").count() == 0
