"""Polise's GitHub client with GitHub App auth, against the fake's real JWT check."""

from __future__ import annotations

import pytest

from polise.forge import api, client


@pytest.fixture
def as_app(settings, github_fake):
    settings.GITHUB_API_URL = github_fake.base_url.rstrip("/")
    settings.GITHUB_TOKEN = None
    settings.GITHUB_APP_ID = str(github_fake.app.app_id)
    settings.GITHUB_APP_PRIVATE_KEY = github_fake.app.private_key_pem.decode()
    settings.GITHUB_APP_INSTALLATION_ID = "77"
    client.reset()
    yield github_fake
    client.reset()


def token_requests(fake) -> int:
    return sum(1 for r in fake.requests if r.path.endswith("/access_tokens"))


def test_app_auth_trades_a_jwt_for_an_installation_token_and_reuses_it(as_app):
    as_app.add_repo("diskominfo", "simpeg")
    api.create_issue("diskominfo/simpeg", title="a", body="b")
    api.create_issue("diskominfo/simpeg", title="c", body="d")
    assert token_requests(as_app) == 1
    creators = {issue.user.login for issue in as_app.state.issues("diskominfo", "simpeg")}
    assert creators == {"polise[bot]"}


def test_the_installation_token_is_refreshed_a_minute_before_it_expires(as_app):
    # githubkit keeps a token until a minute before it expires: one that is valid for only a
    # minute is already due, so each call fetches a fresh one (no waiting for a clock).
    as_app.installation_token_ttl = 60
    as_app.add_repo("diskominfo", "simpeg")
    api.get_repo("diskominfo/simpeg")
    assert token_requests(as_app) == 1
    api.get_repo("diskominfo/simpeg")
    assert token_requests(as_app) == 2


def test_missing_credentials_are_a_clear_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.GITHUB_TOKEN = None
    settings.GITHUB_APP_ID = None
    client.reset()
    with pytest.raises(ImproperlyConfigured, match="POLISE_GITHUB_TOKEN"):
        client.github()
    client.reset()
