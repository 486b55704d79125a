"""What a strict relying party expects of Polise's OpenID Connect provider, case by case: each
test sends the request and asserts the answer the spec named in its docstring requires."""

from __future__ import annotations

import base64
import hashlib
import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken

from polise.accounts.models import AuditEvent
from polise.sso.models import SignInSession
from polise.sso.oidc import PoliseValidator
from tests.factories import make_user
from tests.sso.helpers import SECRET, make_client, pkce_pair, query_of
from tests.sso.test_oidc import REDIRECT, authorize, code_for, exchange, refresh, verify

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-passphrase-1"


def _basic(client_id: str, secret: str = SECRET) -> dict[str, str]:
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {pair}"}


def _issuer(client) -> str:
    return client.get("/.well-known/openid-configuration").json()["issuer"]


def _tokens(client, application) -> dict:
    code, verifier = code_for(client, application)
    response = exchange(client, application, code, verifier)
    assert response.status_code == 200, response.content
    return response.json()


def _bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# -- 1. max_age=0 ---------------------------------------------------------------------------


def test_max_age_zero_is_satisfied_by_the_sign_in_it_asked_for(client):
    """OIDC Core 3.1.2.1: `max_age=0` is equivalent to `prompt=login`: the user signs in again,
    and that sign-in satisfies the request (auth_time is then at most 0 s old when asked)."""
    user = make_user(password=PASSWORD)
    client.post("/login/", {"username": user.username, "password": PASSWORD})
    application = make_client()
    verifier, challenge = pkce_pair()
    SignInSession.objects.update(auth_time=timezone.now() - timedelta(minutes=5))

    to_login = authorize(client, application, challenge=challenge, max_age="0")
    assert to_login["Location"].startswith("/login/?")
    login = query_of(to_login["Location"])
    asked_at = timezone.now()
    back = client.post(
        "/login/",
        {"username": user.username, "password": PASSWORD, "next": login["next"], "prompt": "login"},
    )
    answer = client.get(back["Location"])
    assert answer["Location"].startswith(REDIRECT), answer["Location"]
    code = query_of(answer["Location"])["code"]
    claims = verify(
        client,
        exchange(client, application, code, verifier).json()["id_token"],
        application.client_id,
    )
    assert claims["auth_time"] >= int(asked_at.timestamp())

    # The same URL later is a new request: the earlier sign-in does not satisfy it again.
    again = client.get(back["Location"])
    assert again["Location"].startswith("/login/?")


# -- 2. redirect_uri is required --------------------------------------------------------------


def test_authorization_request_without_redirect_uri_is_refused(client, signed_in):
    """OIDC Core 3.1.2.1: `redirect_uri` is REQUIRED; without it there is nowhere safe to send
    an error, so the user sees the error (RFC 6749 4.1.2.1) and no code is made."""
    application = make_client()  # a single registered redirect URI, the one a default would pick
    _verifier, challenge = pkce_pair()
    response = client.get(
        "/oauth/authorize/",
        {
            "response_type": "code",
            "client_id": application.client_id,
            "scope": "openid",
            "state": "st4te",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert response.status_code == 400
    assert "Location" not in response
    assert not Grant.objects.exists()


def test_token_request_without_the_authorization_requests_redirect_uri_is_refused(
    client, signed_in
):
    """RFC 6749 4.1.3: `redirect_uri` is REQUIRED at the token endpoint when the authorization
    request carried one, and must be identical."""
    application = make_client()
    code, verifier = code_for(client, application)
    response = client.post(
        "/oauth/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": application.client_id,
            "client_secret": SECRET,
            "code_verifier": verifier,
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert not AccessToken.objects.exists()


# -- 3. only the offered grants ---------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": "x"},
        {"grant_type": "password", "username": "someone", "password": PASSWORD},
        {"grant_type": "client_credentials"},
        {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "x.y.z"},
        {"grant_type": "implicit"},
    ],
    ids=lambda extra: extra["grant_type"].rsplit(":", 1)[-1],
)
def test_grants_that_are_not_offered_are_unsupported(client, extra):
    """RFC 6749 5.2: a grant type the server does not support is `unsupported_grant_type`;
    discovery offers only `authorization_code` and `refresh_token` (OIDC Discovery 3)."""
    application = make_client()
    response = client.post(
        "/oauth/token/",
        {"client_id": application.client_id, "client_secret": SECRET, **extra},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
    doc = client.get("/.well-known/openid-configuration").json()
    assert doc["grant_types_supported"] == ["authorization_code", "refresh_token"]


def test_a_token_request_without_a_grant_type_is_invalid(client, signed_in):
    """RFC 6749 4.1.3: `grant_type` is REQUIRED (no grant is assumed): `invalid_request`."""
    application = make_client()
    code, verifier = code_for(client, application)
    response = client.post(
        "/oauth/token/",
        {
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": application.client_id,
            "client_secret": SECRET,
            "code_verifier": verifier,
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


# -- 4. introspection -----------------------------------------------------------------------


def test_a_client_introspects_only_its_own_tokens(client, signed_in):
    """RFC 7662 section 4: the server must not tell a caller about a token it may not see; a
    client learns only `{"active": false}` of another client's token (2.2)."""
    mine, theirs = make_client(), make_client()
    token = _tokens(client, theirs)["access_token"]

    other = client.post("/oauth/introspect/", {"token": token}, **_basic(mine.client_id))
    assert other.status_code == 200
    assert other.json() == {"active": False}

    own = client.post("/oauth/introspect/", {"token": token}, **_basic(theirs.client_id)).json()
    assert own["active"] is True
    in_body = {"token": token, "client_id": theirs.client_id, "client_secret": SECRET}
    assert client.post("/oauth/introspect/", in_body).json() == own
    assert own["client_id"] == theirs.client_id
    assert own["sub"] == str(signed_in.pk)
    assert own["username"] == signed_in.username


def test_introspection_needs_client_credentials(client, signed_in):
    """RFC 7662 2.1 and 2.3: the caller authenticates; bad or missing credentials (or a bearer
    token in their place) get 401, and the token travels only in a POST body."""
    application = make_client()
    token = _tokens(client, application)["access_token"]
    assert client.post("/oauth/introspect/", {"token": token}).status_code == 401
    wrong = client.post(
        "/oauth/introspect/", {"token": token}, **_basic(application.client_id, "x")
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert client.post("/oauth/introspect/", {"token": token}, **_bearer(token)).status_code == 401
    in_url = client.get("/oauth/introspect/", {"token": token}, **_basic(application.client_id))
    assert in_url.status_code == 405


# -- 5. a reused code revokes what it gave --------------------------------------------------


def test_reusing_a_code_revokes_the_tokens_of_its_first_redemption(client, signed_in):
    """RFC 6749 4.1.2 (and 10.5): a code used twice is refused, and the tokens issued from it
    SHOULD be revoked: the access token and the refresh token (with its rotations) stop."""
    application = make_client()
    code, verifier = code_for(client, application)
    first = exchange(client, application, code, verifier).json()
    rotated = refresh(client, application, first["refresh_token"]).json()
    assert client.get("/oauth/userinfo/", **_bearer(rotated["access_token"])).status_code == 200

    again = exchange(client, application, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert "access_token" not in again.json()
    assert client.get("/oauth/userinfo/", **_bearer(rotated["access_token"])).status_code == 401
    assert refresh(client, application, rotated["refresh_token"]).status_code == 400
    assert not AccessToken.objects.exists()
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.TOKEN_GRANTED, detail__outcome="code reused, tokens revoked"
    ).exists()


def test_a_code_redeemed_twice_at_once_leaves_no_tokens(client, signed_in, monkeypatch):
    """RFC 6749 4.1.2: of two redemptions racing, the one that finds the code used up by the
    other (after making its own tokens) is refused, and every token of the code is revoked."""
    application = make_client()
    code, verifier = code_for(client, application)
    save_bearer_token = PoliseValidator.save_bearer_token

    def meanwhile_the_other_redemption_uses_the_code(self, token, request, *args, **kwargs):
        save_bearer_token(self, token, request, *args, **kwargs)
        Grant.objects.filter(code=code).delete()

    monkeypatch.setattr(
        PoliseValidator, "save_bearer_token", meanwhile_the_other_redemption_uses_the_code
    )
    response = exchange(client, application, code, verifier)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()


def test_a_code_reused_by_another_client_revokes_nothing(client, signed_in):
    """RFC 6749 4.1.3: a code is bound to its client; another client presenting it is refused
    and cannot make the rightful client's tokens die."""
    application, intruder = make_client(), make_client()
    code, verifier = code_for(client, application)
    tokens = exchange(client, application, code, verifier).json()
    assert exchange(client, intruder, code, verifier).status_code == 400
    assert client.get("/oauth/userinfo/", **_bearer(tokens["access_token"])).status_code == 200


# -- 6. PKCE verifier format ----------------------------------------------------------------


def _code_for_verifier(client, application, verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    response = authorize(client, application, challenge=challenge)
    return query_of(response["Location"])["code"]


@pytest.mark.parametrize(
    "verifier", ["abc", "v" * 42, "v" * 129, "v" * 42 + "!", "v" * 42 + " "], ids=len
)
def test_a_code_verifier_outside_rfc_7636_is_refused(client, signed_in, verifier):
    """RFC 7636 4.1: `code_verifier` is 43 to 128 characters of [A-Z] [a-z] [0-9] "-" "." "_"
    "~"; one that is not is refused even when its S256 hash matches the challenge."""
    application = make_client()
    code = _code_for_verifier(client, application, verifier)
    response = exchange(client, application, code, verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert not AccessToken.objects.exists()


@pytest.mark.parametrize("verifier", ["A-._~" + "v" * 38, "v" * 128], ids=len)
def test_code_verifiers_at_the_bounds_are_accepted(client, signed_in, verifier):
    """RFC 7636 4.1: 43 and 128 characters, every unreserved character allowed."""
    application = make_client()
    code = _code_for_verifier(client, application, verifier)
    assert exchange(client, application, code, verifier).status_code == 200


# -- 7. only what is used: RS256, no request objects, GET and POST --------------------------


def test_discovery_advertises_only_what_is_used(client):
    """OIDC Discovery 3: ID tokens are signed with RS256 only; request objects are not
    supported, which must be said (`request_uri_parameter_supported` defaults to true)."""
    doc = client.get("/.well-known/openid-configuration").json()
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["request_parameter_supported"] is False
    assert doc["request_uri_parameter_supported"] is False


def test_a_client_set_to_another_signing_algorithm_gets_no_code(client, signed_in):
    """OIDC Core 3.1.2.6 (RFC 6749 4.1.2.1 `unauthorized_client`): an ID token would be signed
    with an algorithm discovery does not offer, so no code is issued to such a client."""
    application = make_client(algorithm=Application.HS256_ALGORITHM)
    _verifier, challenge = pkce_pair()
    response = authorize(client, application, challenge=challenge)
    params = query_of(response["Location"])
    assert params["error"] == "unauthorized_client" and "code" not in params
    assert params["state"] == "st4te"


def test_clients_saved_without_an_algorithm_sign_with_rs256_from_the_upgrade_on():
    """The upgrade's data migration: a client saved with no algorithm (which could never get an
    ID token) signs with RS256; one set to HS256 stays as it was, and gets no code."""
    migration = importlib.import_module("polise.sso.migrations.0004_clients_sign_with_rs256")
    unset = make_client(algorithm=Application.NO_ALGORITHM)
    hs256 = make_client(algorithm=Application.HS256_ALGORITHM)
    migration.no_algorithm_to_rs256(django_apps, None)
    unset.refresh_from_db()
    hs256.refresh_from_db()
    assert unset.algorithm == Application.RS256_ALGORITHM
    assert hs256.algorithm == Application.HS256_ALGORITHM


def test_the_admin_offers_only_rs256_for_id_tokens(client):
    """OIDC Discovery 3: what is advertised is what a client can be set to."""
    client.force_login(make_user(is_staff=True, is_superuser=True))
    page = client.get("/admin/oauth2_provider/application/add/").content.decode()
    assert 'value="RS256"' in page
    assert 'value="HS256"' not in page


@pytest.mark.parametrize(
    ("parameter", "error"),
    [
        ("request", "request_not_supported"),
        ("request_uri", "request_uri_not_supported"),
    ],
)
def test_request_objects_are_answered_not_ignored(client, signed_in, parameter, error):
    """OIDC Core 6.1, 6.2 and 3.1.2.6: an OP that does not support `request` / `request_uri`
    answers `request_not_supported` / `request_uri_not_supported` to the redirect URI."""
    _verifier, challenge = pkce_pair()
    values = {
        "request": "eyJhbGciOiJub25lIn0.eyJzY29wZSI6Im9wZW5pZCJ9.",  # an unsigned request object
        "request_uri": "https://rp.example.go.id/request.jwt",
    }
    response = authorize(
        client, make_client(), challenge=challenge, **{parameter: values[parameter]}
    )
    assert response["Location"].startswith(REDIRECT)
    params = query_of(response["Location"])
    assert params["error"] == error and params["state"] == "st4te"
    assert "code" not in params


def _authorization_params(application, challenge: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "st4te",
        "nonce": "n0nce",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }


def test_the_authorization_request_may_come_by_post(signed_in):
    """OIDC Core 3.1.2.1: the Authorization Endpoint MUST support GET and POST; a POST is a
    form-encoded request from the relying party's page (no CSRF token of Polise's)."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(signed_in)
    application = make_client()
    verifier, challenge = pkce_pair()
    response = browser.post("/oauth/authorize/", _authorization_params(application, challenge))
    assert response.status_code == 302
    params = query_of(response["Location"])
    assert params["state"] == "st4te"
    tokens = exchange(browser, application, params["code"], verifier).json()
    assert verify(browser, tokens["id_token"], application.client_id)["nonce"] == "n0nce"


def test_a_post_authorization_request_without_a_session_signs_in_first(client):
    """OIDC Core 3.1.2.3: the user is authenticated first; the request (sent by POST) is kept
    whole for after the sign-in."""
    user = make_user(password=PASSWORD)
    application = make_client()
    _verifier, challenge = pkce_pair()
    to_login = client.post("/oauth/authorize/", _authorization_params(application, challenge))
    assert to_login["Location"].startswith("/login/?")
    back = client.post(
        "/login/",
        {
            "username": user.username,
            "password": PASSWORD,
            "next": query_of(to_login["Location"])["next"],
        },
    )
    answer = client.get(back["Location"])
    assert "code" in query_of(answer["Location"])


def test_the_consent_answer_still_needs_the_pages_csrf_token(signed_in):
    """The consent form is Polise's own page: only its own form (with the CSRF token) can give
    consent, though the authorization endpoint itself takes cross-site POSTs."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(signed_in)
    application = make_client(first_party=False)
    _verifier, challenge = pkce_pair()
    page = browser.get("/oauth/authorize/", _authorization_params(application, challenge))
    assert page.status_code == 200
    form = page.context["form"]
    answer = {name: value for name, value in form.initial.items() if value is not None}
    action = "/oauth/authorize/consent/"
    assert f'action="{action}"' in page.content.decode()
    assert browser.post(action, {**answer, "allow": "Authorize"}).status_code == 403
    token = browser.cookies["csrftoken"].value
    allowed = browser.post(action, {**answer, "allow": "Authorize", "csrfmiddlewaretoken": token})
    assert allowed.status_code == 302 and "code" in query_of(allowed["Location"])


# -- 8. iss in the authorization response -----------------------------------------------------


def test_every_authorization_response_names_the_issuer(client, signed_in):
    """RFC 9207 section 2: authorization responses, error responses included, carry `iss`,
    and discovery says so (`authorization_response_iss_parameter_supported`, section 3)."""
    issuer = _issuer(client)
    doc = client.get("/.well-known/openid-configuration").json()
    assert doc["authorization_response_iss_parameter_supported"] is True
    _verifier, challenge = pkce_pair()

    success = query_of(authorize(client, make_client(), challenge=challenge)["Location"])
    assert "code" in success and success["iss"] == issuer
    no_pkce = query_of(authorize(client, make_client())["Location"])
    assert no_pkce["error"] == "invalid_request" and no_pkce["iss"] == issuer
    third_party = make_client(first_party=False)
    silent = authorize(client, third_party, challenge=challenge, prompt="none")
    assert query_of(silent["Location"])["iss"] == issuer
    anonymous = Client()
    signed_out = authorize(anonymous, make_client(), challenge=challenge, prompt="none")
    assert query_of(signed_out["Location"]) == {
        "error": "login_required",
        "state": "st4te",
        "iss": issuer,
    }


# -- 9. RP-initiated logout with someone else's hint ------------------------------------------


def _logout_with(browser, id_token: str):
    return browser.get(
        "/oauth/logout/",
        {"id_token_hint": id_token, "post_logout_redirect_uri": "https://rp.example.go.id/bye"},
    )


def test_a_hint_from_the_same_users_other_session_asks_before_signing_out(client):
    """OIDC RP-Initiated Logout 1.0 section 2: the OP MUST ask the user when the ID token does
    not belong to the current OP session; the session ends only once the user confirms."""
    user = make_user()
    application = make_client(post_logout_redirect_uri="https://rp.example.go.id/bye")
    office = Client()
    office.force_login(user)
    office_token = _tokens(office, application)["id_token"]
    client.force_login(user)
    _tokens(client, application)
    here = SignInSession.objects.get(user=user, sid=client.session["polise_sid"])

    asked = _logout_with(client, office_token)
    assert asked.status_code == 200
    assert b'name="allow"' in asked.content
    assert not SignInSession.objects.filter(ended_at__isnull=False).exists()

    form = asked.context["form"]
    answer = {name: value for name, value in form.initial.items() if value is not None}
    confirmed = client.post("/oauth/logout/", {**answer, "allow": "Logout"})
    assert confirmed.status_code == 302
    assert confirmed["Location"].startswith("https://rp.example.go.id/bye")
    here.refresh_from_db()
    assert here.ended_at is not None
    assert not Session.objects.filter(session_key=here.session_key).exists()


def test_a_hint_of_another_user_asks_before_signing_out(client):
    """OIDC RP-Initiated Logout 1.0 section 2: the OP MUST ask when the ID token does not
    belong to the currently signed-in user."""
    application = make_client(post_logout_redirect_uri="https://rp.example.go.id/bye")
    other = Client()
    other.force_login(make_user())
    their_token = _tokens(other, application)["id_token"]
    client.force_login(make_user())
    _tokens(client, application)
    asked = _logout_with(client, their_token)
    assert asked.status_code == 200 and b'name="allow"' in asked.content
    assert not SignInSession.objects.filter(ended_at__isnull=False).exists()


def test_the_current_sessions_own_hint_signs_out_without_asking(client):
    """OIDC RP-Initiated Logout 1.0 section 2: a hint of the current session needs no question."""
    user = make_user()
    application = make_client(post_logout_redirect_uri="https://rp.example.go.id/bye")
    client.force_login(user)
    tokens = _tokens(client, application)
    response = _logout_with(client, tokens["id_token"])
    assert response.status_code == 302
    assert SignInSession.objects.get(user=user).ended_at is not None
