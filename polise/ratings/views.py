"""Rating pages and the JSON API. Thin: the rules live in services and selectors."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from polise.catalog.http import managed_app_or_404, visible_app_or_404
from polise.catalog.models import App

from . import selectors, services
from .forms import RatingForm
from .models import DIMENSIONS, Dimension, Rating


def rate_context(request: HttpRequest, app: App, form: RatingForm | None = None) -> dict[str, Any]:
    """What the rating form needs: whether the user may rate (and if not, why), their rating."""
    try:
        services.rating_check_allowed(user=request.user, app=app)
        refusal = ""
    except services.RatingError as error:
        refusal = error.message
    mine = selectors.rating_of(user=request.user, app=app)
    if form is None:
        initial = {name: str(getattr(mine, name) or "") for name in DIMENSIONS} if mine else {}
        form = RatingForm(initial={**initial, "comment": mine.comment if mine else ""})
    focus = request.GET.get("dimension", "")
    return {
        "form": form,
        "refusal": refusal,
        "mine": mine,
        "focus": focus if focus in DIMENSIONS else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, slug: str) -> HttpResponse:
    """The rating form (GET; `?dimension=docs` puts the usage docs first in focus) and its
    submission (POST). Outsiders get 404; a user who may not rate is told why."""
    app = visible_app_or_404(request, slug)
    problem = ""
    status = 200
    form = None
    if request.method == "POST":
        form = RatingForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.rating_submit(
                    user=request.user,
                    app=app,
                    **{name: data[name] or None for name in DIMENSIONS},
                    comment=data["comment"],
                )
            except services.RatingError as error:
                if error.field in form.fields:
                    form.add_error(error.field, error.message)
                else:
                    problem = error.message
                status = 400
            else:
                messages.success(request, _("Thank you: your rating is saved."))
                return redirect(f"{reverse('catalog:app_detail', args=[app.slug])}#ratings-heading")
        else:
            status = 400
    context = rate_context(request, app, form)
    context.update(app=app, problem=problem, summary=selectors.app_summary(app))
    return render(request, "ratings/rate.html", context, status=status)


@login_required
@require_POST
def prompt_dismiss(request: HttpRequest, slug: str) -> HttpResponse:
    app = visible_app_or_404(request, slug)
    services.prompt_dismiss(user=request.user, app=app)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("catalog:launcher")
    return redirect(target)


@require_GET
def api_ratings(request: HttpRequest, slug: str) -> JsonResponse:
    """GET /api/apps/<slug>/ratings: per dimension the weighted and plain mean, the count and
    the 1-5 distribution. Anonymous reads for apps open to everyone; else the app's rule."""
    app = visible_app_or_404(request, slug)
    summary = selectors.app_summary(app)
    body = {
        "app": app.slug,
        "dimensions": {name: summary[name].as_json() for name in DIMENSIONS},
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@login_required
@require_GET
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """The developers' view of one app's ratings: over time, by version, comments to answer."""
    app = managed_app_or_404(request, slug)
    context = {
        "app": app,
        "summary": selectors.app_summary(app),
        "by_month": selectors.trend_by_month(app=app, months=24),
        "by_version": selectors.trend_by_version(app=app, versions=20),
        "comments": selectors.recent_comments(app=app, limit=50, include_hidden=True),
        "dimensions": [(name, Dimension(name).label) for name in DIMENSIONS],
    }
    return render(request, "ratings/dashboard.html", context)


def _rating_of_app(app: App, pk: int) -> Rating:
    return get_object_or_404(Rating.objects.select_related("app"), pk=pk, app=app)


@login_required
@require_POST
def reply(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    app = managed_app_or_404(request, slug)
    rating = _rating_of_app(app, pk)
    try:
        saved = services.reply_save(
            user=request.user, rating=rating, body=request.POST.get("body", "")
        )
    except services.RatingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Reply saved.") if saved else _("Reply removed."))
    return redirect(f"{reverse('ratings:dashboard', args=[app.slug])}#rating-{rating.pk}")


@login_required
@require_POST
def hide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    app = managed_app_or_404(request, slug)
    if not request.user.is_staff:
        raise Http404
    rating = _rating_of_app(app, pk)
    try:
        if request.POST.get("action") == "show":
            services.comment_unhide(user=request.user, rating=rating)
            messages.success(request, _("The comment is shown again."))
        else:
            services.comment_hide(
                user=request.user, rating=rating, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The comment is hidden."))
    except services.RatingError as error:
        messages.error(request, error.message)
    return redirect(f"{reverse('ratings:dashboard', args=[app.slug])}#rating-{rating.pk}")


def _csv_response(filename: str) -> tuple[HttpResponse, Any]:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response, csv.writer(response)


def _cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@login_required
@require_GET
def export(request: HttpRequest, slug: str) -> HttpResponse:
    """Every rating of one app, as CSV, for its developers and the platform team."""
    app = managed_app_or_404(request, slug)
    response, writer = _csv_response(f"ratings-{app.slug}.csv")
    writer.writerow(["rated_at", *DIMENSIONS, "version", "comment", "hidden"])
    for row in (
        Rating.objects.filter(app=app)
        .order_by("updated_at")
        .values_list("updated_at", *DIMENSIONS, "version", "comment", "hidden_at")
        .iterator()
    ):
        at, quality, ease, docs, version, comment, hidden_at = row
        writer.writerow(
            [at.isoformat(), quality or "", ease or "", docs or "", version,
             _cell(comment), "yes" if hidden_at else ""]
        )  # fmt: skip
    return response


@login_required
@require_GET
def ranking(request: HttpRequest) -> HttpResponse:
    """All apps ranked by weighted average, for the platform team (404 for everyone else);
    `?format=csv` downloads the table."""
    if not request.user.is_staff:
        raise Http404
    dimension = request.GET.get("dimension", "quality")
    if dimension not in DIMENSIONS:
        dimension = "quality"
    ranked = list(selectors.apps_ranked(App.objects.all(), dimension=dimension))
    if request.GET.get("format") == "csv":
        response, writer = _csv_response(f"ratings-ranking-{dimension}.csv")
        writer.writerow(["rank", "app", "name", "weighted", "mean", "count"])
        for rank, app in enumerate(ranked, 1):
            extra: Any = app
            writer.writerow(
                [rank, app.slug, _cell(app.name),
                 "" if extra.rating_weighted is None else f"{extra.rating_weighted:.3f}",
                 "" if extra.rating_mean is None else f"{extra.rating_mean:.3f}",
                 extra.rating_count]
            )  # fmt: skip
        return response
    context = {
        "apps": ranked,
        "dimension": dimension,
        "dimensions": [(name, Dimension(name).label) for name in DIMENSIONS],
    }
    return render(request, "ratings/ranking.html", context)
