"""django-oauth-toolkit is pinned because polise/sso/oidc.py overrides its methods (private ones
among them) and leans on the order in which it and oauthlib call them. These tests fail when an
upgrade changes any of that code, so that someone reads the new code before Polise runs on it.

After such a review: adapt polise/sso/oidc.py, then put the fingerprints the failure prints
into FINGERPRINTS (and the new version into pyproject.toml)."""

from __future__ import annotations

import hashlib
import inspect
import re
import textwrap
import tomllib
from importlib.metadata import version
from pathlib import Path

from oauth2_provider import oauth2_backends
from oauth2_provider.views import base as dot_base
from oauth2_provider.views import metadata as dot_metadata
from oauth2_provider.views import oidc as dot_oidc
from oauthlib.oauth2.rfc6749.grant_types import authorization_code, base

from polise.sso import oidc

TOOLKITS = {"oauth2_provider", "oauthlib"}
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

# Called by Polise's code or relied on for the order of calls, without being overridden.
RELIED_ON = {
    "ServerMetadataViewMixin._get_endpoint_url": dot_metadata.ServerMetadataViewMixin,
    "OAuthLibCore.extract_body": oauth2_backends.OAuthLibCore,
    "OAuthLibCore.extract_headers": oauth2_backends.OAuthLibCore,
    "OAuthLibCore.create_authorization_response": oauth2_backends.OAuthLibCore,
    "BaseAuthorizationView.error_response": dot_base.BaseAuthorizationView,
    "AuthorizationView.form_valid": dot_base.AuthorizationView,
    "TokenView.authorization_flow_token_response": dot_base.TokenView,
    "RPInitiatedLogoutView.get": dot_oidc.RPInitiatedLogoutView,
    "RPInitiatedLogoutView.form_valid": dot_oidc.RPInitiatedLogoutView,
    "RPInitiatedLogoutView.validate_logout_request": dot_oidc.RPInitiatedLogoutView,
    # oauthlib: validate_code before PKCE; the default redirect URI; tokens saved before the
    # code is invalidated (so a code redeemed twice at once revokes both redemptions' tokens).
    "AuthorizationCodeGrant.validate_token_request": authorization_code.AuthorizationCodeGrant,
    "AuthorizationCodeGrant.create_token_response": authorization_code.AuthorizationCodeGrant,
    "GrantTypeBase._handle_redirects": base.GrantTypeBase,
}

FINGERPRINTS = {
    "AuthorizationCodeGrant.create_token_response": "990d241896656441",
    "AuthorizationCodeGrant.validate_token_request": "aa7d0db8b0014b52",
    "AuthorizationView.form_valid": "f0ac91a25272a2d1",
    "AuthorizationView.get": "9ece12446fff70ed",
    "AuthorizationView.handle_no_permission": "cba39642606073c4",
    "AuthorizationView.handle_prompt_login": "de3b72813cda95ad",
    "BaseAuthorizationView.dispatch": "d12f399ffc6893e3",
    "BaseAuthorizationView.error_response": "528ac34b6cd4e60b",
    "BaseAuthorizationView.redirect": "0dbde55149fe4819",
    "ConnectDiscoveryInfoView.get": "f5110c7d4b7fc6d0",
    "GrantTypeBase._handle_redirects": "258592d95a97335d",
    "OAuth2Validator._create_authorization_code": "d97f590e8cae82e0",
    "OAuth2Validator._create_refresh_token": "e2911d09adcff86e",
    "OAuth2Validator.get_additional_claims": "7d0dbaa0f2a82b44",
    "OAuth2Validator.get_default_redirect_uri": "d4830dfab008387d",
    "OAuth2Validator.get_discovery_claims": "a7f7fc72a49f3612",
    "OAuth2Validator.get_id_token_dictionary": "1a6276559c11e744",
    "OAuth2Validator.invalidate_authorization_code": "306a3454edd13536",
    "OAuth2Validator.save_bearer_token": "72f0ba148a6e540b",
    "OAuth2Validator.validate_code": "b45640a630a99f77",
    "OAuth2Validator.validate_refresh_token": "4996c2a32eb6d50d",
    "OAuth2Validator.validate_response_type": "2d20a7ee4212e3fa",
    "OAuthLibCore.create_authorization_response": "12a51aa1bbbcb932",
    "OAuthLibCore.extract_body": "6e067577d980483d",
    "OAuthLibCore.extract_headers": "fb5ce12422119a89",
    "OAuthLibMixin.create_authorization_response": "2ff7c66fd1a52e7c",
    "RPInitiatedLogoutView.do_logout": "c5a0f29862d9d28a",
    "RPInitiatedLogoutView.form_valid": "03c07ee4d285aad2",
    "RPInitiatedLogoutView.get": "9046b9ede9eae4c8",
    "RPInitiatedLogoutView.must_prompt": "e24748c45e4fd143",
    "RPInitiatedLogoutView.validate_logout_request": "62b61bede20262dc",
    "RPInitiatedLogoutView.validate_logout_request_user": "77fe85f0898303bf",
    "RequestValidator.validate_silent_authorization": "8b419daa057d0fb6",
    "RequestValidator.validate_silent_login": "aba3da3fcd8c1730",
    "ServerMetadataViewMixin._get_endpoint_url": "1d8ef0994769aca5",
    "TokenView.authorization_flow_token_response": "df39653f39d61323",
    "TokenView.post": "aa38638a471e6d9e",
}


def _fingerprint(function) -> str:
    source = textwrap.dedent(inspect.getsource(function))
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def _overridden() -> dict[str, object]:
    """Every django-oauth-toolkit method a class in polise.sso.oidc defines again, by the name
    of the toolkit class it comes from."""
    found: dict[str, object] = {}
    for cls in vars(oidc).values():
        if not inspect.isclass(cls) or cls.__module__ != oidc.__name__:
            continue
        for name, member in vars(cls).items():
            if not inspect.isfunction(member):
                continue
            parent = next((p for p in cls.__mro__[1:] if name in vars(p)), None)
            if parent is not None and parent.__module__.split(".")[0] in TOOLKITS:
                found[f"{parent.__qualname__}.{name}"] = vars(parent)[name]
    return found


def _current() -> dict[str, str]:
    functions = _overridden()
    for key, owner in RELIED_ON.items():
        functions[key] = vars(owner)[key.rsplit(".", 1)[1]]
    return {key: _fingerprint(function) for key, function in sorted(functions.items())}


def test_the_installed_toolkit_is_the_pinned_one():
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    pins = [d for d in dependencies if re.match(r"django-oauth-toolkit\b", d)]
    assert len(pins) == 1 and "==" in pins[0], f"django-oauth-toolkit must be pinned: {pins}"
    assert version("django-oauth-toolkit") == pins[0].split("==", 1)[1]


def test_the_overridden_and_relied_on_code_is_what_polise_was_written_against():
    current = _current()
    changed = {key: value for key, value in current.items() if FINGERPRINTS.get(key) != value}
    gone = sorted(set(FINGERPRINTS) - set(current))
    assert not changed and not gone, (
        "django-oauth-toolkit (or oauthlib) code that polise/sso/oidc.py overrides or relies "
        f"on changed: {sorted(changed)}; no longer overridden: {gone}. Read the new code, "
        "adapt polise/sso/oidc.py, then record:\nFINGERPRINTS = " + repr(current)
    )


def test_the_overrides_found_include_the_private_ones():
    """The search above sees what it must: the private methods oidc.py overrides."""
    overridden = _overridden()
    assert "OAuth2Validator._create_authorization_code" in overridden
    assert "OAuth2Validator._create_refresh_token" in overridden
