"""News pages: the portal's, each app's, and the developers' editorial page. Thin: the rules live
in selectors and services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from polise.catalog import selectors as catalog
from polise.catalog.http import managed_app_or_404, visible_app_or_404

from . import jobs, selectors, services
from .models import Item, Update

PAGE_SIZE = 20


def _page(request: HttpRequest, updates: Any) -> Page:
    page = Paginator(updates, PAGE_SIZE).get_page(request.GET.get("page"))
    for update in page.object_list:
        update.sections = selectors.sections(update.shown_items)
        update.heading = selectors.update_heading(update, update.sections)
    return page


@require_GET
def portal_news(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.news_updates(user=request.user))
    return render(request, "news/portal.html", {"page": page})


@require_GET
def app_news(request: HttpRequest, slug: str) -> HttpResponse:
    app = visible_app_or_404(request, slug)
    page = _page(request, selectors.news_updates(user=request.user, app=app))
    services.news_mark_seen(user=request.user, app=app)
    manages = catalog.app_managed_by(app=app, user=request.user)
    return render(request, "news/app.html", {"app": app, "page": page, "manages_app": manages})


class SettingsForm(forms.Form):
    branch = forms.CharField(
        label=gettext_lazy("Branch"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Commits on this branch make news. Empty: the default branch."),
    )
    hold_for_review = forms.BooleanField(
        label=gettext_lazy("Hold new updates until a developer publishes them"), required=False
    )

    def clean_branch(self) -> str:
        branch = self.cleaned_data["branch"].strip()
        if branch and (branch.startswith(("-", "/")) or ".." in branch or " " in branch):
            raise forms.ValidationError(_("Write a branch name, e.g. main."))
        return branch


class RewriteForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title in plain language"), required=False, max_length=200
    )
    text = forms.CharField(
        label=gettext_lazy("What users should know"), required=False, widget=forms.Textarea
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    app = managed_app_or_404(request, slug)
    state = services.app_news_state(app=app)
    form = SettingsForm(
        request.POST or None,
        initial={"branch": state.branch, "hold_for_review": state.hold_for_review},
    )
    if request.method == "POST" and form.is_valid():
        services.app_news_configure(
            app=app,
            user=request.user,
            branch=form.cleaned_data["branch"],
            hold_for_review=form.cleaned_data["hold_for_review"],
        )
        messages.success(request, _("News settings saved."))
        return redirect("news:manage", slug=app.slug)
    updates = Paginator(selectors.app_updates_for_developers(app=app), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "app": app,
        "state": state,
        "form": form,
        "page": updates,
        "edits": selectors.app_edits(app=app),
    }
    return render(request, "news/manage.html", context)


@login_required
@require_POST
def catch_up(request: HttpRequest, slug: str) -> HttpResponse:
    app = managed_app_or_404(request, slug)
    jobs.news_catch_up(apps=[app])
    messages.success(request, _("The app's commits will be read again in a moment."))
    return redirect("news:manage", slug=app.slug)


@login_required
@require_http_methods(["GET", "POST"])
def update_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    app = managed_app_or_404(request, slug)
    update = get_object_or_404(Update.objects.select_related("app"), app=app, pk=pk)
    form = RewriteForm(request.POST or None, initial={"title": update.title, "text": update.text})
    if request.method == "POST":
        status = request.POST.get("status")
        if status:
            services.update_set_status(update=update, user=request.user, status=status)
            messages.success(request, _("Update saved."))
            return redirect("news:update_edit", slug=app.slug, pk=update.pk)
        if form.is_valid():
            services.update_rewrite(
                update=update,
                user=request.user,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
            )
            messages.success(request, _("Update saved."))
            return redirect("news:update_edit", slug=app.slug, pk=update.pk)
    items = list(update.items.order_by("committed_at", "pk"))
    context = {
        "app": app,
        "update": update,
        "form": form,
        "items": items,
        "sections": selectors.sections([i for i in items if i.shown]),
        "statuses": Update.Status,
    }
    return render(request, "news/edit.html", context)


@login_required
@require_POST
def item_visibility(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    app = managed_app_or_404(request, slug)
    item = get_object_or_404(Item.objects.select_related("app", "update"), app=app, pk=pk)
    services.item_set_hidden(item=item, user=request.user, hidden=request.POST.get("hidden") == "1")
    if item.update_id:
        return redirect("news:update_edit", slug=app.slug, pk=item.update_id)
    return redirect("news:manage", slug=app.slug)
