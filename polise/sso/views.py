from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from polise.accounts.audit import audit_record
from polise.accounts.models import AuditEvent, User
from polise.catalog.access import user_may_open
from polise.catalog.models import App

from . import forward_auth, selectors, services
from .models import SignInSession


@csrf_exempt  # the proxy's sub-request carries no CSRF token; it only reads
def forward_auth_view(request: HttpRequest) -> HttpResponse:
    """The same answers as the WSGI fast path, for servers that run plain polise.wsgi."""
    status, headers = forward_auth.decide(request.META)
    response = HttpResponse(status=int(status.split()[0]))
    for name, value in headers:
        response[name] = value
    return response


@login_required
@require_GET
def my_sessions(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    current = services.session_current(request)
    sessions = list(selectors.sessions_for_user(user=user))
    return render(
        request,
        "sso/sessions.html",
        {"sessions": sessions, "current_sid": current.sid if current else None},
    )


@login_required
@require_POST
def revoke_session(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    current = services.session_current(request)
    which = request.POST.get("session", "")
    if which == "all":
        ended = services.sessions_revoke(
            user=user, reason=SignInSession.EndReason.REVOKED_BY_USER, request=request
        )
        messages.success(request, _("All your sessions have ended (%(count)d).") % {"count": ended})
        response = redirect("sso:login")
        services.forward_auth_cookie_clear(response)
        return response
    session = SignInSession.objects.filter(
        user=user, ended_at__isnull=True, pk=which if which.isdigit() else 0
    ).first()
    if session is None:
        raise Http404
    services.session_end(
        session=session, reason=SignInSession.EndReason.REVOKED_BY_USER, request=request
    )
    if current is not None and session.pk == current.pk:
        response = redirect("sso:login")
        services.forward_auth_cookie_clear(response)
        return response
    messages.success(request, _("The session has ended."))
    return redirect("sso:sessions")


@require_GET
def launch(request: HttpRequest, slug: str) -> HttpResponse:
    """Open an app from the launcher: check the access rule, record the launch, then go there."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    user: User = request.user
    app = App.objects.filter(slug=slug).first()
    if app is None or not app.launchable:
        raise Http404
    if not user_may_open(user=user, app=app):
        audit_record(AuditEvent.Kind.ACCESS_DENIED, request=request, target=app.slug, via="launch")
        raise Http404  # as for an app that does not exist: outsiders learn nothing of it
    services.launch_record(user=user, app=app)
    return HttpResponseRedirect(app.url)
