"""The app page shows the last deploys to the app's owners and the platform team only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from polise.deployments.models import DeployRecord
from tests.browser import DESKTOP, PHONE, assert_accessible, assert_fits
from tests.factories import make_app, make_user

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
PASSWORD = "kata-sandi-panjang-1"


def record(app, n, **fields) -> DeployRecord:
    fields.setdefault("result", "succeeded")
    return DeployRecord.objects.create(
        deploy_id=uuid.uuid4(), app=app, stack=app.slug, commit=f"{n:x}" * 40,
        started_at=T0 + timedelta(hours=n), finished_at=T0 + timedelta(hours=n, seconds=42),
        **fields,
    )  # fmt: skip


@pytest.fixture
def simpeg():
    owner = make_user(username="owner", password=PASSWORD)
    app = make_app(slug="simpeg", name="SIMPEG", repo="diskominfo/simpeg", owners=[owner])
    good = record(app, 1)
    record(app, 2, result="rolled_back", reason="rolled_back:health_check_failed")
    record(app, 3, kind="rollback", rollback_of=good)
    for n in range(4, 10):
        record(app, n)
    return app


def test_owners_and_staff_see_the_last_deploys(client, simpeg, django_assert_max_num_queries):
    client.force_login(simpeg.owners.get())
    client.cookies["django_language"] = "en"
    page = client.get("/apps/simpeg/").content.decode()
    assert 'id="deploys-heading"' in page
    assert page.count('<li id="deploy-', page.index("deploys-heading")) == 5  # the last five
    assert "https://github.com/diskominfo/simpeg/commit/" + "9" * 40 in page
    assert "3" * 40 not in page  # older than the last five

    client.force_login(make_user(is_staff=True))
    # A fixed few per section (docs, news, ratings, contributions, deploys), none per deploy:
    # twice the deploys cost the same.
    with django_assert_max_num_queries(26):
        assert 'id="deploys-heading"' in client.get("/apps/simpeg/").content.decode()
    for n in range(10, 16):  # commits a... to f...
        record(simpeg, n)
    with django_assert_max_num_queries(26):
        assert 'id="deploys-heading"' in client.get("/apps/simpeg/").content.decode()


def test_rollbacks_and_failures_say_so(client, simpeg):
    DeployRecord.objects.filter(started_at__gt=T0 + timedelta(hours=3)).delete()
    client.force_login(simpeg.owners.get())
    client.cookies["django_language"] = "en"
    page = client.get("/apps/simpeg/").content.decode()
    assert "Rolled back by Swarm" in page and "rolled_back:health_check_failed" in page
    assert "back to the deploy of 30 Nov 2026" in page


@pytest.mark.parametrize("who", ["anonymous", "signed-in user", "owner of another app"])
def test_others_who_see_the_app_do_not_see_its_deploys(client, simpeg, who):
    if who == "signed-in user":
        client.force_login(make_user())
    elif who == "owner of another app":
        other = make_user()
        make_app(owners=[other])
        client.force_login(other)
    response = client.get("/apps/simpeg/")
    assert response.status_code == 200, "the app page itself is open to them"
    page = response.content.decode()
    assert "deploys-heading" not in page and "9" * 40 not in page


@pytest.mark.django_db(transaction=True)
def test_the_deploys_section_is_accessible_and_fits_a_phone(simpeg, live_server, page):
    page.goto(f"{live_server.url}/login/?next=/apps/simpeg/")
    page.locator("#id_username").fill("owner")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url("**/apps/simpeg/")
    section = page.get_by_role("region", name="Deploy")
    assert section.get_by_role("listitem").count() == 5
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_fits(page)
        assert_accessible(page)
