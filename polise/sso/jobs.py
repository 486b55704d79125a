"""Back-channel logout (OpenID Connect Back-Channel Logout 1.0): when a session ends, every app
it signed into gets a signed logout token naming the session (`sid`) and the user (`sub`), as a
retried job so that an app that is briefly down still hears of it."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone
from jwcrypto import jwk, jwt

from polise.core.jobs import PermanentError, retrying_task

from .models import ClientProfile, SessionClient

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_SECONDS = 120


def logout_token(*, client_id: str, sub: str, sid: str) -> str:
    key = jwk.JWK.from_pem(settings.OIDC_PRIVATE_KEY.encode())
    now = int(time.time())
    token = jwt.JWT(
        header={"alg": "RS256", "typ": "logout+jwt", "kid": key.thumbprint()},
        claims={
            "iss": settings.BASE_URL,
            "aud": client_id,
            "iat": now,
            "exp": now + LOGOUT_TOKEN_SECONDS,
            "jti": str(uuid.uuid4()),
            "sub": sub,
            "sid": sid,
            "events": {BACKCHANNEL_EVENT: {}},
        },
    )
    token.make_signed_token(key)
    return token.serialize()


@retrying_task(max_attempts=8, base_delay=5.0, max_delay=600.0)
def deliver_backchannel_logout(*, session_client_id: int) -> str:
    link = (
        SessionClient.objects.select_related("session", "application")
        .filter(pk=session_client_id)
        .first()
    )
    if link is None or link.logout_sent_at is not None:
        return "nothing to do"
    profile = ClientProfile.objects.filter(application=link.application).first()
    if profile is None or not profile.backchannel_logout_uri:
        return "client has no back-channel logout URL"
    body = urlencode(
        {
            "logout_token": logout_token(
                client_id=link.application.client_id,
                sub=str(link.session.user_id),
                sid=link.session.sid,
            )
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (the URL is an admin-set http(s) URL)
        profile.backchannel_logout_uri,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        if exc.code == 400:
            # The spec's answer for a token the app refuses: another attempt gets the same.
            raise PermanentError(f"{profile.backchannel_logout_uri} refused the token") from exc
        raise
    SessionClient.objects.filter(pk=link.pk).update(logout_sent_at=timezone.now())
    return json.dumps({"status": status})
