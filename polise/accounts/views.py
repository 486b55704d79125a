"""The user's own account pages: the second factor and its recovery codes, and asking for a
password reset (its end, which also ends every sign-in session, is part of signing in:
polise.sso.signin)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from . import mfa
from .models import User

# New recovery codes wait here, in the server-side session, until the one page that shows them.
RECOVERY_CODES_KEY = "polise_new_recovery_codes"


def recovery_codes_show_once(
    request: HttpRequest, codes: list[str], *, next_url: str | None = None
) -> str:
    """Keep new codes for the page that shows them once, with where to go on from there (a
    place the caller has already checked is safe); returns that page's address."""
    request.session[RECOVERY_CODES_KEY] = {"codes": codes, "next": next_url or ""}
    return reverse("accounts:recovery_codes")


@login_required
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def mfa_settings(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    error = ""
    action = request.POST.get("action")
    if request.method == "POST" and action == "remove":
        if mfa.mfa_required(user=user):
            error = _(
                "Your org unit requires a second factor; you can replace it but not remove it."
            )
        else:
            mfa.mfa_remove(user=user, request=request)
            messages.success(request, _("The second factor was removed."))
            return redirect("accounts:mfa")
    elif request.method == "POST" and action == "recovery_codes":
        if mfa.mfa_device(user=user) is not None:
            return redirect(
                recovery_codes_show_once(request, mfa.mfa_recovery_codes_new(user=user))
            )
    elif request.method == "POST":
        if mfa.mfa_enrol_confirm(user=user, token=request.POST.get("token", ""), request=request):
            messages.success(request, _("Your authenticator app is set up."))
            return redirect(
                recovery_codes_show_once(request, mfa.mfa_recovery_codes_new(user=user))
            )
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
            "enrolment": mfa.mfa_enrolment(device=pending) if pending else None,
            "recovery_codes_left": mfa.mfa_recovery_codes_left(user=user) if device else 0,
            "required": mfa.mfa_required(user=user),
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@never_cache
@require_GET
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown exactly once: the session forgets them as the page is made."""
    waiting = request.session.pop(RECOVERY_CODES_KEY, None)
    if not waiting:
        messages.info(
            request,
            _("Recovery codes are shown only once. Make a new set if you lost yours."),
        )
        return redirect("accounts:mfa")
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": waiting["codes"], "next": waiting["next"] or reverse("accounts:mfa")},
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
