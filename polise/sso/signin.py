"""Sign-in pages: password, then the second factor when the user has one (or must enrol one),
then the sign-in session and the redirect back to where the sign-in began, if that place is
safe to go to; sign-out; and the end of a password reset, which ends every session."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from polise.accounts import mfa
from polise.accounts.audit import audit_record
from polise.accounts.models import AuditEvent, User

from . import selectors as sso_selectors
from . import services as sso_services

PENDING_KEY = "polise_pending_sign_in"
LOGIN_NEXT_KEY = "polise_login_next"
PENDING_SECONDS = 300


def _next_url(request: HttpRequest) -> str | None:
    raw = request.POST.get("next") or request.GET.get("next")
    return sso_selectors.safe_next(raw, request_host=request.get_host(), secure=request.is_secure())


def _cookie_reaches(url: str) -> bool:
    """Whether the forward-auth cookie travels to `url`'s host: if not, sending the user there
    would bring them straight back (the redirect loop forward-auth users complain of)."""
    host = (urlsplit(url).hostname or "").lower()
    if not host:
        return True
    domain = (settings.FORWARD_AUTH_COOKIE_DOMAIN or "").lower().lstrip(".")
    own = (urlsplit(settings.BASE_URL).hostname or "").lower()
    if domain:
        return host == domain or host.endswith("." + domain)
    return host == own


def sign_in_or_ask_second_factor(
    request: HttpRequest, user: User, *, backend: str, method: str, next_url: str | None
) -> HttpResponse:
    """The first factor checked out (password, GitHub): sign in, or first ask for the second
    factor when the user has one or must enrol one."""
    next_url = sso_selectors.safe_next(
        next_url, request_host=request.get_host(), secure=request.is_secure()
    )
    if mfa.mfa_device(user=user) is not None or mfa.mfa_required(user=user):
        request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": backend,
            "method": method,
            "at": time.time(),
            "next": next_url,
        }
        return redirect("sso:login_mfa")
    return _finish(request, user, backend, method, next_url)


def _finish(
    request: HttpRequest, user: User, backend: str, method: str, next_url: str | None = None
) -> HttpResponse:
    next_url = next_url or request.session.get(PENDING_KEY, {}).get("next")
    # login() empties the session when another user signs in; a re-authentication an app
    # asked for is answered by whoever signs in now.
    reauth = request.session.get(sso_services.REAUTH_KEY)
    login(request, user, backend=backend)
    if reauth:
        request.session[sso_services.REAUTH_KEY] = reauth
    session = sso_services.session_start(request=request, user=user, method=method)
    response = HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    sso_services.forward_auth_cookie_set(response, session)
    return response


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    forced = request.GET.get("prompt") == "login" or request.POST.get("prompt") == "login"
    if request.method == "GET" and request.user.is_authenticated and not forced:
        session = sso_services.session_current(request)
        if session is not None:
            # Already signed in (e.g. sent here by forward-auth for a new app): hand out the
            # forward-auth cookie and go on, unless the cookie could never reach that app.
            if next_url and not _cookie_reaches(next_url):
                return render(
                    request,
                    "sso/cannot_continue.html",
                    {"host": urlsplit(next_url).hostname},
                    status=400,
                )
            response = HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
            sso_services.forward_auth_cookie_set(response, session)
            return response

    # Remembered for "sign in with GitHub": allauth keeps only same-host `next` values, and an
    # app's URL is on another host.
    request.session[LOGIN_NEXT_KEY] = next_url
    form = AuthenticationForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            user: User = form.get_user()
            backend = getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1])
            return sign_in_or_ask_second_factor(
                request, user, backend=backend, method="password", next_url=next_url
            )
        username = request.POST.get("username", "")[:150]
        if getattr(request, "axes_locked_out", False):
            audit_record(AuditEvent.Kind.LOCKED_OUT, request=request, username=username)
        else:
            audit_record(AuditEvent.Kind.SIGN_IN_FAILED, request=request, username=username)
    return render(
        request,
        "sso/login.html",
        {
            "form": form,
            "next": next_url or "",
            "prompt": "login" if forced else "",
            "github_enabled": bool(settings.SOCIALACCOUNT_PROVIDERS["github"]["APPS"]),
        },
        status=400 if request.method == "POST" else 200,
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """What axes answers while an account is locked for this address."""
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    return render(
        request,
        "sso/login.html",
        {"form": AuthenticationForm(request), "locked": True, "minutes": minutes},
        status=429,
    )


def _pending_user(request: HttpRequest) -> tuple[User, dict] | None:
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return (user, pending) if user is not None else None


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_mfa(request: HttpRequest) -> HttpResponse:
    found = _pending_user(request)
    if found is None:
        messages.error(request, _("Your sign-in took too long. Please sign in again."))
        return redirect("sso:login")
    user, pending = found
    enrol = mfa.mfa_device(user=user) is None
    device = mfa.mfa_enrol_start(user=user) if enrol else None
    error = ""
    if request.method == "POST":
        token = request.POST.get("token", "")
        ok = (
            mfa.mfa_enrol_confirm(user=user, token=token, request=request)
            if enrol
            else mfa.mfa_verify(user=user, token=token)
        )
        if ok:
            method = pending.get("method", "password") + "+totp"
            response = _finish(request, user, pending["backend"], method)
            request.session.pop(PENDING_KEY, None)
            return response
        audit_record(AuditEvent.Kind.MFA_FAILED, request=request, user=user)
        error = _("That code is not right. Check your authenticator app and try again.")
    return render(
        request,
        "sso/login_mfa.html",
        {"enrol": enrol, "device": device, "error": error},
        status=400 if error else 200,
    )


@csrf_protect
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "sso/logout.html")
    sso_services.sign_out(request=request)
    response = redirect("sso:login")
    sso_services.forward_auth_cookie_clear(response)
    messages.success(request, _("You have signed out of Polise and its apps."))
    return response


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin signs in through the same page (lockout, second factor) as everyone."""
    query = urlencode({"next": request.GET.get("next", "/admin/")})
    return redirect(f"{reverse('sso:login')}?{query}")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "sso/password_reset_confirm.html"
    success_url = reverse_lazy("sso:login")

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        audit_record(AuditEvent.Kind.PASSWORD_RESET, request=self.request, user=user)
        # A reset usually means the old password leaked: end every session signed in with it.
        sso_services.sessions_revoke(user=user, reason="revoked_by_user", request=self.request)
        messages.success(self.request, _("Your password has been changed. Please sign in."))
        return response
