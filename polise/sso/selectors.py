"""Reads for single sign-on: who may open which app, which sessions a user has, where `next`
may send the browser. Lists cost a fixed number of queries whatever their length."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.http import url_has_allowed_host_and_scheme

from polise.accounts.models import OrgUnit, User
from polise.catalog.models import App

from .models import AccessPolicy, SessionClient, SignInSession

_PolicyUsers = AccessPolicy.users.through
_PolicyUnits = AccessPolicy.units.through
_Members = OrgUnit.members.through


def app_access_q(user: User | AnonymousUser) -> Q:
    """A filter on App for the apps `user` may open, evaluated inside one query.

    Anonymous visitors match only the apps open to everyone signed in (they are asked to sign
    in when they open one); a signed-in user also matches apps that list them or one of their
    org units.
    """
    open_to_all = Q(access_policy__isnull=True) | Q(
        access_policy__audience=AccessPolicy.Audience.SIGNED_IN
    )
    if not user.is_authenticated:
        return open_to_all
    listed_user = Exists(
        _PolicyUsers.objects.filter(accesspolicy_id=OuterRef("access_policy__id"), user_id=user.pk)
    )
    listed_unit = Exists(
        _PolicyUnits.objects.filter(
            accesspolicy_id=OuterRef("access_policy__id"),
            orgunit_id__in=_Members.objects.filter(user_id=user.pk).values("orgunit_id"),
        )
    )
    return open_to_all | Q(access_policy__audience=AccessPolicy.Audience.LISTED) & (
        Q(listed_user) | Q(listed_unit)
    )


def user_may_open(*, user: User | AnonymousUser, app: App) -> bool:
    """One query: does the app's policy let this signed-in user in?"""
    if not user.is_authenticated or not user.is_active:
        return False
    return App.objects.filter(app_access_q(user), pk=app.pk).exists()


def user_groups(user: User) -> list[str]:
    """The `groups` claim: the slugs of the user's org units, then their role (group) names."""
    units = list(user.org_units.order_by("slug").values_list("slug", flat=True))
    roles = list(user.groups.order_by("name").values_list("name", flat=True))
    return units + roles


def _netloc(value: str, scheme: str = "https") -> str:
    """host[:port] in lower case, without the scheme's default port."""
    value = value.lower().rstrip(".")
    default = ":443" if scheme == "https" else ":80"
    return value[: -len(default)] if value.endswith(default) else value


def app_for_host(host: str, scheme: str = "https") -> App | None:
    """The catalog app served at `host` (host[:port] as the proxy forwards it)."""
    wanted = _netloc(host, scheme)
    if not wanted:
        return None
    for app in App.objects.exclude(url="").only("id", "url", "slug", "name"):
        parts = urlsplit(app.url)
        if _netloc(parts.netloc, parts.scheme) == wanted:
            return app
    return None


def app_hosts() -> set[str]:
    return {
        (urlsplit(url).hostname or "").lower()
        for url in App.objects.exclude(url="").values_list("url", flat=True)
    } - {""}


def _own_host() -> str:
    return (urlsplit(settings.BASE_URL).hostname or "").lower()


def safe_next(url: str | None, *, request_host: str, secure: bool) -> str | None:
    """`url` when it may follow a sign-in: a path on Polise, or an https (http in the demo) URL
    on the host of a catalog app. Anything else (other hosts, `//evil`, `javascript:`) is
    refused, so the login page is never an open redirector."""
    if not url:
        return None
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request_host}, require_https=secure):
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or (parts.scheme == "http" and settings.PRODUCTION):
        return None
    if (parts.hostname or "").lower() not in app_hosts() | {_own_host()}:
        return None
    # Django's check still refuses the tricks (backslashes, control characters, user info).
    if url_has_allowed_host_and_scheme(url, allowed_hosts={parts.netloc}, require_https=False):
        return url
    return None


def sessions_for_user(*, user: User) -> QuerySet[SignInSession]:
    """The user's live sessions with the apps each signed into, in two queries."""
    clients = Prefetch(
        "clients", queryset=SessionClient.objects.select_related("application").order_by("first_at")
    )
    return (
        SignInSession.objects.filter(user=user, ended_at__isnull=True)
        .prefetch_related(clients)
        .order_by("-last_seen")
    )
