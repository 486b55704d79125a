"""Sign in with GitHub through allauth against a GitHub OAuth stand-in: linked by the
developer's GitHub login, never creating accounts, and still asking for the second factor."""

from __future__ import annotations

import re

import httpx
import pytest
from allauth.socialaccount.providers.github.views import GitHubOAuth2Adapter
from django_otp.plugins.otp_totp.models import TOTPDevice

from polise.accounts.models import AuditEvent, User
from polise.sso.models import SignInSession
from tests.factories import make_app, make_developer
from tests.sso.github_oauth import FakeGitHubOAuth

pytestmark = pytest.mark.django_db


@pytest.fixture
def github(settings, monkeypatch):
    fake = FakeGitHubOAuth(client_id="polise-oauth", client_secret="oauth-secret-" + "x" * 20)
    settings.SOCIALACCOUNT_PROVIDERS = {
        "github": {
            "SCOPE": ["read:user"],
            "APPS": [{"client_id": fake.client_id, "secret": fake.client_secret}],
        }
    }
    # allauth reads GITHUB_URL when its module loads; point the adapter at the stand-in.
    for name, path in {
        "web_url": "",
        "api_url": "/api/v3",
        "access_token_url": "/login/oauth/access_token",
        "authorize_url": "/login/oauth/authorize",
        "profile_url": "/api/v3/user",
        "emails_url": "/api/v3/user/emails",
    }.items():
        monkeypatch.setattr(GitHubOAuth2Adapter, name, fake.url + path)
    yield fake
    fake.close()


def sign_in_with_github(client, next_url=""):
    page = client.get("/login/", {"next": next_url} if next_url else {})
    assert b"github-login" in page.content
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    start = client.post(
        "/accounts/github/login/", {"csrfmiddlewaretoken": token.decode(), "next": next_url}
    )
    assert start.status_code == 302, start.content[:300]
    at_github = httpx.get(start["Location"], follow_redirects=False)
    assert at_github.status_code == 302
    callback = at_github.headers["location"]
    assert "/accounts/github/login/callback/" in callback
    return client.get(callback[callback.index("/accounts/") :])


def test_a_developer_signs_in_with_github_as_their_polise_user(client, github):
    developer = make_developer(github_login="octo-dev")  # GitHub logins ignore case
    app = make_app(url="https://simpeg.example.go.id/")
    response = sign_in_with_github(client, next_url=app.url)
    assert response.status_code == 302 and response["Location"] == app.url
    session = SignInSession.objects.get(user=developer.user)
    assert session.method == "github"
    assert client.session["_auth_user_id"] == str(developer.user.pk)
    assert developer.user.socialaccount_set.get().uid == "4242"
    assert User.objects.count() == 1


def test_an_unlinked_github_account_gets_no_account_and_no_session(client, github):
    response = sign_in_with_github(client)
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert not User.objects.exists() and not SignInSession.objects.exists()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.SIGN_IN_FAILED, username="Octo-Dev"
    ).exists()


def test_github_sign_in_still_asks_for_the_second_factor(client, github):
    developer = make_developer(github_login="Octo-Dev")
    TOTPDevice.objects.create(user=developer.user, name="phone", confirmed=True)
    response = sign_in_with_github(client)
    assert response["Location"] == "/login/second-factor/"
    assert "_auth_user_id" not in client.session


def test_the_github_button_is_hidden_when_not_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": []}}
    assert b"github-login" not in client.get("/login/").content
