"""The platform team's onboarding pages and `polise onboard FILE.yaml`."""

from __future__ import annotations

import pytest
import yaml
from django.test import Client

from polise import cli
from polise.onboarding import services
from polise.onboarding.models import Onboarding, ProvisionedDatabase, Step
from polise.onboarding.spec import parse
from tests.browser import DESKTOP, PHONE, assert_accessible, assert_fits
from tests.factories import make_user

from .conftest import request_data

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(client):
    user = make_user(username="platform", is_staff=True)
    client.force_login(user)
    return user


def _form(name: str, **overrides) -> dict:
    data = {
        "name": name,
        "title": "SIMPEG",
        "summary": "Data kepegawaian.",
        "owner_unit": "bkd",
        "technology": "python",
        "framework": "django",
        "sso": "oidc",
        "developers": "budi-dev\nsari-vendor",
        "maintainers": "citra-lead",
        "placement": "app",
        "private": "on",
        "delivery": "actions",
    }
    data.update(overrides)
    return data


def test_the_form_starts_an_onboarding_and_the_page_follows_its_steps(
    client, staff, org, unit, app_name, drain_jobs
):
    response = client.post("/onboarding/new/", _form(app_name))

    assert response.status_code == 302
    assert response["Location"] == f"/onboarding/{app_name}/"
    onboarding = Onboarding.objects.get(app__slug=app_name)
    assert onboarding.created_by == staff
    page = client.get(f"/onboarding/{app_name}/").content.decode()
    assert 'data-working="1"' in page  # the page's script keeps polling
    drain_jobs()
    steps = client.get(f"/onboarding/{app_name}/?part=steps").content.decode()
    assert 'data-working="0"' in steps and "step-failed" not in steps
    assert "<html" not in steps  # only the list, swapped in by the script


def test_form_errors_are_listed_and_what_was_typed_is_kept(client, staff, unit):
    response = client.post(
        "/onboarding/new/", _form("Bad Name", framework="flask", developers="not a login!")
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="error-summary"' in page
    assert 'href="#id_name"' in page and 'href="#id_framework"' in page
    assert 'value="Bad Name"' in page
    assert Onboarding.objects.count() == 0


def test_a_failed_step_is_retried_from_the_page(client, staff, org, unit, app_name, drain_jobs):
    org.state.unknown_logins.add("sari-vendor")
    client.post("/onboarding/new/", _form(app_name))
    drain_jobs()
    page = client.get(f"/onboarding/{app_name}/").content.decode()
    assert "no user &#x27;sari-vendor&#x27;" in page
    assert f"/onboarding/{app_name}/steps/collaborators/retry/" in page

    org.state.unknown_logins.clear()
    client.post(f"/onboarding/{app_name}/steps/collaborators/retry/")
    drain_jobs()

    onboarding = Onboarding.objects.get(app__slug=app_name)
    assert not onboarding.steps.filter(status="failed").exists()


def test_onboarding_pages_are_for_the_platform_team_only(client, unit, org, app_name):
    services.onboarding_start(request=parse(request_data(app_name)))
    client.force_login(make_user())
    assert client.get("/onboarding/").status_code == 404
    assert client.get(f"/onboarding/{app_name}/").status_code == 404
    assert client.post("/onboarding/new/", _form("other-app")).status_code == 404


def test_a_database_is_dropped_only_when_its_name_is_typed(
    client, staff, org, unit, app_name, postgres, drain_jobs
):
    services.onboarding_start(request=parse(request_data(app_name, databases=["postgresql"])))
    drain_jobs()
    database = ProvisionedDatabase.objects.get()
    url = f"/onboarding/{app_name}/databases/{database.pk}/drop/"

    client.post(url, {"confirm": "yes"})
    database.refresh_from_db()
    assert database.dropped_at is None

    client.post(url, {"confirm": database.name})
    database.refresh_from_db()
    assert database.dropped_at is not None
    from polise.onboarding import databases

    with databases.connect(services.settings.PROVISION_POSTGRES_URL) as server:
        assert server.database_marker(database.name) is None


def test_polise_onboard_reads_the_form_from_a_file(org, unit, app_name, tmp_path, capsys):
    path = tmp_path / "simpeg.yaml"
    path.write_text(yaml.safe_dump(request_data(app_name)))

    assert cli.main(["onboard", str(path)]) == 0
    assert cli.main(["onboard", str(path)]) == 0

    out = capsys.readouterr().out
    assert f"{app_name}: started" in out
    assert f"{app_name}: onboarded already, nothing changed" in out
    assert Onboarding.objects.filter(app__slug=app_name).count() == 1


def test_polise_onboard_names_each_bad_field(unit, tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({**request_data("x"), "template_options": {"colour": "red"}}))

    assert cli.main(["onboard", str(path)]) == 1

    err = capsys.readouterr().err
    assert "name: Use 3-64 lower-case letters" in err
    assert "template_options: The templates have no option 'colour'" in err


@pytest.mark.service("chromium")
def test_the_pages_work_by_keyboard_on_a_phone_and_a_desktop(
    page, live_server, org, unit, app_name
):
    staff = make_user(username="platform-browser", is_staff=True)
    browser_client = Client()
    browser_client.force_login(staff)
    page.context.add_cookies(
        [{"name": "sessionid", "value": browser_client.cookies["sessionid"].value,
          "url": live_server.url}]
    )  # fmt: skip
    onboarding, _ = services.onboarding_start(request=parse(request_data(app_name)))
    Step.objects.filter(onboarding=onboarding, name="repo").update(
        status="failed", detail="a repository named diskominfo/x already exists on GitHub"
    )
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/onboarding/new/")
        assert_accessible(page)
        assert_fits(page)
        page.focus("form.stacked-form button[type=submit]")
        page.keyboard.press("Enter")  # an empty form, sent from the keyboard
        page.wait_for_selector("#error-summary")
        assert page.evaluate("document.activeElement.id") == "error-summary"
        assert_accessible(page)
        assert_fits(page)
        page.goto(f"{live_server.url}/onboarding/{app_name}/")
        assert page.locator(".step-failed").count() == 1
        assert_accessible(page)
        assert_fits(page)
