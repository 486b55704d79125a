from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from polise.accounts.http import AuthenticatedRequest
from polise.catalog.models import App
from polise.deployments.models import Result
from polise.deployments.selectors import deploy_history

from . import selectors, services
from .forms import ReportForm
from .models import Attachment, Comment, Report


def _deployed_version(app: App) -> str:
    """The commit live on the swarm, from the last successful deploy Polise recorded."""
    live = deploy_history(app=app).filter(result=Result.SUCCEEDED).only("commit", "digest").first()
    if live is None:
        return ""
    return " ".join(part for part in (live.commit[:12], live.digest[:19]) if part)


@login_required
def report_new(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    app = get_object_or_404(App.objects.visible_to(request.user), slug=slug)
    form = ReportForm(request.POST or None, request.FILES or None)
    similar: list[Report] = []
    if request.method == "POST" and form.is_valid():
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
                    attachments=data["attachments"],
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
                messages.success(
                    request, _("Thank you. Your report is saved; you can follow it here.")
                )
                return redirect("reports:detail", report.pk)
    return render(request, "reports/new.html", {"app": app, "form": form, "similar": similar})


@login_required
def my_reports(request: AuthenticatedRequest) -> HttpResponse:
    reports = selectors.reports_of_reporter(user=request.user)
    return render(request, "reports/mine.html", {"reports": reports})


def _visible_report(request: AuthenticatedRequest, pk: int) -> Report:
    report = get_object_or_404(
        Report.objects.select_related("app", "reporter", "duplicate_of"), pk=pk
    )
    if not selectors.can_see_report(request.user, report):
        raise Http404  # do not even confirm that a confidential report exists
    return report


@login_required
def report_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = _visible_report(request, pk)
    manager = selectors.manages_app(request.user, report.app) and selectors.can_see_report(
        request.user, report
    )
    is_reporter = report.reporter_id == request.user.pk and not manager
    comments = report.comments.all() if manager else report.comments.filter(public=True)
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "comments": comments,
            "manager": manager,
            "is_reporter": is_reporter,
            "attachments": report.attachments.all(),
        },
    )


@login_required
def app_reports(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    app = get_object_or_404(App.objects.visible_to(request.user), slug=slug)
    if not selectors.manages_app(request.user, app):
        raise PermissionDenied
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    try:
        older = int(request.GET["older_than"]) if request.GET.get("older_than") else None
    except ValueError:
        older = None
    reports = selectors.reports_of_app(
        app=app, user=request.user, kind=kind, status=status, older_than_days=older
    )
    return render(
        request,
        "reports/app_list.html",
        {
            "app": app,
            "reports": reports,
            "figures": selectors.report_figures(reports=reports),
            "kinds": Report.Kind.choices,
            "statuses": Report.Status.choices,
            "filters": {"kind": kind, "status": status, "older_than": older},
        },
    )


@login_required
@require_POST
def mark_duplicate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = _visible_report(request, pk)
    if not selectors.manages_app(request.user, report.app):
        raise PermissionDenied
    try:
        original = Report.objects.get(pk=int(request.POST.get("original", "")), app=report.app)
        services.report_mark_duplicate(report=report, original=original)
    except (ValueError, Report.DoesNotExist, services.ReportRefused):
        messages.error(request, _("Give the number of another report about the same app."))
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
