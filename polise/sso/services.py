"""Writes for single sign-on: sessions begin and end here, clients and launches are recorded
here, and ending a session reaches every app it signed into (back-channel logout)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import logout as django_logout
from django.contrib.sessions.models import Session
from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, RefreshToken

from polise.accounts.audit import audit_record, client_ip
from polise.accounts.models import AuditEvent, User
from polise.catalog.models import App
from polise.core.jobs import enqueue_on_commit

from . import cache
from .models import Launch, SessionClient, SignInSession, TokenFamilySession

SESSION_SID_KEY = "polise_sid"
FORWARD_AUTH_SALT = "polise.sso.forward-auth"
# last_seen is for people reading "my sessions"; a minute's precision spares a write a request.
TOUCH_EVERY = timedelta(seconds=60)
# Re-authentications asked for and not yet answered, by token (a few, for a few open tabs).
REAUTH_KEY = "polise_reauth"
REAUTH_KEEP = 5


def session_start(*, request: HttpRequest, user: User, method: str) -> SignInSession:
    """Record the sign-in that django.contrib.auth.login() just made in this request."""
    now = timezone.now()
    if not request.session.session_key:
        request.session.save()
    session_key = request.session.session_key or ""
    # Signing in again in a live session (prompt=login, max_age) re-authenticates that same
    # session: it keeps its sid, so the apps it signed into still know it.
    earlier = SignInSession.objects.filter(
        sid=request.session.get(SESSION_SID_KEY) or "", user=user, ended_at__isnull=True
    ).first()
    if earlier is not None:
        earlier.auth_time = earlier.last_seen = now
        earlier.session_key, earlier.method = session_key, method
        earlier.expires_at = now + timedelta(seconds=settings.SESSION_COOKIE_AGE)
        earlier.save()
        session = earlier
    else:
        session = _session_create(request=request, user=user, method=method, auth_time=now)
    audit_record(AuditEvent.Kind.SIGN_IN, request=request, user=user, method=method)
    return session


def _session_create(
    *, request: HttpRequest, user: User, method: str, auth_time: datetime
) -> SignInSession:
    now = timezone.now()
    if not request.session.session_key:
        request.session.save()
    session = SignInSession.objects.create(
        sid=secrets.token_urlsafe(32),
        user=user,
        session_key=request.session.session_key or "",
        auth_time=auth_time,
        expires_at=now + timedelta(seconds=settings.SESSION_COOKIE_AGE),
        last_seen=now,
        ip_address=client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[:300],
        method=method,
    )
    request.session[SESSION_SID_KEY] = session.sid
    return session


def session_current(request: HttpRequest) -> SignInSession | None:
    """The live sign-in session of this browser. A session signed in some other way (the test
    client, a social login) gets its record here on first use, with auth_time = last login."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    sid = request.session.get(SESSION_SID_KEY)
    if sid:
        session = SignInSession.objects.filter(sid=sid, ended_at__isnull=True, user=user).first()
        if session is not None and session.expires_at > timezone.now():
            session_touch(session)
            return session
        return None
    return _session_create(
        request=request, user=user, method="session", auth_time=user.last_login or timezone.now()
    )


def reauth_ask(request: HttpRequest) -> str:
    """An app asked this browser to sign in again (prompt=login, max_age): note when, under a
    token the authorization request carries through the sign-in page."""
    asked = dict(list(request.session.get(REAUTH_KEY, {}).items())[-(REAUTH_KEEP - 1) :])
    token = secrets.token_urlsafe(12)
    asked[token] = timezone.now().timestamp()
    request.session[REAUTH_KEY] = asked
    return token


def reauth_done(*, request: HttpRequest, token: str, session: SignInSession) -> bool:
    """Whether the session signed in after the re-authentication noted under `token` was
    asked for. A token answers once: the same request sent later asks again."""
    asked = request.session.get(REAUTH_KEY, {})
    at = asked.pop(token, None) if token else None
    if at is None:
        return False
    request.session[REAUTH_KEY] = asked
    return session.auth_time.timestamp() >= at


def session_touch(session: SignInSession, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if now - session.last_seen >= TOUCH_EVERY:
        SignInSession.objects.filter(pk=session.pk).update(last_seen=now)
        session.last_seen = now


def session_client_record(*, session: SignInSession, application: Application) -> None:
    SessionClient.objects.get_or_create(session=session, application=application)


def secret_checksum(value: str) -> str:
    """The SHA-256 digest DOT finds a token by; Polise finds a redeemed code by it too."""
    return hashlib.sha256(value.encode()).hexdigest()


def session_token_family_record(
    *, session: SignInSession, token_family: object, code: str | None
) -> None:
    """The first tokens of a code exchange: they belong to the session, and came from `code`."""
    TokenFamilySession.objects.get_or_create(
        token_family=token_family,
        defaults={"session": session, "code_checksum": secret_checksum(code) if code else ""},
    )


def _token_families_revoke(refresh: QuerySet[RefreshToken]) -> int:
    """Revoke the live refresh tokens given and delete the access tokens they stand beside."""
    live = refresh.filter(revoked__isnull=True)
    AccessToken.objects.filter(refresh_token__in=live).delete()
    return live.update(revoked=timezone.now())


@transaction.atomic
def code_tokens_revoke(*, code: str, application: Application) -> int:
    """A code presented again (or twice at once): revoke every token its redemptions gave,
    rotations included (RFC 6749 4.1.2). Another client presenting it revokes nothing."""
    families = TokenFamilySession.objects.filter(code_checksum=secret_checksum(code)).values(
        "token_family"
    )
    refresh = RefreshToken.objects.filter(token_family__in=families, application=application)
    holder = refresh.select_related("user").first()
    revoked = _token_families_revoke(refresh)
    if revoked:
        audit_record(
            AuditEvent.Kind.TOKEN_GRANTED,
            user=holder.user if holder is not None else None,
            target=str(application),
            outcome="code reused, tokens revoked",
        )
    return revoked


@transaction.atomic
def session_end(
    *,
    session: SignInSession,
    reason: str,
    request: HttpRequest | None = None,
    actor: User | None = None,
) -> bool:
    """End a session everywhere: its Django session, its tokens, its forward-auth cookie (through
    the cache), and every app it signed into by back-channel logout. Safe to call twice."""
    from .jobs import deliver_backchannel_logout

    locked = SignInSession.objects.select_for_update().filter(pk=session.pk).first()
    if locked is None or locked.ended_at is not None:
        return False
    now = timezone.now()
    locked.ended_at = now
    locked.end_reason = reason
    locked.save(update_fields=["ended_at", "end_reason"])
    session.ended_at, session.end_reason = now, reason

    Session.objects.filter(session_key=locked.session_key).delete()
    families = TokenFamilySession.objects.filter(session=locked).values("token_family")
    _token_families_revoke(RefreshToken.objects.filter(token_family__in=families))
    cache.forget_session(locked.sid)

    for client_id in SessionClient.objects.filter(
        session=locked, logout_sent_at__isnull=True
    ).values_list("pk", flat=True):
        enqueue_on_commit(deliver_backchannel_logout, session_client_id=client_id)

    kind = AuditEvent.Kind.SIGN_OUT if reason == "logout" else AuditEvent.Kind.SESSION_REVOKED
    audit_record(
        kind,
        request=request,
        user=actor or locked.user,
        target=f"session of {locked.user.get_username()}",
        reason=reason,
        sid_prefix=locked.sid[:8],
    )
    return True


def sign_out(*, request: HttpRequest) -> None:
    """The browser signs out of Polise and, through back-channel logout, of every app."""
    session = session_current(request)
    if session is not None:
        session_end(session=session, reason=SignInSession.EndReason.LOGOUT, request=request)
    django_logout(request)


def sessions_revoke(
    *, user: User, reason: str, actor: User | None = None, request: HttpRequest | None = None
) -> int:
    ended = 0
    for session in SignInSession.objects.filter(user=user, ended_at__isnull=True):
        ended += session_end(session=session, reason=reason, actor=actor, request=request)
    return ended


def launch_record(*, user: User, app: App) -> Launch:
    return Launch.objects.create(user=user, app=app)


def forward_auth_cookie_value(session: SignInSession) -> str:
    return signing.Signer(salt=FORWARD_AUTH_SALT).sign(session.sid)


def forward_auth_cookie_set(response: HttpResponse, session: SignInSession) -> None:
    response.set_cookie(
        settings.FORWARD_AUTH_COOKIE_NAME,
        forward_auth_cookie_value(session),
        max_age=max(0, int((session.expires_at - timezone.now()).total_seconds())),
        domain=settings.FORWARD_AUTH_COOKIE_DOMAIN,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def forward_auth_cookie_clear(response: HttpResponse) -> None:
    response.delete_cookie(
        settings.FORWARD_AUTH_COOKIE_NAME,
        domain=settings.FORWARD_AUTH_COOKIE_DOMAIN,
        samesite="Lax",
    )
