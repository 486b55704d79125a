"""Forward-auth: the reverse proxy asks, before every request to a protected app, whether the
browser may go on. This is the hot path of every app, so it is a plain WSGI callable: a signed
cookie, a dictionary lookup, a set intersection. Only a cache miss touches the database (and
the ORM); no middleware, no template.

Answers: 200 with X-Forwarded-User/-Email/-Groups when allowed; 403 when signed in but not
allowed (or the host is not a catalog app); when not signed in, 302 to the login page with the
original URL as `next` (Traefik, Caddy) or, with ?mode=nginx, 401 for nginx, whose
auth_request accepts only 2xx/401/403: nginx then redirects to the X-Polise-Login-Url header.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core import signing

from polise.catalog.access import AccessRule
from polise.core.metrics import forward_auth_tally

from . import cache
from .cache import SessionInfo
from .hosts import host_key

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Environ = dict[str, Any]

_NO_STORE = [("Cache-Control", "no-store"), ("Content-Type", "text/plain; charset=utf-8")]
_signer: signing.Signer | None = None
# Cache misses so far (in this process): tells the WSGI entry whether the database was used.
_misses = [0]
# Decisions counted for /metrics (see polise.core.metrics.DecisionTally for the cost).
_ALLOWED, _DENIED, _SIGN_IN, _UNKNOWN_APP = (
    forward_auth_tally.counter(d) for d in ("allowed", "denied", "sign_in", "unknown_app")
)
_FLUSH = forward_auth_tally.FLUSH_MASK
HOST_TABLE = "hosts"
_table_lock = threading.Lock()


def _unsign(value: str) -> str | None:
    global _signer
    sid = cache.verified_cookies.get(value)
    if sid is not None:
        return sid
    if _signer is None:
        from .services import FORWARD_AUTH_SALT

        _signer = signing.Signer(salt=FORWARD_AUTH_SALT)
    try:
        sid = _signer.unsign(value)
    except signing.BadSignature:
        return None
    if len(cache.verified_cookies) >= cache.MAX_ENTRIES:
        cache.verified_cookies.clear()
    cache.verified_cookies[value] = sid
    return sid


def _cookie(environ: Environ, name: str) -> str | None:
    """One cookie's value. A plain split: the value is our own signed token (no quoting), and
    SimpleCookie's regular expressions cost more than the rest of the request."""
    raw = environ.get("HTTP_COOKIE")
    if not raw:
        return None
    prefix = name + "="
    for part in raw.split(";"):
        part = part.strip()
        if part.startswith(prefix):
            return part[len(prefix) :].strip('"') or None
    return None


def _session_info(
    sid: str, user_id: int, username: str, email: str, is_staff: bool, expires_at: float,
    units: list[tuple[int, str]], roles: list[str],
) -> SessionInfo:  # fmt: skip
    # The same `groups` claim as OIDC's (selectors.user_groups): unit slugs, then roles.
    groups = ",".join([slug for _pk, slug in units] + roles)
    return SessionInfo(
        sid=sid,
        user_id=user_id,
        username=username,
        email=email,
        groups=groups,
        unit_ids=frozenset(pk for pk, _slug in units),
        is_staff=is_staff,
        expires_at=expires_at,
        headers=(
            *_NO_STORE,
            ("X-Forwarded-User", _header_value(username)),
            ("X-Forwarded-Email", _header_value(email)),
            ("X-Forwarded-Groups", _header_value(groups)),
        ),
    )


def _live_sessions(now: Any) -> Any:
    from django.contrib.sessions.models import Session
    from django.db.models import Exists, OuterRef

    from polise.sso.models import SignInSession

    return SignInSession.objects.filter(
        ended_at__isnull=True, expires_at__gt=now, user__is_active=True
    ).filter(
        # The browser's Django session must still exist too: any sign-out that bypassed
        # Polise's own (an admin logout, a flushed session) then closes forward-auth as well.
        Exists(Session.objects.filter(session_key=OuterRef("session_key"), expire_date__gt=now))
    )


def _units_and_roles(user_ids: Any) -> tuple[dict[int, list], dict[int, list]]:
    from django.contrib.auth.models import Group

    from polise.accounts.models import OrgUnit

    units: dict[int, list[tuple[int, str]]] = {}
    for user_id, unit_id, slug in (
        OrgUnit.members.through.objects.filter(user_id__in=user_ids)
        .order_by("orgunit__slug")
        .values_list("user_id", "orgunit_id", "orgunit__slug")
    ):
        units.setdefault(user_id, []).append((unit_id, slug))
    roles: dict[int, list[str]] = {}
    for user_id, name in (
        Group.user_set.through.objects.filter(user_id__in=user_ids)
        .order_by("group__name")
        .values_list("user_id", "group__name")
    ):
        roles.setdefault(user_id, []).append(name)
    return units, roles


_FIELDS = ("sid", "user_id", "user__username", "user__email", "user__is_staff", "expires_at")


def _load_session_table() -> dict[str, SessionInfo]:
    """Every live session, in three queries however many there are: with thousands of users
    a lookup per session made nearly every request after the TTL a database round trip."""
    from django.utils import timezone

    now = timezone.now()
    live = _live_sessions(now)
    rows = list(live.values_list(*_FIELDS))
    units, roles = _units_and_roles(live.values("user_id"))
    return {
        sid: _session_info(sid, user_id, username, email, staff, expires.timestamp(),
                           units.get(user_id, []), roles.get(user_id, []))
        for sid, user_id, username, email, staff, expires in rows
    }  # fmt: skip


def _load_session(sid: str) -> SessionInfo | None:
    """One session that started after the table was loaded."""
    from django.utils import timezone

    now = timezone.now()
    row = _live_sessions(now).filter(sid=sid).values_list(*_FIELDS).first()
    if row is None:
        return None
    sid, user_id, username, email, staff, expires = row
    units, roles = _units_and_roles([user_id])
    return _session_info(sid, user_id, username, email, staff, expires.timestamp(),
                         units.get(user_id, []), roles.get(user_id, []))  # fmt: skip


def _touch(sids: set[str]) -> None:
    """Record when the sessions used since the last load were last seen, in one statement
    (the sessions page shows it; a minute's precision is all it needs)."""
    if sids:
        from django.utils import timezone

        from polise.sso.models import SignInSession

        from .services import TOUCH_EVERY

        now = timezone.now()
        SignInSession.objects.filter(sid__in=sids, last_seen__lt=now - TOUCH_EVERY).update(
            last_seen=now
        )


def _load_host_table() -> dict[str, AccessRule]:
    """Every catalog host with its app's rule, loaded whole (a handful of queries however many
    apps there are): with many apps, a lookup per host made every first request to each app
    pay for a scan of the catalog."""
    from polise.catalog.access import access_rules

    from .selectors import app_ids_by_host

    rules = access_rules()
    return {host: rules[app_id] for host, app_id in app_ids_by_host().items()}


def _reload_sessions(table: cache.Table, ttl: float) -> None:
    _misses[0] += 1
    loaded_at = time.monotonic()
    _touch(table.replace(_load_session_table(), ttl, loaded_at=loaded_at))


def session_info(sid: str) -> SessionInfo | None:
    table, ttl = cache.session_table, settings.FORWARD_AUTH_CACHE_SECONDS
    if not table.fresh():
        # Expired (an idle worker): wait for the reload rather than answer from a table older
        # than the TTL, so a session ended meanwhile never passes.
        with _table_lock:
            if not table.fresh():
                _reload_sessions(table, ttl)
    elif table.due(ttl) and _table_lock.acquire(blocking=False):
        # Busy worker: one thread loads the next table ahead of expiry while the others go on
        # with the current one, still within its TTL.
        try:
            if table.due(ttl):
                _reload_sessions(table, ttl)
        finally:
            _table_lock.release()
    info = table.rows.get(sid)
    if info is not None:
        table.seen.add(sid)
    else:
        hit, info = cache.sessions.get(sid)
        if not hit:
            _misses[0] += 1
            info = _load_session(sid)
            cache.sessions.put(sid, info, settings.FORWARD_AUTH_CACHE_SECONDS)
    if info is not None and info.expires_at <= time.time():
        return None
    return info


def app_rule(host: str, scheme: str = "https") -> AccessRule | None:
    hit, table = cache.apps.get(HOST_TABLE)
    if not hit:
        _misses[0] += 1
        table = _load_host_table()
        cache.apps.put(HOST_TABLE, table, settings.FORWARD_AUTH_CACHE_SECONDS)
    return table.get(host_key(host, scheme))


def _header_value(value: str) -> str:
    # WSGI headers are latin-1; a non-ASCII name or e-mail travels percent-encoded.
    return value if value.isascii() else quote(value, safe="@.,_-+ ")


def _original_url(environ: Environ) -> str:
    original = environ.get("HTTP_X_ORIGINAL_URL")
    if original:
        return original
    proto = environ.get("HTTP_X_FORWARDED_PROTO", "https").split(",")[0].strip()
    host = environ.get("HTTP_X_FORWARDED_HOST", "").split(",")[0].strip()
    uri = environ.get("HTTP_X_FORWARDED_URI", "/")
    return f"{proto}://{host}{uri}"


def _forwarded_host(environ: Environ) -> tuple[str, str]:
    """(host[:port], scheme) of the request the proxy is asking about."""
    host = environ.get("HTTP_X_FORWARDED_HOST", "").split(",")[0].strip()
    scheme = environ.get("HTTP_X_FORWARDED_PROTO", "https").split(",")[0].strip()
    if not host and environ.get("HTTP_X_ORIGINAL_URL"):
        from urllib.parse import urlsplit

        original = urlsplit(environ["HTTP_X_ORIGINAL_URL"])
        host, scheme = original.netloc, original.scheme
    return host.lower(), scheme if scheme in ("http", "https") else "https"


def decide(environ: Environ) -> tuple[str, list[tuple[str, str]]]:
    """The proxy's answer for this sub-request: a status line and headers (the body is empty)."""
    nginx = "mode=nginx" in environ.get("QUERY_STRING", "")
    host, scheme = _forwarded_host(environ)
    rule = app_rule(host, scheme) if host else None
    if rule is None:
        if not next(_UNKNOWN_APP) & _FLUSH:
            forward_auth_tally.flush()
        return "403 Forbidden", [*_NO_STORE, ("X-Polise-Reason", "unknown-app")]

    raw = _cookie(environ, settings.FORWARD_AUTH_COOKIE_NAME)
    sid = _unsign(raw) if raw else None
    info = session_info(sid) if sid else None
    if info is None:
        if not next(_SIGN_IN) & _FLUSH:
            forward_auth_tally.flush()
        login = f"{settings.BASE_URL}/login/?" + urlencode({"next": _original_url(environ)})
        if nginx:
            # nginx cannot URL-encode the original URL itself; it takes the ready login URL
            # from this header (auth_request_set) and redirects there on 401.
            return "401 Unauthorized", [*_NO_STORE, ("X-Polise-Login-Url", login)]
        return "302 Found", [*_NO_STORE, ("Location", login)]
    if not rule.allows(user_id=info.user_id, unit_ids=info.unit_ids, is_staff=info.is_staff):
        if not next(_DENIED) & _FLUSH:
            forward_auth_tally.flush()
        return "403 Forbidden", [*_NO_STORE, ("X-Polise-Reason", "not-allowed")]
    if not next(_ALLOWED) & _FLUSH:
        forward_auth_tally.flush()
    return "200 OK", list(info.headers)


def application(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    """The bare WSGI entry (polise.sso.wsgi). Outside Django's handler, so it does what the
    handler's request_started/finished signals do for database connections, but only after a
    cache miss actually used the database."""
    misses = _misses[0]
    status, headers = decide(environ)
    if _misses[0] != misses:
        from django.db import close_old_connections

        close_old_connections()
    start_response(status, headers)
    return [b""]
