"""Logout that reaches the apps: back-channel logout tokens, RP-initiated logout, sessions."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import jwt
import pytest
from django.conf import settings
from django.contrib.sessions.models import Session

from polise.accounts.models import AuditEvent
from polise.sso.models import SignInSession
from tests.factories import make_user
from tests.sso.helpers import make_client
from tests.sso.test_oidc import code_for, exchange, query_of, verify

pytestmark = pytest.mark.django_db


class _Sink(BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 200

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        type(self).received.append(parse_qs(self.rfile.read(length).decode()))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def logout_sink():
    _Sink.received = []
    _Sink.status = 200
    server = HTTPServer(("127.0.0.1", 0), _Sink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield _Sink, f"http://127.0.0.1:{server.server_port}/backchannel"
    server.shutdown()


def _sign_in_to(client, application):
    code, verifier = code_for(client, application)
    return exchange(client, application, code, verifier).json()


@pytest.mark.django_db(transaction=True)  # the job runner commits and closes connections
def test_signing_out_sends_a_signed_logout_token_to_every_app_of_the_session(
    client, logout_sink, run_jobs
):
    sink, url = logout_sink
    user = make_user()
    client.force_login(user)
    first, second = make_client(backchannel_logout_uri=url), make_client(backchannel_logout_uri=url)
    unrelated = make_client(backchannel_logout_uri=url)  # never signed into by this session
    _sign_in_to(client, first)
    tokens = _sign_in_to(client, second)
    sid = SignInSession.objects.get(user=user).sid

    response = client.post("/logout/")
    assert response.status_code == 302
    run_jobs()

    audiences = set()
    for form in sink.received:
        token = form["logout_token"][0]
        header = jwt.get_unverified_header(token)
        assert header["typ"] == "logout+jwt"
        claims = jwt.decode(
            token,
            jwt.PyJWKSet.from_dict(client.get("/oauth/jwks/").json())[header["kid"]].key,
            algorithms=["RS256"],
            audience=[first.client_id, second.client_id],
            issuer=settings.BASE_URL,
        )
        assert claims["sid"] == sid and claims["sub"] == str(user.pk)
        assert "http://schemas.openid.net/event/backchannel-logout" in claims["events"]
        assert "nonce" not in claims
        audiences.add(claims["aud"])
    assert audiences == {first.client_id, second.client_id} != {unrelated.client_id}
    # The session's tokens are dead and the browser is signed out.
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}
    assert client.get("/oauth/userinfo/", **bearer).status_code == 401
    assert client.get("/account/sessions/").status_code == 302
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGN_OUT, user=user).exists()


@pytest.mark.django_db(transaction=True)
def test_back_channel_delivery_is_retried_when_the_app_is_down(client, logout_sink, run_jobs):
    from django_tasks_db.models import DBTaskResult

    sink, url = logout_sink
    sink.status = 503
    client.force_login(make_user())
    _sign_in_to(client, make_client(backchannel_logout_uri=url))
    client.post("/logout/")
    run_jobs()
    assert len(sink.received) == 1
    # The failed attempt scheduled the next one.
    assert DBTaskResult.objects.filter(status="READY").count() == 1


def test_rp_initiated_logout_ends_the_session_and_returns_to_the_app(client):
    user = make_user()
    client.force_login(user)
    application = make_client(post_logout_redirect_uri="https://rp.example.go.id/bye")
    tokens = _sign_in_to(client, application)
    assert verify(client, tokens["id_token"], application.client_id)
    response = client.get(
        "/oauth/logout/",
        {
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "https://rp.example.go.id/bye",
            "state": "xyz",
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith("https://rp.example.go.id/bye")
    assert query_of(response["Location"])["state"] == "xyz"
    session = SignInSession.objects.get(user=user)
    assert session.ended_at is not None and session.end_reason == "logout"
    assert not Session.objects.filter(session_key=session.session_key).exists()


def test_rp_initiated_logout_refuses_an_unregistered_return_address(client):
    client.force_login(make_user())
    application = make_client(post_logout_redirect_uri="https://rp.example.go.id/bye")
    tokens = _sign_in_to(client, application)
    response = client.get(
        "/oauth/logout/",
        {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "https://evil.example/"},
    )
    assert response.status_code == 400
    assert "evil" not in response.get("Location", "")


def test_my_sessions_lists_devices_and_apps_and_revokes_one_or_all(client):
    user = make_user(password="a-long-passphrase-1")
    other = type(client)()
    other.defaults["HTTP_USER_AGENT"] = "Firefox on the office PC"
    other.force_login(user)
    _sign_in_to(other, make_client())
    client.defaults["HTTP_USER_AGENT"] = "Chromium on a phone"
    client.force_login(user)
    page = client.get("/account/sessions/").content.decode()
    assert page.count('class="session-row"') == 2
    assert "Firefox on the office PC" in page and "Chromium on a phone" in page
    assert "RP " in page  # the app the other session signed into

    office = SignInSession.objects.get(user_agent__startswith="Firefox")
    response = client.post("/account/sessions/revoke/", {"session": office.pk})
    assert response.status_code == 302
    assert other.get("/account/sessions/").status_code == 302  # that browser is signed out
    assert client.get("/account/sessions/").status_code == 200  # this one is not

    stranger = type(client)()
    stranger.force_login(make_user())
    mine = SignInSession.objects.get(user=user, ended_at__isnull=True)
    assert stranger.post("/account/sessions/revoke/", {"session": mine.pk}).status_code == 404

    client.post("/account/sessions/revoke/", {"session": "all"})
    assert not SignInSession.objects.filter(user=user, ended_at__isnull=True).exists()


def test_the_platform_team_revokes_a_users_sessions_from_the_admin(client):
    admin = make_user(is_staff=True, is_superuser=True)
    victim = make_user()
    browser = type(client)()
    browser.force_login(victim)
    browser.get("/account/sessions/")
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "revoke_sessions", "_selected_action": [victim.pk]},
    )
    assert response.status_code == 302
    assert browser.get("/account/sessions/").status_code == 302
    session = SignInSession.objects.get(user=victim)
    assert session.end_reason == SignInSession.EndReason.REVOKED_BY_ADMIN
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SESSION_REVOKED, user=admin).exists()
