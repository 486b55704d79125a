"""Small helpers for SSO tests: OIDC clients, PKCE pairs, and a browser made of httpx."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx
from oauth2_provider.models import Application

from polise.sso.models import ClientProfile

SECRET = "s3cret-" + "x" * 40


def make_client(
    *,
    redirect_uri: str = "https://rp.example.go.id/callback",
    first_party: bool = True,
    app=None,
    backchannel_logout_uri: str = "",
    post_logout_redirect_uri: str = "",
    client_id: str | None = None,
    algorithm: str = Application.RS256_ALGORITHM,
) -> Application:
    application = Application.objects.create(
        name=f"RP {secrets.token_hex(3)}",
        client_id=client_id or secrets.token_hex(8),
        client_secret=SECRET,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect_uri,
        post_logout_redirect_uris=post_logout_redirect_uri,
        algorithm=algorithm,
        skip_authorization=first_party,
    )
    ClientProfile.objects.create(
        application=application, app=app, backchannel_logout_uri=backchannel_logout_uri
    )
    return application


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    return verifier, challenge.decode()


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


class Browser:
    """Cookies, no JavaScript: enough to sign in through Polise's forms against a live server."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")
        # No keep-alive: the live server's request thread (and its database connection) then
        # ends with each response instead of outliving the test database.
        self.http = httpx.Client(
            follow_redirects=False, timeout=20, headers={"Connection": "close"}
        )

    def get(self, url: str, **kw) -> httpx.Response:
        return self.http.get(url if "://" in url else self.base + url, **kw)

    def login(self, username: str, password: str, next_url: str = "") -> httpx.Response:
        page = self.get("/login/", params={"next": next_url} if next_url else None)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return self.http.post(
            self.base + "/login/",
            data={
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": password,
                "next": next_url,
            },
            headers={"Referer": self.base + "/login/"},
        )

    def follow_to(self, url: str, stop_prefix: str, limit: int = 10) -> str:
        """Follow redirects from `url` until one leaves for `stop_prefix`; return that URL."""
        for _ in range(limit):
            response = self.get(url)
            location = response.headers.get("location")
            if location is None:
                raise AssertionError(f"{url} answered {response.status_code} without a redirect")
            url = location if "://" in location else self.base + location
            if url.startswith(stop_prefix):
                return url
        raise AssertionError("too many redirects")
