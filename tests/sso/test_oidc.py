"""The OpenID Connect provider, driven through Django's test client: the happy path and every
way a relying party or an attacker can get it wrong."""

from __future__ import annotations

import json
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.utils import timezone
from oauth2_provider.models import RefreshToken

from polise.catalog.models import AccessPolicy
from polise.sso.models import SignInSession
from tests.factories import make_app, make_user
from tests.sso.helpers import SECRET, make_client, pkce_pair, query_of

pytestmark = pytest.mark.django_db
REDIRECT = "https://rp.example.go.id/callback"


def authorize(client, application, *, challenge="", method="S256", **extra):
    params = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile email groups",
        "state": "st4te",
        "nonce": "n0nce",
        **({"code_challenge": challenge, "code_challenge_method": method} if challenge else {}),
        **extra,
    }
    return client.get("/oauth/authorize/", params)


def exchange(client, application, code, verifier, redirect_uri=REDIRECT):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": application.client_id,
        "client_secret": SECRET,
    }
    if verifier is not None:
        data["code_verifier"] = verifier
    return client.post("/oauth/token/", data)


def refresh(client, application, token):
    return client.post(
        "/oauth/token/",
        {
            "grant_type": "refresh_token",
            "refresh_token": token,
            "client_id": application.client_id,
            "client_secret": SECRET,
        },
    )


def jwks(client):
    return jwt.PyJWKSet.from_dict(client.get("/oauth/jwks/").json())


def verify(client, token, audience):
    header = jwt.get_unverified_header(token)
    key = next(k for k in jwks(client).keys if k.key_id == header["kid"])
    return jwt.decode(
        token, key.key, algorithms=["RS256"], audience=audience, issuer=settings.BASE_URL
    )


def code_for(client, application):
    verifier, challenge = pkce_pair()
    response = authorize(client, application, challenge=challenge)
    assert response.status_code == 302, response.content[:500]
    params = query_of(response["Location"])
    assert params["state"] == "st4te"
    return params["code"], verifier


def test_discovery_names_the_configured_issuer_and_only_safe_choices(client):
    doc = client.get("/.well-known/openid-configuration").json()
    assert doc["issuer"] == settings.BASE_URL
    assert doc["authorization_endpoint"] == settings.BASE_URL + "/oauth/authorize/"
    assert doc["jwks_uri"] == settings.BASE_URL + "/oauth/jwks/"
    assert doc["end_session_endpoint"] == settings.BASE_URL + "/oauth/logout/"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["response_types_supported"] == ["code"]
    assert doc["backchannel_logout_supported"] and doc["backchannel_logout_session_supported"]
    assert {"sub", "groups", "sid", "auth_time"} <= set(doc["claims_supported"])
    assert "RS256" in doc["id_token_signing_alg_values_supported"]


def test_code_flow_issues_a_short_id_token_with_the_real_session(client, signed_in):
    application = make_client()
    code, verifier = code_for(client, application)
    body = exchange(client, application, code, verifier).json()
    claims = verify(client, body["id_token"], application.client_id)
    session = SignInSession.objects.get(user=signed_in)
    assert claims["sub"] == str(signed_in.pk)
    assert claims["name"] == "Sari Dewi"
    assert claims["preferred_username"] == signed_in.username
    assert claims["email"] == signed_in.email
    assert claims["groups"] == ["diskominfo"]
    assert claims["nonce"] == "n0nce"
    assert claims["sid"] == session.sid
    assert claims["auth_time"] == int(session.auth_time.timestamp())
    # oauthlib stamps iat and DOT exp a moment apart: on a busy machine, a second apart.
    assert claims["exp"] - claims["iat"] - settings.OIDC_ID_TOKEN_SECONDS in (0, 1)
    assert settings.OIDC_ID_TOKEN_SECONDS <= 600
    # The session now knows it signed into this client (for back-channel logout).
    assert list(session.clients.values_list("application", flat=True)) == [application.pk]


def test_userinfo_introspection_and_revocation(client, signed_in):
    application = make_client()
    code, verifier = code_for(client, application)
    body = exchange(client, application, code, verifier).json()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {body['access_token']}"}
    info = client.get("/oauth/userinfo/", **bearer).json()
    assert info["preferred_username"] == signed_in.username and info["groups"] == ["diskominfo"]

    basic = {"HTTP_AUTHORIZATION": "Basic " + _basic(application.client_id, SECRET)}
    live = client.post("/oauth/introspect/", {"token": body["access_token"]}, **basic).json()
    assert live["active"] is True and live["username"] == signed_in.username

    revoked = client.post(
        "/oauth/revoke/",
        {
            "token": body["access_token"],
            "client_id": application.client_id,
            "client_secret": SECRET,
        },
    )
    assert revoked.status_code == 200
    dead = client.post("/oauth/introspect/", {"token": body["access_token"]}, **basic).json()
    assert dead["active"] is False
    assert client.get("/oauth/userinfo/", **bearer).status_code == 401


def _basic(user: str, password: str) -> str:
    import base64

    return base64.b64encode(f"{user}:{password}".encode()).decode()


# -- PKCE, redirect URI, codes ----------------------------------------------------------------


def test_authorization_without_pkce_is_refused(client, signed_in):
    response = authorize(client, make_client())
    assert response.status_code == 302
    params = query_of(response["Location"])
    assert params["error"] == "invalid_request" and "code" not in params


def test_plain_pkce_method_is_refused(client, signed_in):
    verifier, _challenge = pkce_pair()
    response = authorize(client, make_client(), challenge=verifier, method="plain")
    assert "code=" not in response.get("Location", "")


@pytest.mark.parametrize("verifier", [None, "wrong-" + "v" * 50])
def test_token_exchange_needs_the_right_verifier(client, signed_in, verifier):
    application = make_client()
    code, _right = code_for(client, application)
    response = exchange(client, application, code, verifier)
    assert response.status_code == 400
    assert response.json()["error"] in {"invalid_grant", "invalid_request"}
    assert "id_token" not in response.json()


def test_redirect_uri_must_match_exactly(client, signed_in):
    application = make_client()
    _verifier, challenge = pkce_pair()
    for wrong in (REDIRECT + "/evil", REDIRECT + "?x=1", "https://evil.example.com/callback"):
        response = authorize(client, application, challenge=challenge, redirect_uri=wrong)
        assert response.status_code == 400, wrong
        assert "Location" not in response


def test_token_exchange_checks_the_redirect_uri_too(client, signed_in):
    application = make_client(redirect_uri=f"{REDIRECT} https://rp.example.go.id/other")
    code, verifier = code_for(client, application)
    response = exchange(client, application, code, verifier, "https://rp.example.go.id/other")
    assert response.status_code == 400


def test_a_code_works_once(client, signed_in):
    application = make_client()
    code, verifier = code_for(client, application)
    assert exchange(client, application, code, verifier).status_code == 200
    again = exchange(client, application, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_a_code_dies_with_its_session(client, signed_in):
    application = make_client()
    code, verifier = code_for(client, application)
    client.post("/logout/")
    assert exchange(client, application, code, verifier).status_code == 400


# -- refresh tokens -------------------------------------------------------------------------


def test_refresh_rotates_keeps_sid_and_reuse_revokes_the_family(client, signed_in):
    application = make_client()
    code, verifier = code_for(client, application)
    first = exchange(client, application, code, verifier).json()
    second = refresh(client, application, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    sid = SignInSession.objects.get(user=signed_in).sid
    assert verify(client, second["id_token"], application.client_id)["sid"] == sid

    replay = refresh(client, application, first["refresh_token"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # Reuse means theft: the newest token of the family dies as well.
    assert refresh(client, application, second["refresh_token"]).status_code == 400
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()


def test_refresh_stops_when_the_policy_no_longer_lets_the_user_in(client, signed_in):
    app = make_app()
    application = make_client(app=app)
    code, verifier = code_for(client, application)
    tokens = exchange(client, application, code, verifier).json()
    AccessPolicy.objects.create(app=app, audience=AccessPolicy.Audience.LISTED)
    assert refresh(client, application, tokens["refresh_token"]).status_code == 400


# -- ID token integrity, keys -----------------------------------------------------------------


def test_tampered_and_expired_id_tokens_do_not_verify(client, signed_in):
    application = make_client()
    code, verifier = code_for(client, application)
    token = exchange(client, application, code, verifier).json()["id_token"]
    header, payload, signature = token.split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims["sub"] = "999999"
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    with pytest.raises(jwt.InvalidSignatureError):
        verify(client, f"{header}.{forged}.{signature}", application.client_id)
    with pytest.raises(jwt.InvalidAudienceError):
        verify(client, token, "another-client")
    key = next(iter(jwks(client).keys))
    # As the relying party sees it once the short lifetime has passed.
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=application.client_id,
            leeway=-(settings.OIDC_ID_TOKEN_SECONDS + 1),
            options={"verify_iat": False},
        )


def test_rotation_keeps_tokens_of_the_retired_key_verifiable(client, signed_in, settings):
    from polise.sso.keys import generate_rsa_pem

    application = make_client()
    code, verifier = code_for(client, application)
    old_token = exchange(client, application, code, verifier).json()["id_token"]
    old_pem = settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_RSA_PRIVATE_KEY": generate_rsa_pem(),
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [old_pem],
    }
    kids = [k.key_id for k in jwks(client).keys]
    assert len(kids) == 2
    assert verify(client, old_token, application.client_id)["sub"] == str(signed_in.pk)
    code, verifier = code_for(client, application)
    new_token = exchange(client, application, code, verifier).json()["id_token"]
    assert jwt.get_unverified_header(new_token)["kid"] == kids[0] != kids[1]
    assert verify(client, new_token, application.client_id)["sub"] == str(signed_in.pk)


# -- prompt, max_age, consent, policy -------------------------------------------------------


def test_prompt_none_without_a_session_answers_login_required(client):
    application = make_client()
    _v, challenge = pkce_pair()
    response = authorize(client, application, challenge=challenge, prompt="none")
    assert response["Location"].startswith(REDIRECT)
    assert query_of(response["Location"])["error"] == "login_required"


def test_prompt_none_with_a_session_signs_in_silently(client, signed_in):
    _v, challenge = pkce_pair()
    response = authorize(client, make_client(), challenge=challenge, prompt="none")
    assert "code" in query_of(response["Location"])


def test_prompt_none_for_a_third_party_app_without_consent_answers_consent_required(
    client, signed_in
):
    _v, challenge = pkce_pair()
    response = authorize(client, make_client(first_party=False), challenge=challenge, prompt="none")
    assert query_of(response["Location"])["error"] == "consent_required"


def test_prompt_login_asks_for_the_password_again(client, signed_in):
    _v, challenge = pkce_pair()
    response = authorize(client, make_client(), challenge=challenge, prompt="login")
    assert response["Location"].startswith("/login/?")
    login = query_of(response["Location"])
    assert login["prompt"] == "login" and "prompt" not in query_of(login["next"])
    page = client.get(response["Location"])
    assert page.status_code == 200 and b'name="password"' in page.content


def test_max_age_exceeded_asks_for_the_password_again(client, signed_in):
    application = make_client()
    code_for(client, application)  # creates the sign-in session
    SignInSession.objects.update(auth_time=timezone.now() - timedelta(minutes=10))
    _v, challenge = pkce_pair()
    response = authorize(client, application, challenge=challenge, max_age="60")
    assert response["Location"].startswith("/login/?")
    silent = authorize(client, application, challenge=challenge, max_age="60", prompt="none")
    assert query_of(silent["Location"])["error"] == "login_required"
    fresh = authorize(client, application, challenge=challenge, max_age="3600")
    assert "code" in query_of(fresh["Location"])


def test_consent_is_shown_for_other_apps_and_skipped_for_the_offices_own(client, signed_in):
    _v, challenge = pkce_pair()
    own = authorize(client, make_client(first_party=True), challenge=challenge)
    assert own.status_code == 302 and "code" in query_of(own["Location"])
    other = authorize(client, make_client(first_party=False), challenge=challenge)
    assert other.status_code == 200
    assert b'id="authorizationForm"' in other.content


def test_a_user_outside_the_apps_policy_cannot_sign_in_to_it(client, signed_in):
    app = make_app(name="SIMPEG")
    policy = AccessPolicy.objects.create(app=app, audience=AccessPolicy.Audience.LISTED)
    application = make_client(app=app)
    _v, challenge = pkce_pair()
    denied = authorize(client, application, challenge=challenge)
    assert denied.status_code == 403 and b"SIMPEG" in denied.content
    silent = authorize(client, application, challenge=challenge, prompt="none")
    assert query_of(silent["Location"])["error"] == "access_denied"
    policy.units.add(signed_in.org_units.get())
    allowed = authorize(client, application, challenge=challenge)
    assert "code" in query_of(allowed["Location"])


def test_signing_in_again_for_prompt_login_keeps_the_sid_and_renews_auth_time(client):
    user = make_user(password="a-long-passphrase-1")
    client.post("/login/", {"username": user.username, "password": "a-long-passphrase-1"})
    application = make_client()
    code_for(client, application)
    before = SignInSession.objects.get(user=user)
    SignInSession.objects.update(auth_time=before.auth_time - timedelta(hours=1))
    _v, challenge = pkce_pair()
    to_login = authorize(client, application, challenge=challenge, prompt="login")
    login = query_of(to_login["Location"])
    back = client.post(
        "/login/",
        {
            "username": user.username,
            "password": "a-long-passphrase-1",
            "next": login["next"],
            "prompt": "login",
        },
    )
    assert back["Location"] == login["next"]
    code_response = client.get(back["Location"])
    assert "code" in query_of(code_response["Location"])
    after = SignInSession.objects.get(user=user)
    assert after.sid == before.sid
    assert after.auth_time > before.auth_time - timedelta(minutes=1)
