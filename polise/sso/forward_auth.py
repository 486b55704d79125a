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

import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core import signing

from polise.catalog.access import AccessRule

from . import cache
from .cache import SessionInfo

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Environ = dict[str, Any]

_NO_STORE = [("Cache-Control", "no-store"), ("Content-Type", "text/plain; charset=utf-8")]
_signer: signing.Signer | None = None
# Cache misses so far (in this process): tells the WSGI entry whether the database was used.
_misses = [0]


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


def _load_session(sid: str) -> SessionInfo | None:
    from django.utils import timezone

    from polise.sso.models import SignInSession

    from .selectors import user_groups

    session = (
        SignInSession.objects.select_related("user")
        .filter(sid=sid, ended_at__isnull=True, expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )
    if session is None:
        return None
    # The browser's Django session must still exist too: any sign-out that bypassed Polise's
    # own (an admin logout, a flushed session) then closes forward-auth as well.
    from django.contrib.sessions.models import Session

    if not Session.objects.filter(
        session_key=session.session_key, expire_date__gt=timezone.now()
    ).exists():
        return None
    user = session.user
    from .services import session_touch

    session_touch(session)
    groups = ",".join(user_groups(user))
    return SessionInfo(
        sid=sid,
        user_id=user.pk,
        username=user.get_username(),
        email=user.email,
        groups=groups,
        unit_ids=frozenset(user.org_units.values_list("pk", flat=True)),
        is_staff=user.is_staff,
        expires_at=session.expires_at.timestamp(),
        headers=(
            *_NO_STORE,
            ("X-Forwarded-User", _header_value(user.get_username())),
            ("X-Forwarded-Email", _header_value(user.email)),
            ("X-Forwarded-Groups", _header_value(groups)),
        ),
    )


def _load_app_rule(host: str, scheme: str) -> AccessRule | None:
    from polise.catalog.access import access_rule_for

    from .selectors import app_for_host

    app = app_for_host(host, scheme)
    return access_rule_for(app) if app is not None else None


def session_info(sid: str) -> SessionInfo | None:
    hit, info = cache.sessions.get(sid)
    if not hit:
        _misses[0] += 1
        info = _load_session(sid)
        cache.sessions.put(sid, info, settings.FORWARD_AUTH_CACHE_SECONDS)
    if info is not None and info.expires_at <= time.time():
        return None
    return info


def app_rule(host: str, scheme: str = "https") -> AccessRule | None:
    key = f"{scheme}://{host}"
    hit, rule = cache.apps.get(key)
    if not hit:
        _misses[0] += 1
        rule = _load_app_rule(host, scheme)
        cache.apps.put(key, rule, settings.FORWARD_AUTH_CACHE_SECONDS)
    return rule


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
        return "403 Forbidden", [*_NO_STORE, ("X-Polise-Reason", "unknown-app")]

    raw = _cookie(environ, settings.FORWARD_AUTH_COOKIE_NAME)
    sid = _unsign(raw) if raw else None
    info = session_info(sid) if sid else None
    if info is None:
        login = f"{settings.BASE_URL}/login/?" + urlencode({"next": _original_url(environ)})
        if nginx:
            # nginx cannot URL-encode the original URL itself; it takes the ready login URL
            # from this header (auth_request_set) and redirects there on 401.
            return "401 Unauthorized", [*_NO_STORE, ("X-Polise-Login-Url", login)]
        return "302 Found", [*_NO_STORE, ("Location", login)]
    if not rule.allows(user_id=info.user_id, unit_ids=info.unit_ids, is_staff=info.is_staff):
        return "403 Forbidden", [*_NO_STORE, ("X-Polise-Reason", "not-allowed")]
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
