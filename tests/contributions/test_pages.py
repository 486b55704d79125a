"""Contribution pages: per app and period (formula, every term, chart, CSV), per developer,
the app page's section; escaped text; and in a browser at desktop and phone width."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.test import Client

from polise.contributions import services
from polise.contributions.models import DailyContribution, Identity
from tests.browser import DESKTOP, PHONE, assert_accessible, assert_fits
from tests.contributions.history import build
from tests.factories import make_app, make_developer, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(tmp_path, settings):
    """An app whose generated history is counted, and a developer with two of its e-mails."""
    from polise.forge.mirrors import services as mirrors

    settings.DATA_DIR = tmp_path / "data"
    history = build(tmp_path / "simpeg", 150)
    app = make_app(slug="simpeg", name="SIMPEG", repo="pemprov-demo/simpeg")
    mirrors.mirror_set_remote(repo=app.repo, url=str(history.path))
    services.contributions_sync(app=app)
    ayu = make_developer(
        github_login="ayu-l",
        emails=("ayu@diskominfo.example.go.id",),
        user=make_user(username="ayu", first_name="Ayu", last_name="Lestari"),
    )
    return app, ayu


def test_the_app_page_shows_the_formula_every_term_and_a_chart(client, counted):
    _app, ayu = counted
    client.force_login(ayu.user)
    page = client.get("/apps/simpeg/contributions/?period=all").content.decode()
    assert "Ayu Lestari" in page and "/developers/ayu-l/contributions/" in page
    assert "log₂(1+" in page and "skor" in page  # the formula, in Indonesian
    assert "Dok. penggunaan" in page and "Dok. basis data" in page
    assert '<svg class="contribution-chart"' in page and "cdn" not in page.lower()
    assert "belum tertaut ke pengembang" in page  # e-mails no developer claims yet
    assert "Dihitung sampai commit" in page  # progress: done
    # A year with no commits says so; a period given badly falls back to the current year.
    assert (
        "Tidak ada commit"
        in client.get("/apps/simpeg/contributions/?period=year&at=1999-01-01").content.decode()
    )
    assert client.get("/apps/simpeg/contributions/?period=nope&at=x").status_code == 200
    section = client.get("/apps/simpeg/").content.decode()
    assert "Siapa yang mengerjakannya" in section and "Ayu Lestari" in section


def test_the_csv_holds_the_same_figures_and_no_formula_a_spreadsheet_would_run(client, counted):
    app, ayu = counted
    identity = Identity.objects.create(email="evil@example.com", name="=HYPERLINK(1)")
    DailyContribution.objects.create(app=app, identity=identity, day=date(2020, 9, 1), authored=1)
    client.force_login(ayu.user)
    response = client.get("/apps/simpeg/contributions.csv?period=all")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    ayu_row = next(r for r in rows if r["github_login"] == "ayu-l")
    assert int(ayu_row["authored"]) > 0 and float(ayu_row["share"]) > 0
    assert abs(sum(float(r["share"]) for r in rows) - 1) < 1e-4
    assert any(r["developer"].startswith("'=HYPERLINK") for r in rows)


def test_names_from_git_are_shown_as_text(client, counted):
    app, ayu = counted
    identity = Identity.objects.create(email="x@example.com", name="<script>alert(1)</script>")
    DailyContribution.objects.create(app=app, identity=identity, day=date(2020, 9, 1), authored=1)
    client.force_login(ayu.user)
    page = client.get("/apps/simpeg/contributions/?period=all").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_the_developer_page_lists_their_apps(client, counted):
    _app, _ayu = counted
    client.force_login(make_user(username="other"))
    page = client.get("/developers/ayu-l/contributions/").content.decode()
    assert "SIMPEG" in page and "/apps/simpeg/contributions/?period=all" in page
    assert client.get("/developers/nobody/contributions/").status_code == 404


@pytest.mark.service("chromium")
def test_the_pages_work_by_keyboard_on_a_phone_and_a_desktop(page, live_server, counted):
    _app, ayu = counted
    browser_client = Client()
    browser_client.force_login(ayu.user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": browser_client.cookies["sessionid"].value,
          "url": live_server.url}]
    )  # fmt: skip
    for path in (
        "/apps/simpeg/contributions/?period=all",
        "/apps/simpeg/contributions/?period=month&at=2020-09-14",
        "/developers/ayu-l/contributions/",
        "/apps/simpeg/",
    ):
        for viewport in (DESKTOP, PHONE):
            page.set_viewport_size(viewport)
            page.goto(f"{live_server.url}{path}")
            assert_accessible(page)
            assert_fits(page)
    # Keyboard only: from the top of the page to the "all time" period link, then Enter.
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/apps/simpeg/contributions/?period=year&at=2020-09-14")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Sepanjang waktu":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**period=all**")
    assert page.locator("table tbody tr").count() >= 5


def test_the_database_docs_coverage_shows_beside_the_figures(client, counted):
    from polise.appdocs.models import SchemaCheck

    app, ayu = counted
    client.force_login(ayu.user)
    assert "Cakupan dokumentasi" not in client.get("/apps/simpeg/contributions/").content.decode()
    SchemaCheck.objects.create(app=app, database="simpeg_db", engine="postgresql", coverage=62.0)
    page = client.get("/apps/simpeg/contributions/").content.decode()
    assert "Cakupan dokumentasi basis data" in page and "62% kolom" in page
