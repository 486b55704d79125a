"""The user's own account pages: the second factor, and asking for a password reset (its end,
which also ends every sign-in session, is part of signing in: polise.sso.signin)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from . import mfa
from .models import User


@login_required
@csrf_protect
@require_http_methods(["GET", "POST"])
def mfa_settings(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    error = ""
    if request.method == "POST" and request.POST.get("action") == "remove":
        if mfa.mfa_required(user=user):
            error = _(
                "Your org unit requires a second factor; you can replace it but not remove it."
            )
        else:
            mfa.mfa_remove(user=user, request=request)
            messages.success(request, _("The second factor was removed."))
            return redirect("accounts:mfa")
    elif request.method == "POST":
        if mfa.mfa_enrol_confirm(user=user, token=request.POST.get("token", ""), request=request):
            messages.success(request, _("Your authenticator app is set up."))
            return redirect("accounts:mfa")
        error = _("That code is not right. Check your authenticator app and try again.")
    device = mfa.mfa_device(user=user)
    pending = (
        None if device and request.GET.get("replace") is None else mfa.mfa_enrol_start(user=user)
    )
    return render(
        request,
        "accounts/mfa.html",
        {
            "device": device,
            "pending": pending,
            "required": mfa.mfa_required(user=user),
            "error": error,
        },
    )


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    # The link names Polise's configured address, never the Host header of the request.
    extra_email_context = {"base_url": settings.BASE_URL}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"
