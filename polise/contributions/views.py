"""Contribution pages: per app and period (with CSV), and per developer across apps."""

from __future__ import annotations

import csv
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from polise.accounts.models import Developer
from polise.appdocs.selectors import schema_checks
from polise.catalog.http import visible_app_or_404
from polise.catalog.models import App

from . import selectors
from .chart import COLOURS, stacked_bars
from .classify import CATEGORIES
from .models import CATEGORY_LABELS, SyncState


def _period(request: HttpRequest) -> selectors.Period:
    kind = request.GET.get("period", "year")
    if kind not in selectors.PERIODS:
        kind = "year"
    try:
        at = date.fromisoformat(request.GET.get("at", ""))
    except ValueError:
        at = timezone.localdate()
    return selectors.period_for(kind, at)


@login_required
@require_GET
def app_contributions(request: HttpRequest, slug: str) -> HttpResponse:
    app = visible_app_or_404(request, slug)
    period = _period(request)
    rows = selectors.app_figures(app=app, period=period)
    series = selectors.chart_series(app=app, period=period)
    chart = stacked_bars(
        series,
        title=_("Lines changed by kind of work, %(period)s") % {"period": period.label},
        desc=_("Stacked bars: code, usage docs, database docs, tests and excluded files."),
    )
    return render(
        request,
        "contributions/app.html",
        {
            "app": app,
            "period": period,
            "periods": selectors.PERIODS,
            "rows": rows,
            "chart": chart if series else None,
            "legend": [(CATEGORY_LABELS[c], COLOURS[c]) for c in CATEGORIES],
            "weights": selectors.weights(),
            "state": SyncState.objects.filter(app=app).first(),
            "category_labels": [CATEGORY_LABELS[c] for c in CATEGORIES],
            # How much of the live schema the database docs cover: database docs are work
            # whose gaps count too.
            "coverage": schema_checks(app=app),
        },
    )


@login_required
@require_GET
def app_contributions_csv(request: HttpRequest, slug: str) -> HttpResponse:
    app = visible_app_or_404(request, slug)
    period = _period(request)
    rows = selectors.app_figures(app=app, period=period)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"contributions-{app.slug}-{period.kind}-{period.param or 'all'}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "developer",
            "github_login",
            "identities",
            "commits",
            "authored",
            "co_authored",
            *(f"{c}_{s}" for c in CATEGORIES for s in ("added", "removed")),
            *selectors.FORGE_KINDS,
            "score",
            "share",
        ]
    )
    for row in rows:
        writer.writerow(
            [
                _csv_safe(row.label),
                row.developer.github_login if row.developer else row.login,
                " ".join(i.email for i in row.identities),
                row.commits,
                row.counts["authored"],
                row.counts["co_authored"],
                *(row.counts[f"{c}_{s}"] for c in CATEGORIES for s in ("added", "removed")),
                *(row.counts[kind] for kind in selectors.FORGE_KINDS),
                f"{row.score:.4f}",
                f"{row.share:.6f}",
            ]
        )
    return response


def _csv_safe(text: str) -> str:
    """A name a spreadsheet would read as a formula is quoted as text."""
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


@login_required
@require_GET
def developer_contributions(request: HttpRequest, login: str) -> HttpResponse:
    developer = get_object_or_404(
        Developer.objects.select_related("user"), github_login__iexact=login
    )
    apps = list(App.objects.visible_to(request.user).order_by("name"))
    figures = selectors.developer_figures(developer=developer, apps=apps)
    return render(
        request,
        "contributions/developer.html",
        {"developer": developer, "figures": figures, "weights": selectors.weights()},
    )
