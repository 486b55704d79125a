"""Real relying parties against a live Polise: openid-client (Node.js), an independent,
certified implementation, does code + PKCE, ID token validation, userinfo and refresh."""

from __future__ import annotations

import json
import subprocess

import pytest

from polise.sso.models import SignInSession
from tests.factories import make_unit, make_user
from tests.sso.helpers import SECRET, Browser, make_client
from tests.sso.peers import need_node_rp

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.service("node")]


@pytest.fixture
def live_issuer(live_server, settings):
    """Polise's issuer is its base URL; here that is the live test server."""
    settings.BASE_URL = live_server.url
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": live_server.url}
    return live_server.url


def node(*args: str) -> dict:
    rp = need_node_rp()
    result = subprocess.run(
        ["node", str(rp / "rp.mjs"), *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_openid_client_signs_in_with_pkce_reads_userinfo_and_refreshes(live_issuer):
    need_node_rp()
    unit = make_unit(slug="bappeda")
    user = make_user(first_name="Rina", password="a-long-passphrase-1", email="rina@example.go.id")
    unit.members.add(user)
    redirect_uri = "http://127.0.0.1:9/callback"
    application = make_client(redirect_uri=redirect_uri)

    start = node("start", live_issuer, application.client_id, SECRET, redirect_uri)
    browser = Browser(live_issuer)
    to_login = browser.get(start["url"])
    assert to_login.status_code == 302 and "/login/" in to_login.headers["location"]
    from urllib.parse import parse_qs, urlsplit

    next_url = parse_qs(urlsplit(to_login.headers["location"]).query)["next"][0]
    signed_in = browser.login(user.username, "a-long-passphrase-1", next_url)
    assert signed_in.status_code == 302
    callback = browser.follow_to(signed_in.headers["location"], redirect_uri)

    result = node(
        "finish",
        live_issuer,
        application.client_id,
        SECRET,
        callback,
        start["verifier"],
        start["state"],
        start["nonce"],
    )
    session = SignInSession.objects.get(user=user)
    claims = result["claims"]
    assert claims["iss"] == live_issuer
    assert claims["sub"] == str(user.pk)
    assert claims["sid"] == session.sid
    assert claims["auth_time"] == int(session.auth_time.timestamp())
    assert claims["groups"] == ["bappeda"]
    assert result["userinfo"]["email"] == "rina@example.go.id"
    assert result["userinfo"]["name"] == "Rina"
    assert result["refreshed_claims"]["sid"] == session.sid
    assert result["refresh_token_rotated"] is True
    assert result["old_refresh_refused"] is True
    assert result["family_revoked_after_reuse"] is True
