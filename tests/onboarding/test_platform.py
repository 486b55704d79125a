"""The platform overview and each app's live state on its page."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from polise.deployments.models import DeployRecord
from polise.reports.models import Report
from tests.factories import make_app, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = make_user(username="platform", is_staff=True)
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return user


def _deploy(app, result: str, minutes_ago: int) -> None:
    DeployRecord.objects.create(
        deploy_id=uuid.uuid4(),
        app=app,
        stack=app.slug,
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
        result=result,
    )


def _report(app, status: str) -> None:
    Report.objects.create(
        app=app, reporter=make_user(), kind="bug", title="x", what_happened="y", status=status
    )


def test_every_app_with_its_last_deploy_and_open_reports_sortable(client, staff, settings):
    settings.DOCKER_READ_URL = None
    alpha = make_app(name="Alpha", slug="alpha")
    beta = make_app(name="Beta", slug="beta")
    _deploy(alpha, "succeeded", 60)
    _deploy(alpha, "rolled_back", 5)  # the newer one counts
    _report(beta, "open")
    _report(beta, "in_progress")
    _report(beta, "resolved")

    page = client.get("/platform/").content.decode()
    by_reports = client.get("/platform/?sort=reports").content.decode()

    assert page.index("Alpha") < page.index("Beta")
    assert "rolled_back" in page and "unknown" in page
    assert by_reports.index("Beta") < by_reports.index("Alpha")
    assert 'aria-sort="descending"' in by_reports
    row = by_reports[by_reports.index("Beta") :]
    assert "<td>2</td>" in row[:600]  # resolved reports are not open


def test_the_overview_costs_the_same_queries_for_more_apps(client, staff, settings):
    settings.DOCKER_READ_URL = None
    make_app()
    with CaptureQueriesContext(connection) as few:
        client.get("/platform/")
    for n in range(6):
        app = make_app()
        _deploy(app, "succeeded", n)
        _report(app, "open")
    with CaptureQueriesContext(connection) as many:
        client.get("/platform/")
    assert len(many) == len(few)


def test_the_live_state_shows_on_the_app_page_for_those_who_look_after_it(client, settings):
    settings.DOCKER_READ_URL = None
    owner = make_user()
    app = make_app(owners=[owner])
    client.cookies["django_language"] = "en"
    client.force_login(owner)
    assert "Live on the swarm" in client.get(f"/apps/{app.slug}/").content.decode()
    assert "cannot read the swarm" in client.get(f"/apps/{app.slug}/").content.decode()
    client.force_login(make_user())  # may open the app, does not look after it
    assert "Live on the swarm" not in client.get(f"/apps/{app.slug}/").content.decode()
