import uuid
from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from polise.accounts.http import AuthenticatedRequest
from polise.catalog.models import App
from polise.core.middleware import limit_request_body
from polise.deployments.models import Result
from polise.deployments.selectors import deploy_history

from . import attachments, followers, progress, selectors, services
from .forms import ReportForm
from .models import Attachment, Comment, PendingUpload, Report, StatusChange


def _deployed_version(app: App) -> str:
    """The commit live on the swarm, from the last successful deploy Polise recorded."""
    live = deploy_history(app=app).filter(result=Result.SUCCEEDED).only("commit", "digest").first()
    if live is None:
        return ""
    return " ".join(part for part in (live.commit[:12], live.digest[:19]) if part)


def _report_too_large(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """A report whose request is larger than its files could ever be, refused before any of
    it is read: the reporter's browser still holds what they typed."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    app = get_object_or_404(App.objects.visible_to(request.user), slug=slug)
    problem = _(
        "The files you chose are larger than %(limit)d MB together, so nothing was sent. "
        "Go back with your browser's Back button (what you typed is still there) and "
        "choose smaller files."
    ) % {"limit": attachments.MAX_REQUEST_BYTES // (1024 * 1024)}
    return _report_form(request, app, ReportForm(), problem=problem, status=413)


def _report_form(
    request: AuthenticatedRequest,
    app: App,
    form: ReportForm,
    *,
    kept: Sequence[PendingUpload] = (),
    similar: Sequence[Report] = (),
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {"app": app, "form": form, "kept": kept, "similar": similar, "problem": problem}
    return render(request, "reports/new.html", context, status=status)


@login_required
@limit_request_body(attachments.MAX_REQUEST_BYTES, too_large=_report_too_large)
def report_new(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    app = get_object_or_404(App.objects.visible_to(request.user), slug=slug)
    if request.method != "POST":
        return _report_form(request, app, ReportForm())
    # Files kept from an earlier round of this draft, still ticked by the reporter.
    kept = attachments.pending_of(owner=request.user, tokens=request.POST.getlist("kept"))
    form = ReportForm(request.POST, request.FILES, kept=len(kept))
    similar: list[Report] = []
    if form.is_valid():
        data = form.cleaned_data
        if data["kind"] != Report.Kind.SECURITY and not data["confirm_new"]:
            similar = selectors.similar_open_reports(app=app, title=data["title"])
        if not similar:
            try:
                report = services.report_submit(
                    reporter=request.user,
                    app=app,
                    kind=data["kind"],
                    title=data["title"],
                    what_happened=data["what_happened"],
                    expected=data["expected"],
                    steps=data["steps"],
                    area=data["area"],
                    attachments=[*attachments.pending_as_uploads(kept), *data["attachments"]],
                    context={
                        "version": _deployed_version(app),
                        "browser": request.headers.get("User-Agent", "")[:200],
                        "screen": data["screen"],
                        "timezone": data["timezone"],
                        "app_url": app.url,
                    },
                )
            except services.ReportRefused as exc:
                form.add_error(None, str(exc))
            else:
                attachments.pending_discard(kept)
                messages.success(
                    request, _("Thank you. Your report is saved; you can follow it here.")
                )
                return redirect("reports:detail", report.pk)
    # The form comes back: the files that passed their checks wait with the draft.
    new_files = form.cleaned_data.get("attachments") or []
    kept += attachments.pending_keep(owner=request.user, uploads=new_files)
    return _report_form(request, app, form, kept=kept, similar=similar)


@login_required
def my_reports(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "reports/mine.html",
        {
            "reports": selectors.reports_of_reporter(user=request.user),
            "followed": followers.reports_followed_by(user=request.user),
            "manages_apps": selectors.apps_managed_by(user=request.user).exists(),
        },
    )


def _visible_report(request: AuthenticatedRequest, pk: int) -> Report:
    report = get_object_or_404(
        Report.objects.select_related("app", "reporter", "duplicate_of"), pk=pk
    )
    if not selectors.can_see_report(request.user, report):
        raise Http404  # do not even confirm that a confidential report exists
    return report


@login_required
def report_detail(request: AuthenticatedRequest, pk: int, reply_error: str = "") -> HttpResponse:
    report = get_object_or_404(
        Report.objects.select_related("app", "reporter", "duplicate_of"), pk=pk
    )
    full = selectors.can_see_report(request.user, report)
    if not full and not followers.can_follow_report(request.user, report):
        raise Http404  # do not even confirm that a confidential report exists
    manager = full and selectors.manages_app(request.user, report.app)
    is_reporter = report.reporter_id == request.user.pk and not manager
    comments = report.comments.all() if manager else report.comments.filter(public=True)
    fix = progress.shipped_fix(report)
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            # Someone else with the same problem sees where it stands, not what was written.
            "full": full,
            "comments": comments if full else [],
            "manager": manager,
            "is_reporter": is_reporter,
            "attachments": report.attachments.all() if full else [],
            "meaning": progress.STATUS_MEANINGS[Report.Status(report.status)],
            "timeline": progress.report_timeline(report, fix),
            "history": progress.status_history(report),
            "following": report.followers.filter(user=request.user).exists(),
            "may_follow": not is_reporter and followers.can_follow_report(request.user, report),
            "follower_count": report.followers.count(),
            "settable": [
                (value, label)
                for value, label in Report.Status.choices
                if value in progress.SETTABLE_BY_DEVELOPERS
            ],
            "reply_error": reply_error,
            "reply_text": request.POST.get("body", "") if reply_error else "",
            "reply_once": uuid.uuid4().hex,
        },
        status=400 if reply_error else 200,
    )


@login_required
@require_POST
def report_follow(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(Report.objects.select_related("app"), pk=pk)
    if not followers.can_follow_report(request.user, report):
        raise Http404
    if request.POST.get("follow") == "0":
        followers.report_follower_remove(report=report, user=request.user)
        messages.success(request, _("You no longer follow this report."))
    else:
        followers.report_follower_add(report=report, user=request.user)
        messages.success(
            request,
            _("You follow this report: it is counted as yours too and shows in My reports."),
        )
    return redirect("reports:detail", report.pk)


def _filters(request: AuthenticatedRequest) -> dict[str, Any]:
    try:
        older = int(request.GET["older_than"]) if request.GET.get("older_than") else None
    except ValueError:
        older = None
    return {
        "kind": request.GET.get("kind", ""),
        "status": request.GET.get("status", ""),
        "older_than_days": older,
    }


def _report_list(
    request: AuthenticatedRequest, reports: QuerySet[Report], **context: Any
) -> HttpResponse:
    return render(
        request,
        "reports/app_list.html",
        {
            "reports": reports,
            "figures": selectors.report_figures(reports=reports),
            "kinds": Report.Kind.choices,
            "statuses": Report.Status.choices,
            "filters": {**_filters(request), "app": request.GET.get("app", "")},
            **context,
        },
    )


@login_required
def app_reports(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    app = get_object_or_404(App.objects.visible_to(request.user), slug=slug)
    if not selectors.manages_app(request.user, app):
        raise PermissionDenied
    reports = selectors.reports_of_app(app=app, user=request.user, **_filters(request))
    return _report_list(request, reports, app=app)


@login_required
def inbox(request: AuthenticatedRequest) -> HttpResponse:
    """Every report about every app the user looks after, in one list."""
    apps = selectors.apps_managed_by(user=request.user).only("slug", "name").order_by("name")
    reports = selectors.reports_for_inbox(
        user=request.user, app_slug=request.GET.get("app", ""), **_filters(request)
    )
    return _report_list(request, reports, apps=apps)


@login_required
@require_POST
def mark_duplicate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = _managed_report(request, pk)
    try:
        original = Report.objects.get(pk=int(request.POST.get("original", "")), app=report.app)
        services.report_mark_duplicate(report=report, original=original, actor=request.user)
    except (ValueError, Report.DoesNotExist, services.ReportRefused):
        messages.error(request, _("Give the number of another report about the same app."))
    return redirect("reports:detail", report.pk)


def _managed_report(request: AuthenticatedRequest, pk: int) -> Report:
    report = _visible_report(request, pk)
    if not selectors.manages_app(request.user, report.app):
        raise PermissionDenied
    return report


@login_required
@require_POST
def report_reply(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = _managed_report(request, pk)
    try:
        services.report_reply(
            report=report,
            actor=request.user,
            body=request.POST.get("body", ""),
            key=request.POST.get("once", "") or uuid.uuid4().hex,
        )
    except services.ReportRefused as refused:
        # Shown above the form with what was typed, so nothing is lost.
        return report_detail(request, pk, reply_error=str(refused))
    messages.success(
        request, _("Your reply is on its way to GitHub; the reporter sees it once it is there.")
    )
    return redirect("reports:detail", report.pk)


@login_required
@require_POST
def report_status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = _managed_report(request, pk)
    status = request.POST.get("status", "")
    if status not in progress.SETTABLE_BY_DEVELOPERS:
        messages.error(request, _("Choose one of the statuses offered."))
        return redirect("reports:detail", report.pk)
    services.report_change_status(
        report=report,
        status=status,
        actor=request.user,
        source=StatusChange.Source.PORTAL,
        note=request.POST.get("note", "")[:200],
    )
    messages.success(
        request, _("Status changed to: %(status)s") % {"status": report.get_status_display()}
    )
    return redirect("reports:detail", report.pk)


@login_required
@require_POST
def comment_visibility(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("report__app"), pk=pk)
    if not selectors.can_see_report(request.user, comment.report):
        raise Http404
    if not selectors.manages_app(request.user, comment.report.app):
        raise PermissionDenied
    services.comment_set_public(comment=comment, public=request.POST.get("public") == "1")
    return redirect("reports:detail", comment.report_id)


@login_required
def attachment(request: AuthenticatedRequest, token: str) -> FileResponse:
    item = get_object_or_404(Attachment.objects.select_related("report__app"), token=token)
    if not selectors.can_see_report(request.user, item.report):
        raise Http404
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    disposition = "inline" if item.content_type.startswith("image/") else "attachment"
    response["Content-Disposition"] = (
        f'{disposition}; filename="report-{item.report_id}-{item.pk}{item.extension}"'
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
