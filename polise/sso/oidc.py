"""Polise's OpenID Connect provider: django-oauth-toolkit with what it leaves out.

DOT and oauthlib carry the protocol; this module adds, through DOT's extension points, the
parts an office SSO needs: `auth_time` and `sid` from the real sign-in session (the token
endpoint sees no browser, so the code and the refresh-token family remember their session),
`prompt=none` and `max_age`, the catalog app's access policy at sign-in and at refresh, a
discovery document that announces back-channel logout, and an RP-initiated logout that ends
only the signing-out session and reaches every app it signed into.

It also holds Polise to what a strict relying party expects where DOT is lenient: a
`redirect_uri` in every request, only the code and refresh grants, introspection of a client's
own tokens only, a reused code revoking what it gave, RFC 7636 verifiers, RS256 only, no
request objects, authorization by POST, `iss` in every authorization response (RFC 9207), and
a question before an RP-initiated logout with another session's hint. DOT is pinned to the
version whose internals these overrides were written against (tests/sso/test_dot_pin.py).
"""

from __future__ import annotations

import calendar
import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import render, resolve_url
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import View
from jwcrypto.common import base64url_decode
from oauth2_provider import views as dot_views
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import AccessToken, Application
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.common import Request as OAuthlibRequest
from oauthlib.common import urlencode as oauthlib_urlencode
from oauthlib.oauth2.rfc6749 import errors
from oauthlib.openid.connect.core.exceptions import (
    ConsentRequired,
    LoginRequired,
    RequestNotSupported,
    RequestURINotSupported,
)

from polise.accounts.audit import audit_record
from polise.accounts.models import AuditEvent, User
from polise.catalog.access import user_may_open

from . import selectors, services
from .models import ClientProfile, GrantSession, SignInSession, TokenFamilySession

# The scope descriptions live in settings (OAUTH2_PROVIDER["SCOPES"]); listed here so that
# makemessages finds them and the consent page shows them translated.
SCOPE_DESCRIPTIONS = [
    gettext_noop("Sign you in"),
    gettext_noop("Your name and user name"),
    gettext_noop("Your e-mail address"),
    gettext_noop("Your org units and roles"),
]

# The grants discovery offers; the token endpoint takes no other (RFC 6749 5.2).
GRANT_TYPES = ["authorization_code", "refresh_token"]
# RFC 7636 4.1: code-verifier = 43*128 unreserved characters.
PKCE_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
# Carries the re-authentication an authorization request asked for through the sign-in page.
REAUTH_PARAM = "polise_reauth"


def client_app_allows(application: Application, user: User) -> bool:
    """The catalog app's access policy, when the client is linked to one."""
    profile = ClientProfile.objects.filter(application=application).select_related("app").first()
    if profile is None or profile.app is None:
        return user.is_active
    return user_may_open(user=user, app=profile.app)


def client_display_name(application: Application) -> str:
    """The catalog app's name when the client is linked to one (what users know it by)."""
    profile = ClientProfile.objects.filter(application=application).select_related("app").first()
    return profile.app.name if profile is not None and profile.app is not None else application.name


class PoliseValidator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "groups": "groups"}

    # -- the session behind each code and token -------------------------------------------

    def _create_authorization_code(self, request, code, expires=None):
        grant = super()._create_authorization_code(request, code, expires)
        session_id = getattr(request, "polise_session_id", None)
        if session_id is not None:
            session = SignInSession.objects.get(pk=session_id)
            GrantSession.objects.create(grant=grant, session=session)
            services.session_client_record(session=session, application=request.client)
        return grant

    def get_default_redirect_uri(self, client_id, request, *args, **kwargs):
        # OIDC Core 3.1.2.1: every authorization request carries redirect_uri, so every token
        # request repeats it (RFC 6749 4.1.3); no registered URI stands in for a missing one.
        return None

    def validate_response_type(self, client_id, response_type, client, request, *args, **kwargs):
        # ID tokens are signed with RS256 only, as discovery says: no code for a client whose
        # ID tokens would be signed otherwise.
        return client.algorithm == Application.RS256_ALGORITHM and super().validate_response_type(
            client_id, response_type, client, request, *args, **kwargs
        )

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            services.code_tokens_revoke(code=code, application=client)
            return False
        # Checked here, where oauthlib first holds the token request, before it compares the
        # verifier with the challenge (which a short verifier could still match).
        verifier = request.code_verifier
        if verifier is not None and not PKCE_VERIFIER.fullmatch(verifier):
            raise errors.InvalidRequestError(
                description="code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
                request=request,
            )
        link = (
            GrantSession.objects.filter(grant__code=code, grant__application=client)
            .select_related("session")
            .first()
        )
        session = link.session if link else None
        if session is not None and session.ended_at is not None:
            return False  # the user signed out before the app redeemed the code
        request.polise_session = session
        return True

    def _create_refresh_token(
        self, request, refresh_token_code, access_token, previous_refresh_token
    ):
        token = super()._create_refresh_token(
            request, refresh_token_code, access_token, previous_refresh_token
        )
        session = getattr(request, "polise_session", None)
        if session is not None and previous_refresh_token is None:
            services.session_token_family_record(
                session=session, token_family=token.token_family, code=request.code
            )
        return token

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        try:
            super().invalidate_authorization_code(client_id, code, request, *args, **kwargs)
        except errors.InvalidGrantError:
            # The same code redeemed twice at once: the other redemption used it up while this
            # one made its tokens. Both redemptions' tokens go (RFC 6749 4.1.2).
            services.code_tokens_revoke(code=code, application=request.client)
            raise

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        if not valid:
            rt = getattr(request, "refresh_token_instance", None)
            audit_record(
                AuditEvent.Kind.TOKEN_GRANTED,
                user=rt.user if rt is not None else None,
                target=str(client),
                outcome="refresh refused",
            )
            return False
        rt = request.refresh_token_instance
        link = (
            TokenFamilySession.objects.filter(token_family=rt.token_family)
            .select_related("session")
            .first()
        )
        session = link.session if link else None
        if session is not None and session.ended_at is not None:
            return False
        if not rt.user.is_active or not client_app_allows(client, rt.user):
            return False
        request.polise_session = session
        return True

    def save_bearer_token(self, token, request, *args, **kwargs):
        super().save_bearer_token(token, request, *args, **kwargs)
        audit_record(
            AuditEvent.Kind.TOKEN_GRANTED,
            user=request.user,
            target=str(request.client),
            grant_type=request.grant_type,
        )

    # -- claims -----------------------------------------------------------------------------

    def get_additional_claims(self, request):
        user: User = request.user
        return {
            "name": user.display_name,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "preferred_username": user.get_username(),
            "email": user.email,
            "groups": selectors.user_groups(user),
        }

    def get_discovery_claims(self, request):
        return [
            "sub",
            "name",
            "given_name",
            "family_name",
            "preferred_username",
            "email",
            "groups",
            "auth_time",
            "sid",
        ]

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        session: SignInSession | None = getattr(request, "polise_session", None)
        if session is not None:
            claims["auth_time"] = int(session.auth_time.timestamp())
            claims["sid"] = session.sid
        return claims, expiration_time

    # -- prompt=none: the view has checked the browser session before oauthlib asks --------

    def validate_silent_login(self, request):
        return True

    def validate_silent_authorization(self, request):
        return True


def _consent_on_record(user: User, application: Application, scopes: list[str]) -> bool:
    """The same rule DOT's "auto" approval uses: a live token of this app with these scopes."""
    tokens = AccessToken.objects.filter(
        user=user, application=application, expires__gt=timezone.now()
    )
    return any(token.allow_scopes(scopes) for token in tokens)


def _with_issuer(uri: str, issuer: str) -> str:
    """The redirect with `iss` (RFC 9207 section 2), in place of any `iss` it carried."""
    parts = urlsplit(uri)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "iss"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("iss", issuer)])))


def _read_post_as_get(request: HttpRequest) -> None:
    """OIDC Core 3.1.2.1: an authorization request may come by POST, form-encoded. It is the
    same request as by GET, so from here on it is read as one: its parameters in the query,
    where oauthlib, DOT and the way through the sign-in page look for them."""
    query = request.POST.urlencode()
    request.method = request.META["REQUEST_METHOD"] = "GET"
    request.META["QUERY_STRING"] = query
    request.GET = QueryDict(query)
    request.POST = QueryDict()


def _oauth_error(error: errors.OAuth2Error) -> HttpResponse:
    """An error of the token or introspection endpoint (RFC 6749 5.2) as JSON."""
    response = HttpResponse(error.json, status=error.status_code, content_type="application/json")
    response["Cache-Control"] = "no-store"
    if error.status_code == 401:
        response["WWW-Authenticate"] = 'Basic realm="oauth"'
    return response


class AuthorizationView(dot_views.AuthorizationView):
    """The authorization endpoint, by GET or POST. Served without a CSRF check (see
    oauth_urls), as relying parties' pages post to it; the consent page answers through
    ConsentView, which keeps the check."""

    template_name = "sso/authorize.html"
    answers_consent = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and not self.answers_consent:
            _read_post_as_get(request)
        return super().dispatch(request, *args, **kwargs)

    def redirect(self, redirect_to, application):
        issuer = oauth2_settings.oidc_issuer(self.request)
        return super().redirect(_with_issuer(redirect_to, issuer), application)

    def handle_no_permission(self) -> HttpResponse:
        prompt = set(self.request.GET.get("prompt", "").split())
        if prompt & {"none", "create"}:
            return super().handle_no_permission()
        # Signing in now is the fresh sign-in that max_age and prompt=login ask for.
        return self.handle_prompt_login()

    def handle_prompt_login(self) -> HttpResponse:
        """Send the user to a login page that asks for the password even in a live session,
        then back here without the prompt and with a token for the re-authentication asked
        for, so that the sign-in made there satisfies prompt=login and max_age."""
        query = self.request.GET.copy()
        query.pop("prompt", None)
        query[REAUTH_PARAM] = services.reauth_ask(self.request)
        next_url = f"{self.request.path}?{query.urlencode()}"
        login = resolve_url(settings.LOGIN_URL)
        return HttpResponseRedirect(f"{login}?{urlencode({'next': next_url, 'prompt': 'login'})}")

    def refuse(self, error: errors.OAuth2Error, credentials: dict, application) -> HttpResponse:
        """An error response to the client's (validated) redirect URI, with its state."""
        error.state = credentials.get("state")
        return self.error_response(
            OAuthToolkitError(error, redirect_uri=credentials["redirect_uri"]), application
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            _scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        application = Application.objects.get(client_id=credentials["client_id"])
        user: User = request.user  # type: ignore[assignment]
        session = services.session_current(request)
        prompt = set(request.GET.get("prompt", "").split())

        # OIDC Core 6.1 and 6.2: request objects are not supported, and said so.
        if "request" in request.GET:
            return self.refuse(RequestNotSupported(), credentials, application)
        if "request_uri" in request.GET:
            return self.refuse(RequestURINotSupported(), credentials, application)

        if session is None:
            # A Django session without a live sign-in record (revoked elsewhere): sign in again.
            services.sign_out(request=request)
            return self.handle_prompt_login()
        signed_in_for_this = services.reauth_done(
            request=request, token=request.GET.get(REAUTH_PARAM, ""), session=session
        )
        max_age = request.GET.get("max_age", "")
        too_old = (
            not signed_in_for_this
            and max_age.isdigit()
            and timezone.now() - session.auth_time > timedelta(seconds=int(max_age))
        )
        if too_old and "login" not in prompt:
            if "none" in prompt:
                return self.refuse(LoginRequired(), credentials, application)
            return self.handle_prompt_login()

        if not client_app_allows(application, user):
            audit_record(
                AuditEvent.Kind.ACCESS_DENIED, request=request, target=application.name, via="oidc"
            )
            if "none" in prompt:
                return self.refuse(errors.AccessDeniedError(), credentials, application)
            return render(
                request,
                "sso/denied.html",
                {"app_name": client_display_name(application)},
                status=403,
            )

        if "none" in prompt and not (
            application.skip_authorization or _consent_on_record(user, application, _scopes)
        ):
            return self.refuse(ConsentRequired(), credentials, application)
        self.polise_session: SignInSession | None = session
        return super().get(request, *args, **kwargs)

    def create_authorization_response(self, request, scopes, credentials, allow):
        session = getattr(self, "polise_session", None)
        if session is not None:
            credentials["polise_session_id"] = session.pk
        return super().create_authorization_response(request, scopes, credentials, allow)


class ConsentView(AuthorizationView):
    """The consent page's answer: Polise's own form, CSRF-checked."""

    answers_consent = True
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.polise_session = services.session_current(request)
        if self.polise_session is None:
            return redirect_to_login(request.get_full_path())
        client_id = request.POST.get("client_id", "")
        application = Application.objects.filter(client_id=client_id).first()
        if application is not None and not client_app_allows(application, request.user):  # type: ignore[arg-type]
            return render(
                request,
                "sso/denied.html",
                {"app_name": client_display_name(application)},
                status=403,
            )
        return super().post(request, *args, **kwargs)


class ConnectDiscoveryInfoView(dot_views.ConnectDiscoveryInfoView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        data.update(
            {
                "backchannel_logout_supported": True,
                "backchannel_logout_session_supported": True,
                "claims_parameter_supported": False,
                "grant_types_supported": GRANT_TYPES,
                "id_token_signing_alg_values_supported": [Application.RS256_ALGORITHM],
                "request_parameter_supported": False,
                "request_uri_parameter_supported": False,
                "authorization_response_iss_parameter_supported": True,
                "revocation_endpoint": self._get_endpoint_url(request, "revoke-token"),
                "introspection_endpoint": self._get_endpoint_url(request, "introspect"),
            }
        )
        fresh = JsonResponse(data)
        fresh["Access-Control-Allow-Origin"] = "*"
        return fresh


class TokenView(dot_views.TokenView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        grant_type = request.POST.get("grant_type", "")
        if not grant_type:
            return _oauth_error(errors.InvalidRequestError(description="Missing grant_type."))
        if grant_type not in GRANT_TYPES:
            return _oauth_error(errors.UnsupportedGrantTypeError())
        response = self.authorization_flow_token_response(request, *args, **kwargs)
        if response.status_code != 200:
            # An error raised after validation (a code used up meanwhile) reaches DOT without
            # oauthlib's headers; its body is JSON all the same (RFC 6749 5.2).
            response["Content-Type"] = "application/json"
            response["Cache-Control"] = "no-store"
        return response


@method_decorator(csrf_exempt, name="dispatch")
class IntrospectTokenView(OAuthLibMixin, View):
    """Token introspection (RFC 7662) for the office's apps as resource servers: a confidential
    client, authenticated as at the token endpoint, learns about the tokens issued to it, and
    of any other token only `{"active": false}`, as of an unknown one (section 4)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        client = self.authenticated_client(request)
        if client is None:
            return _oauth_error(errors.InvalidClientError())
        value = request.POST.get("token", "")
        if not value:
            return _oauth_error(errors.InvalidRequestError(description="Missing token."))
        token = (
            AccessToken.objects.select_related("user")
            .filter(token_checksum=services.secret_checksum(value), application=client)
            .first()
        )
        if token is None or not token.is_valid():
            return JsonResponse({"active": False})
        answer = {
            "active": True,
            "scope": token.scope,
            "client_id": client.client_id,
            "token_type": "Bearer",
            "exp": calendar.timegm(token.expires.utctimetuple()),
            "iat": calendar.timegm(token.created.utctimetuple()),
            "iss": oauth2_settings.oidc_issuer(request),
        }
        if token.user is not None:
            answer.update(sub=str(token.user.pk), username=token.user.get_username())
        return JsonResponse(answer)

    def authenticated_client(self, request: HttpRequest) -> Application | None:
        """The confidential client whose credentials (Basic or in the body) came along."""
        core = self.get_oauthlib_core()
        oauth_request = OAuthlibRequest(
            request.build_absolute_uri(),
            request.method,
            oauthlib_urlencode(core.extract_body(request)),
            core.extract_headers(request),
        )
        if not self.get_validator_class()().authenticate_client(oauth_request):
            return None
        client: Application = oauth_request.client
        return client if client.client_type == Application.CLIENT_CONFIDENTIAL else None


def _claims_of(id_token: str) -> dict:
    """The claims of an ID token whose signature has been checked already."""
    return json.loads(base64url_decode(id_token.split(".")[1]))


class RPInitiatedLogoutView(dot_views.RPInitiatedLogoutView):
    template_name = "sso/logout_confirm.html"
    hint_sid: str | None = None

    def validate_logout_request_user(self, id_token_hint, client_id):
        id_token = super().validate_logout_request_user(id_token_hint, client_id)
        if id_token is not None:  # DOT has verified the hint's signature and issuer
            self.hint_sid = _claims_of(id_token_hint).get("sid")
        return id_token

    def must_prompt(self, token_user) -> bool:
        """OIDC RP-Initiated Logout 1.0 section 2: ask unless the hint is an ID token of this
        very session (same user is not enough: the user's other session is not this one)."""
        if not self.request.user.is_authenticated:
            return False  # nothing to end here; DOT sends the user back to the app
        if super().must_prompt(token_user):
            return True
        session = services.session_current(self.request)
        return session is None or self.hint_sid != session.sid

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if context.get("application") is not None:
            context["app_name"] = client_display_name(context["application"])
        return context

    def do_logout(
        self, application=None, post_logout_redirect_uri=None, state=None, token_user=None
    ):
        services.sign_out(request=self.request)
        response = super().do_logout(application, post_logout_redirect_uri, state, token_user)
        services.forward_auth_cookie_clear(response)
        return response


# Re-exported so that oauth_urls lists every endpoint from one module.
RevokeTokenView = dot_views.RevokeTokenView
UserInfoView = dot_views.UserInfoView
JwksInfoView = dot_views.JwksInfoView
