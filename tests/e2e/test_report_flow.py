"""A user files a bug with a screenshot in the browser; GitHub (the fake) gets one issue with the
right labels, closes it, sends the webhook, and the reporter sees "resolved"."""

from __future__ import annotations

import pytest

from polise.reports.models import Report
from tests.factories import make_app, make_user

from ..reports.conftest import PNG

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "e2e-hook-secret"


@pytest.fixture
def wired(forge, settings, live_server):
    """Polise (live) and the GitHub fake pointed at each other."""
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    forge.webhook_url = f"{live_server.url}/hooks/github"
    forge.webhook_secret = SECRET
    return forge, live_server


def test_a_bug_with_a_screenshot_goes_to_github_once_and_comes_back_resolved(
    wired, page, drain_jobs, tmp_path
):
    fake, server = wired
    fake.add_repo("diskominfo", "simpeg")
    make_app(slug="simpeg", name="SIMPEG", repo="diskominfo/simpeg")
    make_user(username="wati", password="kata-sandi-panjang-1", first_name="Wati")
    screenshot = tmp_path / "layar.png"
    screenshot.write_bytes(PNG)

    page.goto(f"{server.url}/apps/simpeg/")
    page.get_by_role("link", name="Laporkan masalah").click()
    # Not signed in: the report form sends the user to sign in, then back.
    page.locator("#id_username").fill("wati")
    page.locator("#id_password").fill("kata-sandi-panjang-1")
    page.locator("#id_password").press("Enter")
    page.wait_for_url("**/apps/simpeg/report/")

    page.get_by_label("Ada yang tidak berfungsi").check()
    page.get_by_label("Judul").fill("Tombol simpan tidak berfungsi")
    page.get_by_label("Apa yang terjadi?").fill("Saya menekan Simpan, tidak terjadi apa-apa.")
    page.get_by_label("Tangkapan layar atau dokumen").set_input_files(str(screenshot))
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_url("**/reports/*/")
    assert page.locator("[data-status]").get_attribute("data-status") == "received"

    drain_jobs()  # the worker files it
    issues = fake.state.issues("diskominfo", "simpeg")
    assert len(issues) == 1
    assert sorted(label.name for label in issues[0].labels) == ["bug", "polise"]
    report = Report.objects.get()
    assert report.context["screen"]  # captured by the page itself
    assert report.attachments.count() == 1

    fake.close_issue("diskominfo", "simpeg", issues[0].number, comment="Sudah diperbaiki.")
    assert all(d.ok for d in fake.webhooks.deliveries), [
        d.error or d.status for d in fake.webhooks.deliveries
    ]
    drain_jobs()  # the worker applies the webhook

    page.get_by_role("navigation", name="Navigasi utama").get_by_role(
        "link", name="Laporan saya"
    ).click()
    row = page.get_by_role("row", name="Tombol simpan tidak berfungsi")
    assert "Selesai" in row.inner_text()
    assert len(fake.state.issues("diskominfo", "simpeg")) == 1
