"""The one access rule, in its two forms: the queryset filter and forward-auth's in-memory rule."""

import pytest
from django.contrib.auth.models import AnonymousUser

from polise.catalog.access import access_rule_for, access_rules, user_may_open
from polise.catalog.models import AccessPolicy, App
from tests.factories import make_app, make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def matrix():
    unit = make_unit()
    member, listed, owner, plain = (make_user() for _ in range(4))
    staff = make_user(is_staff=True)
    inactive = make_user(is_active=False)
    unit.members.add(member, inactive)
    apps = {
        "no_policy": make_app(),
        "signed_in": make_app(),
        "by_unit": make_app(),
        "by_user": make_app(),
        "nobody": make_app(owners=[owner]),
    }
    AccessPolicy.objects.create(app=apps["signed_in"])
    by_unit = AccessPolicy.objects.create(app=apps["by_unit"], audience="listed")
    by_unit.units.add(unit)
    by_user = AccessPolicy.objects.create(app=apps["by_user"], audience="listed")
    by_user.users.add(listed)
    AccessPolicy.objects.create(app=apps["nobody"], audience="listed")
    users = {
        "member": member,
        "listed": listed,
        "owner": owner,
        "plain": plain,
        "staff": staff,
        "inactive": inactive,
    }
    return users, apps


def _visible(user, apps):
    slugs = set(App.objects.visible_to(user).values_list("slug", flat=True))
    return {name for name, app in apps.items() if app.slug in slugs}


def test_who_sees_which_app(matrix):
    users, apps = matrix
    everyone = {"no_policy", "signed_in"}
    assert _visible(AnonymousUser(), apps) == everyone
    assert _visible(users["plain"], apps) == everyone
    assert _visible(users["member"], apps) == everyone | {"by_unit"}
    assert _visible(users["listed"], apps) == everyone | {"by_user"}
    assert _visible(users["owner"], apps) == everyone | {"nobody"}
    assert _visible(users["staff"], apps) == set(apps)
    assert _visible(users["inactive"], apps) == set()


def test_forward_auths_rule_agrees_with_the_queryset(matrix):
    users, apps = matrix
    table = access_rules()  # forward-auth's whole table, loaded at once
    for user in users.values():
        if not user.is_active:
            continue  # forward-auth never loads a session of an inactive user
        unit_ids = frozenset(user.org_units.values_list("pk", flat=True))
        for name, app in apps.items():
            expected = user_may_open(user=user, app=app)
            for rule in (access_rule_for(app), table[app.pk]):
                allowed = rule.allows(user_id=user.pk, unit_ids=unit_ids, is_staff=user.is_staff)
                assert allowed == expected, (user.username, name)


def test_the_rule_costs_one_query_whatever_the_catalog(matrix, django_assert_num_queries):
    users, _apps = matrix
    for _ in range(20):
        make_app()
    with django_assert_num_queries(1):
        list(App.objects.visible_to(users["member"]))


def test_the_whole_table_costs_the_same_queries_whatever_the_catalog(
    matrix, django_assert_num_queries
):
    with django_assert_num_queries(5):
        small = access_rules()
    for _ in range(30):
        policy = AccessPolicy.objects.create(app=make_app(owners=[make_user()]), audience="listed")
        policy.users.add(make_user())
    with django_assert_num_queries(5):
        assert len(access_rules()) == len(small) + 30
