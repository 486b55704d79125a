"""Forward-auth answers, through Django's view and through the WSGI fast path (same code)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client

from polise.catalog.models import AccessPolicy
from polise.sso import forward_auth
from polise.sso.models import SignInSession
from tests.factories import make_app, make_unit, make_user

pytestmark = pytest.mark.django_db
APP_HOST = "simpeg.example.go.id"


def ask(client, *, cookie=None, host=APP_HOST, uri="/pegawai?id=7", mode=""):
    if cookie is not None:
        client.cookies[settings.FORWARD_AUTH_COOKIE_NAME] = cookie
    return client.get(
        "/forward-auth" + (f"?mode={mode}" if mode else ""),
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_HOST=host,
        HTTP_X_FORWARDED_URI=uri,
        HTTP_X_FORWARDED_METHOD="GET",
    )


@pytest.fixture
def app():
    return make_app(slug="simpeg", url=f"https://{APP_HOST}/")


def signed_in_cookie(client, user) -> str:
    """Sign in through the login page, as a browser would, and return the forward-auth cookie."""
    response = client.post(
        "/login/", {"username": user.username, "password": "a-long-passphrase-1"}
    )
    assert response.status_code == 302, response.content[:300]
    return response.cookies[settings.FORWARD_AUTH_COOKIE_NAME].value


def test_not_signed_in_goes_to_login_and_back_to_the_original_url(client, app):
    response = ask(client)
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(settings.BASE_URL + "/login/?")
    assert parse_qs(urlsplit(location).query)["next"] == [f"https://{APP_HOST}/pegawai?id=7"]
    assert response["Cache-Control"] == "no-store"


def test_nginx_mode_answers_401_instead_of_a_redirect(client, app):
    response = ask(client, mode="nginx")
    assert response.status_code == 401
    assert "Location" not in response
    login = response["X-Polise-Login-Url"]
    assert parse_qs(urlsplit(login).query)["next"] == [f"https://{APP_HOST}/pegawai?id=7"]


def test_a_signed_in_user_passes_with_their_identity_headers(client, app):
    unit = make_unit(slug="bkd")
    user = make_user(password="a-long-passphrase-1", email="budi@example.go.id")
    unit.members.add(user)
    response = ask(client, cookie=signed_in_cookie(client, user))
    assert response.status_code == 200
    assert response["X-Forwarded-User"] == user.username
    assert response["X-Forwarded-Email"] == "budi@example.go.id"
    assert response["X-Forwarded-Groups"] == "bkd"


def test_a_user_outside_the_policy_gets_403_and_a_listed_one_passes(client, app):
    user = make_user(password="a-long-passphrase-1")
    cookie = signed_in_cookie(client, user)
    policy = AccessPolicy.objects.create(app=app, audience=AccessPolicy.Audience.LISTED)
    response = ask(client, cookie=cookie)
    assert response.status_code == 403
    policy.users.add(user)
    from polise.sso import cache

    cache.clear()  # as another worker would after FORWARD_AUTH_CACHE_SECONDS
    assert ask(client, cookie=cookie).status_code == 200


def test_an_unknown_host_is_refused(client, app):
    user = make_user(password="a-long-passphrase-1")
    assert (
        ask(client, cookie=signed_in_cookie(client, user), host="evil.example.com").status_code
        == 403
    )


def test_a_forged_or_foreign_cookie_counts_as_not_signed_in(client, app):
    user = make_user(password="a-long-passphrase-1")
    cookie = signed_in_cookie(client, user)
    sid = signing.Signer(salt="polise.sso.forward-auth").unsign(cookie)
    assert ask(client, cookie=sid + ":forged").status_code == 302
    other_salt = signing.Signer(salt="something-else").sign(sid)
    assert ask(client, cookie=other_salt).status_code == 302
    assert ask(client, cookie="garbage").status_code == 302


def test_signing_out_closes_forward_auth_at_once_in_this_process(client, app):
    user = make_user(password="a-long-passphrase-1")
    cookie = signed_in_cookie(client, user)
    assert ask(client, cookie=cookie).status_code == 200
    client.post("/logout/")
    assert ask(client, cookie=cookie).status_code == 302


def test_a_cached_answer_costs_no_query(client, app, django_assert_num_queries):
    user = make_user(password="a-long-passphrase-1")
    cookie = signed_in_cookie(client, user)
    environ = {
        "HTTP_X_FORWARDED_HOST": APP_HOST,
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_URI": "/",
        "HTTP_COOKIE": f"{settings.FORWARD_AUTH_COOKIE_NAME}={cookie}",
    }
    assert forward_auth.decide(environ)[0] == "200 OK"
    with django_assert_num_queries(0):
        status, headers = forward_auth.decide(environ)
    assert status == "200 OK" and ("X-Forwarded-User", user.username) in headers


def test_a_first_request_costs_the_same_queries_whatever_the_catalog(
    client, app, django_assert_max_num_queries
):
    """A worker loads every host's rule (six queries) and every live session (three, and one
    to note who was seen) whole, so 10,000 users over 200 apps cost it no more than one user
    on one app; a session that started after the load is looked up alone."""
    from polise.sso import cache

    unit = make_unit()
    user = make_user(password="a-long-passphrase-1")
    unit.members.add(user)
    for n in range(40):
        other = make_app(url=f"https://app{n}.example.go.id/")
        AccessPolicy.objects.create(app=other, audience="listed").units.add(unit)
    others = [signed_in_cookie(Client(), make_user(password="a-long-passphrase-1"))
              for _ in range(5)]  # fmt: skip
    cookie = signed_in_cookie(client, user)
    environ = {
        "HTTP_X_FORWARDED_HOST": "app7.example.go.id",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_URI": "/",
        "HTTP_COOKIE": f"{settings.FORWARD_AUTH_COOKIE_NAME}={cookie}",
    }
    cache.clear()
    with django_assert_max_num_queries(6 + 4):
        status, headers = forward_auth.decide(environ)
    assert status == "200 OK" and ("X-Forwarded-Groups", unit.slug) in headers
    environ["HTTP_X_FORWARDED_HOST"] = "app8.example.go.id:443"  # another app, another user
    environ["HTTP_COOKIE"] = f"{settings.FORWARD_AUTH_COOKIE_NAME}={others[0]}"
    with django_assert_max_num_queries(0):
        assert forward_auth.decide(environ)[0] == "403 Forbidden"  # not in the unit
    late = signed_in_cookie(Client(), make_user(password="a-long-passphrase-1"))
    environ["HTTP_COOKIE"] = f"{settings.FORWARD_AUTH_COOKIE_NAME}={late}"
    environ["HTTP_X_FORWARDED_HOST"] = APP_HOST
    with django_assert_max_num_queries(3):
        assert forward_auth.decide(environ)[0] == "200 OK"
    cache.session_table.expires = 0  # the TTL has passed
    with django_assert_max_num_queries(4):
        assert forward_auth.decide(environ)[0] == "200 OK"
    assert len(cache.session_table.rows) == 7


def test_an_expired_session_no_longer_passes(client, app):
    from datetime import timedelta

    from django.utils import timezone

    user = make_user(password="a-long-passphrase-1")
    cookie = signed_in_cookie(client, user)
    SignInSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert ask(client, cookie=cookie).status_code == 302


def test_the_wsgi_dispatcher_sends_only_forward_auth_past_django(app):
    from polise.sso import wsgi

    seen = {}

    def start_response(status, headers):
        seen["status"] = status

    body = wsgi.application(
        {
            "PATH_INFO": "/forward-auth",
            "QUERY_STRING": "mode=nginx",
            "HTTP_X_FORWARDED_HOST": APP_HOST,
        },
        start_response,
    )
    assert seen["status"] == "401 Unauthorized" and list(body) == [b""]


def test_a_sign_out_that_bypasses_polise_still_closes_forward_auth(client, app):
    from django.contrib.sessions.models import Session

    user = make_user(password="a-long-passphrase-1")
    cookie = signed_in_cookie(client, user)
    Session.objects.all().delete()  # e.g. flushed sessions, or an expired one
    assert ask(client, cookie=cookie).status_code == 302


def test_the_admins_sign_out_button_ends_the_sso_session(client):
    admin = make_user(is_staff=True, password="a-long-passphrase-1")
    client.post("/login/", {"username": admin.username, "password": "a-long-passphrase-1"})
    assert client.post("/admin/logout/").status_code == 302
    assert SignInSession.objects.get(user=admin).end_reason == "logout"
