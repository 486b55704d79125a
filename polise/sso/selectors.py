"""Reads for single sign-on: which sessions a user has, where `next` may send the browser
(who may open which app is the catalog's one access rule, `polise.catalog.access`).
Lists cost a fixed number of queries whatever their length."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils.http import url_has_allowed_host_and_scheme

from polise.accounts.models import User
from polise.catalog.models import App

from .hosts import host_key
from .models import SessionClient, SignInSession


def user_groups(user: User) -> list[str]:
    """The `groups` claim: the slugs of the user's org units, then their role (group) names."""
    units = list(user.org_units.order_by("slug").values_list("slug", flat=True))
    roles = list(user.groups.order_by("name").values_list("name", flat=True))
    return units + roles


def app_for_host(host: str, scheme: str = "https") -> App | None:
    """The catalog app served at `host` (host[:port] as the proxy forwards it)."""
    wanted = host_key(host, scheme)
    if not wanted:
        return None
    for app in App.objects.exclude(url="").only("id", "url", "slug", "name"):
        parts = urlsplit(app.url)
        if host_key(parts.netloc, parts.scheme) == wanted:
            return app
    return None


def app_ids_by_host() -> dict[str, int]:
    """host[:port] -> app id for every catalog app with a URL; the first app wins a host two
    apps claim, as `app_for_host` decides."""
    table: dict[str, int] = {}
    for pk, url in App.objects.exclude(url="").values_list("pk", "url"):
        parts = urlsplit(url)
        table.setdefault(host_key(parts.netloc, parts.scheme), pk)
    return table


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
