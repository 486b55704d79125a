"""The provider's two pages a user answers, in Chromium at phone and desktop width: the consent
page of an app not run by the office, and the question before an app signs the user out with
another session's ID token. Both are answered with the keyboard alone."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.browser import DESKTOP, PHONE, assert_accessible, assert_fits
from tests.factories import make_user
from tests.sso.helpers import make_client, pkce_pair
from tests.sso.test_oidc import code_for, exchange

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.service("chromium")]
PASSWORD = "a-long-passphrase-1"


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    assert "/login/" not in page.url, page.url


def _check_at_both_widths(page) -> None:
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        assert_accessible(page)
        assert_fits(page)


def _answer_with_keyboard(page, selector: str) -> None:
    """Tab to the control (as a keyboard user does, from the top of the page) and press it."""
    target = page.locator(selector)
    for _ in range(30):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            page.keyboard.press("Enter")
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def test_consent_and_the_logout_question_work_by_keyboard_on_phone_and_desktop(page, live_base):
    user = make_user(password=PASSWORD)
    _sign_in(page, live_base, user.username)

    callback = f"{live_base}/rp-callback"
    third_party = make_client(redirect_uri=callback, first_party=False)
    _verifier, challenge = pkce_pair()
    query = {
        "response_type": "code",
        "client_id": third_party.client_id,
        "redirect_uri": callback,
        "scope": "openid profile email",
        "state": "st4te",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page.goto(f"{live_base}/oauth/authorize/?{urlencode(query)}")
    assert page.locator("#authorizationForm").is_visible()
    _check_at_both_widths(page)
    _answer_with_keyboard(page, "#authorizationForm button[name=allow]")
    page.wait_for_url(re.compile(r"/rp-callback\?code=.*&iss="))

    # The same user signed in on another device; an app hands this browser that one's token.
    bye = f"{live_base}/rp-signed-out"
    app = make_client(post_logout_redirect_uri=bye)
    elsewhere = Client()
    elsewhere.force_login(user)
    code, verifier = code_for(elsewhere, app)
    hint = exchange(elsewhere, app, code, verifier).json()["id_token"]
    logout = {"id_token_hint": hint, "post_logout_redirect_uri": bye}
    page.goto(f"{live_base}/oauth/logout/?{urlencode(logout)}")
    assert page.locator("button[name=allow]").is_visible()
    _check_at_both_widths(page)
    _answer_with_keyboard(page, "button[name=allow]")
    page.wait_for_url(re.compile(r"/rp-signed-out"))
