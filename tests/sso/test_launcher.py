"""The launcher shows only apps the user may open, in a constant number of queries, and each
launch is recorded before the browser goes to the app."""

from __future__ import annotations

import pytest

from polise.catalog import selectors
from polise.catalog.models import AccessPolicy
from polise.sso.models import Launch
from tests.factories import make_app, make_unit, make_user

pytestmark = pytest.mark.django_db


def listed(app, *, units=(), users=()):
    policy = AccessPolicy.objects.create(app=app, audience=AccessPolicy.Audience.LISTED)
    policy.units.set(units)
    policy.users.set(users)
    return policy


@pytest.fixture
def world():
    unit, other_unit = make_unit(slug="bkd"), make_unit(slug="dinkes")
    user = make_user()
    unit.members.add(user)
    apps = {
        "open": make_app(name="Open App"),
        "explicit_open": make_app(name="Everyone App"),
        "by_unit": make_app(name="Unit App"),
        "by_user": make_app(name="User App"),
        "other_unit": make_app(name="Other Unit App"),
        "nobody": make_app(name="Nobody App"),
    }
    AccessPolicy.objects.create(app=apps["explicit_open"])
    listed(apps["by_unit"], units=[unit])
    listed(apps["by_user"], users=[user])
    listed(apps["other_unit"], units=[other_unit])
    listed(apps["nobody"])
    return user, apps


def test_the_launcher_lists_exactly_the_apps_a_user_may_open(world):
    user, _apps = world
    names = {a.name for a in selectors.app_list_for_launcher(user)}
    assert names == {"Open App", "Everyone App", "Unit App", "User App"}
    anonymous = {a.name for a in selectors.app_list_for_launcher()}
    assert anonymous == {"Open App", "Everyone App"}


def test_the_launcher_query_count_does_not_grow_with_apps_or_policies(
    world, django_assert_num_queries
):
    user, _apps = world
    with django_assert_num_queries(1):
        first = [(a.name, a.owner_unit.name) for a in selectors.app_list_for_launcher(user)]
    for n in range(6):
        listed(make_app(), units=[user.org_units.get()], users=[make_user()] if n % 2 else [])
    with django_assert_num_queries(1):
        many = [(a.name, a.owner_unit.name) for a in selectors.app_list_for_launcher(user)]
    assert len(many) == len(first) + 6


def test_the_launcher_page_links_signed_in_users_through_the_launch_endpoint(client, world):
    user, apps = world
    client.force_login(user)
    html = client.get("/").content.decode()
    assert f'href="/apps/{apps["by_unit"].slug}/open/"' in html
    assert "Other Unit App" not in html and "Nobody App" not in html


def test_launch_records_then_redirects(client, world):
    user, apps = world
    client.force_login(user)
    response = client.get(f"/apps/{apps['by_unit'].slug}/open/")
    assert response.status_code == 302 and response["Location"] == apps["by_unit"].url
    assert Launch.objects.filter(user=user, app=apps["by_unit"]).count() == 1


def test_launch_of_an_app_outside_the_policy_is_refused_and_not_recorded(client, world):
    user, apps = world
    client.force_login(user)
    response = client.get(f"/apps/{apps['other_unit'].slug}/open/")
    # As for an app that does not exist: an outsider learns nothing of it, not even its name.
    assert response.status_code == 404
    assert apps["other_unit"].name not in response.content.decode()
    assert not Launch.objects.exists()


def test_launch_asks_anonymous_visitors_to_sign_in_first(client, world):
    _user, apps = world
    response = client.get(f"/apps/{apps['open'].slug}/open/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/apps/")
