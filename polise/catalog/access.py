"""The one access rule: who may see an app in Polise and open it through single sign-on.

A user may see and open an app when
- its access policy lets them in: no policy, or "everyone signed in", or they are listed in
  the policy by name or through one of their org units; or
- they look after it: one of its owners, or the platform team (staff), who operate every app.

Anonymous visitors see the apps open to everyone signed in (opening one asks them to sign
in); inactive users see nothing. Everything that belongs to an app (its page, news, ratings,
reports, docs, contributions, feeds, API) is shown through `App.objects.visible_to(user)`.

The same rule exists in a second form, `AccessRule`, for forward-auth's hot path, which keeps
each app's rule in memory instead of asking the database per request; the tests check that
both forms agree on every combination.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Exists, OuterRef, Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from polise.accounts.models import User

    from .models import App


def _open_to_all() -> Q:
    return Q(access_policy__isnull=True) | Q(access_policy__audience="signed_in")


class AppQuerySet(models.QuerySet["App"]):
    def visible_to(self, user: User | AnonymousUser | None) -> AppQuerySet:
        """The apps `user` may see and open, as one filter inside one query."""
        if user is None or not user.is_authenticated:
            return self.filter(_open_to_all())
        if not user.is_active:
            return self.none()
        if user.is_staff:
            return self.all()
        from polise.accounts.models import OrgUnit

        from .models import AccessPolicy, App

        listed_user = Exists(
            AccessPolicy.users.through.objects.filter(
                accesspolicy_id=OuterRef("access_policy__id"), user_id=user.pk
            )
        )
        listed_unit = Exists(
            AccessPolicy.units.through.objects.filter(
                accesspolicy_id=OuterRef("access_policy__id"),
                orgunit_id__in=OrgUnit.members.through.objects.filter(user_id=user.pk).values(
                    "orgunit_id"
                ),
            )
        )
        owner = Exists(App.owners.through.objects.filter(app_id=OuterRef("pk"), user_id=user.pk))
        return self.filter(
            _open_to_all()
            | (Q(access_policy__audience="listed") & (Q(listed_user) | Q(listed_unit)))
            | Q(owner)
        )

    def visible_app(self, user: User | AnonymousUser | None, **lookup: Any) -> App:
        """One app `user` may see; raises App.DoesNotExist for an app they may not, exactly as
        for one that does not exist, so that an outsider cannot even learn that it exists."""
        return self.visible_to(user).get(**lookup)


def user_may_open(*, user: User | AnonymousUser, app: App) -> bool:
    """Whether the rule lets this signed-in user open `app` (one query)."""
    if not user.is_authenticated:
        return False
    return type(app).objects.visible_to(user).filter(pk=app.pk).exists()


@dataclass(frozen=True, slots=True)
class AccessRule:
    """The rule of one app, held in memory by forward-auth."""

    app_id: int
    slug: str
    open_to_all: bool
    unit_ids: frozenset[int]
    user_ids: frozenset[int]  # listed in the policy, or owners

    def allows(self, *, user_id: int, unit_ids: frozenset[int], is_staff: bool) -> bool:
        return (
            self.open_to_all
            or is_staff
            or user_id in self.user_ids
            or not self.unit_ids.isdisjoint(unit_ids)
        )


def access_rule_for(app: App) -> AccessRule:
    """The in-memory form of `app`'s rule (two or three small queries)."""
    from .models import AccessPolicy

    owners = frozenset(app.owners.values_list("pk", flat=True))
    policy = AccessPolicy.objects.filter(app=app).first()
    if policy is None or policy.audience == AccessPolicy.Audience.SIGNED_IN:
        return AccessRule(app.pk, app.slug, True, frozenset(), owners)
    return AccessRule(
        app.pk,
        app.slug,
        False,
        frozenset(policy.units.values_list("pk", flat=True)),
        owners | frozenset(policy.users.values_list("pk", flat=True)),
    )


def access_rules() -> dict[int, AccessRule]:
    """Every app's rule, by app id, in five queries whatever the size of the catalog: the
    whole table forward-auth keeps in memory, so that no request waits on a per-app lookup."""
    from .models import AccessPolicy, App

    owners: dict[int, set[int]] = defaultdict(set)
    for app_id, user_id in App.owners.through.objects.values_list("app_id", "user_id"):
        owners[app_id].add(user_id)
    units: dict[int, set[int]] = defaultdict(set)
    for policy_id, unit_id in AccessPolicy.units.through.objects.values_list(
        "accesspolicy_id", "orgunit_id"
    ):
        units[policy_id].add(unit_id)
    users: dict[int, set[int]] = defaultdict(set)
    for policy_id, user_id in AccessPolicy.users.through.objects.values_list(
        "accesspolicy_id", "user_id"
    ):
        users[policy_id].add(user_id)
    policies = {
        app_id: (pk, audience)
        for pk, app_id, audience in AccessPolicy.objects.values_list("pk", "app_id", "audience")
    }
    rules = {}
    for app_id, slug in App.objects.values_list("pk", "slug"):
        policy = policies.get(app_id)
        if policy is None or policy[1] == AccessPolicy.Audience.SIGNED_IN:
            rules[app_id] = AccessRule(app_id, slug, True, frozenset(), frozenset(owners[app_id]))
        else:
            rules[app_id] = AccessRule(
                app_id,
                slug,
                False,
                frozenset(units[policy[0]]),
                frozenset(owners[app_id] | users[policy[0]]),
            )
    return rules


@dataclass(frozen=True)
class AccessSummary:
    """Who may open an app, in the words the platform team reads it."""

    open_to_all: bool
    units: list[str]
    users: list[str]


def access_summary(app: App) -> AccessSummary:
    """The app's rule spelled out (reads the app's policy, its units and users; prefetch them
    for a list). Owners and staff may always open the app, whatever it says."""
    from django.core.exceptions import ObjectDoesNotExist

    from .models import AccessPolicy

    try:
        policy = app.access_policy
    except ObjectDoesNotExist:
        policy = None
    if policy is None or policy.audience == AccessPolicy.Audience.SIGNED_IN:
        return AccessSummary(True, [], [])
    return AccessSummary(
        False,
        sorted(unit.name for unit in policy.units.all()),
        sorted(user.display_name for user in policy.users.all()),
    )
