"""Polise's OpenID Connect provider: django-oauth-toolkit with what it leaves out.

DOT and oauthlib carry the protocol; this module adds, through DOT's extension points, the
parts an office SSO needs: `auth_time` and `sid` from the real sign-in session (the token
endpoint sees no browser, so the code and the refresh-token family remember their session),
`prompt=none` and `max_age`, the catalog app's access policy at sign-in and at refresh, a
discovery document that announces back-channel logout, and an RP-initiated logout that ends
only the signing-out session and reaches every app it signed into.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render, resolve_url
from django.utils import timezone
from django.utils.translation import gettext_noop
from oauth2_provider import views as dot_views
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import AccessToken, Application
from oauth2_provider.oauth2_validators import OAuth2Validator

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

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            return False
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
            services.session_token_family_record(session=session, token_family=token.token_family)
        return token

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


def _error_redirect(redirect_uri: str, error: str, state: str | None) -> str:
    params = {"error": error}
    if state:
        params["state"] = state
    return redirect_uri + ("&" if "?" in redirect_uri else "?") + urlencode(params)


class AuthorizationView(dot_views.AuthorizationView):
    template_name = "sso/authorize.html"

    def handle_prompt_login(self) -> HttpResponse:
        """Send the user to a login page that asks for the password even in a live session,
        then back here without the prompt (so the fresh sign-in satisfies it)."""
        query = self.request.GET.copy()
        query.pop("prompt", None)
        next_url = f"{self.request.path}?{query.urlencode()}"
        login = resolve_url(settings.LOGIN_URL)
        return HttpResponseRedirect(f"{login}?{urlencode({'next': next_url, 'prompt': 'login'})}")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            _scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        application = Application.objects.get(client_id=credentials["client_id"])
        user: User = request.user  # type: ignore[assignment]
        session = services.session_current(request)
        prompt = set(request.GET.get("prompt", "").split())
        state = credentials.get("state")

        if session is None:
            # A Django session without a live sign-in record (revoked elsewhere): sign in again.
            services.sign_out(request=request)
            return redirect_to_login(request.get_full_path())
        max_age = request.GET.get("max_age", "")
        too_old = max_age.isdigit() and (
            timezone.now() - session.auth_time > timedelta(seconds=int(max_age))
        )
        if too_old and "login" not in prompt:
            if "none" in prompt:
                return self.redirect(
                    _error_redirect(credentials["redirect_uri"], "login_required", state),
                    application,
                )
            return self.handle_prompt_login()

        if not client_app_allows(application, user):
            audit_record(
                AuditEvent.Kind.ACCESS_DENIED, request=request, target=application.name, via="oidc"
            )
            if "none" in prompt:
                return self.redirect(
                    _error_redirect(credentials["redirect_uri"], "access_denied", state),
                    application,
                )
            return render(
                request,
                "sso/denied.html",
                {"app_name": client_display_name(application)},
                status=403,
            )

        if "none" in prompt and not (
            application.skip_authorization or _consent_on_record(user, application, _scopes)
        ):
            return self.redirect(
                _error_redirect(credentials["redirect_uri"], "consent_required", state),
                application,
            )
        self.polise_session: SignInSession | None = session
        return super().get(request, *args, **kwargs)

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

    def create_authorization_response(self, request, scopes, credentials, allow):
        session = getattr(self, "polise_session", None)
        if session is not None:
            credentials["polise_session_id"] = session.pk
        return super().create_authorization_response(request, scopes, credentials, allow)


class ConnectDiscoveryInfoView(dot_views.ConnectDiscoveryInfoView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        data.update(
            {
                "backchannel_logout_supported": True,
                "backchannel_logout_session_supported": True,
                "claims_parameter_supported": False,
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "revocation_endpoint": self._get_endpoint_url(request, "revoke-token"),
                "introspection_endpoint": self._get_endpoint_url(request, "introspect"),
            }
        )
        fresh = JsonResponse(data)
        fresh["Access-Control-Allow-Origin"] = "*"
        return fresh


class RPInitiatedLogoutView(dot_views.RPInitiatedLogoutView):
    template_name = "sso/logout_confirm.html"

    def do_logout(
        self, application=None, post_logout_redirect_uri=None, state=None, token_user=None
    ):
        services.sign_out(request=self.request)
        response = super().do_logout(application, post_logout_redirect_uri, state, token_user)
        services.forward_auth_cookie_clear(response)
        return response


# Re-exported so that oauth_urls lists every endpoint from one module.
TokenView = dot_views.TokenView
RevokeTokenView = dot_views.RevokeTokenView
IntrospectTokenView = dot_views.IntrospectTokenView
UserInfoView = dot_views.UserInfoView
JwksInfoView = dot_views.JwksInfoView
