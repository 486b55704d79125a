"""Sign in with GitHub (django-allauth), for developers: a GitHub account signs in as the
Polise user whose Developer.github_login it is. Nobody gets a new account this way.

allauth does the OAuth dance; the sign-in itself is Polise's own (the same sign-in session,
audit record, forward-auth cookie and second factor as the password path), so this adapter
stops allauth right after GitHub vouched for the login and hands over to polise.sso.signin.
"""

from __future__ import annotations

from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from polise.accounts.audit import audit_record
from polise.accounts.models import AuditEvent, Developer, User

BACKEND = "django.contrib.auth.backends.ModelBackend"


def user_for_github_login(login: str) -> User | None:
    """The active user whose developer identity is this GitHub login (case-insensitive)."""
    developer = (
        Developer.objects.select_related("user")
        .filter(github_login__iexact=login, user__is_active=True)
        .first()
    )
    return developer.user if developer is not None else None


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        from . import signin as views

        login = str(sociallogin.account.extra_data.get("login", ""))
        user = user_for_github_login(login) if login else None
        if user is None:
            audit_record(
                AuditEvent.Kind.SIGN_IN_FAILED, request=request, username=login, method="github"
            )
            messages.error(
                request,
                _("No Polise account is linked to the GitHub account %(login)s.")
                % {"login": login},
            )
            raise ImmediateHttpResponse(redirect("sso:login"))
        if not sociallogin.is_existing:
            sociallogin.connect(request, user)
        next_url = sociallogin.state.get("next") or request.session.pop(views.LOGIN_NEXT_KEY, None)
        raise ImmediateHttpResponse(
            views.sign_in_or_ask_second_factor(
                request, user, backend=BACKEND, method="github", next_url=next_url
            )
        )

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        audit_record(
            AuditEvent.Kind.SIGN_IN_FAILED, request=request, method="github", error=str(error)
        )
        messages.error(request, _("Signing in with GitHub did not work. Please try again."))
        raise ImmediateHttpResponse(redirect("sso:login"))
