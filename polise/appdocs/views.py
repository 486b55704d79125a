"""Docs pages: the Docs tab of an app, its pages and images, search, feedback and the
developers' view. Thin: nothing is rendered here, pages come ready from the job's cache."""

from __future__ import annotations

import posixpath

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from polise.catalog import selectors as catalog
from polise.catalog.http import managed_app_or_404, visible_app_or_404
from polise.catalog.models import App
from polise.core.jobs import enqueue_on_commit
from polise.forge.mirrors import gitread
from polise.forge.mirrors import services as mirrors
from polise.ratings.selectors import app_summary

from . import jobs, search, selectors, services
from . import render as md
from .models import DocPage

MAX_IMAGE_BYTES = 5 << 20


def page_url(app: App, path: str) -> str:
    return reverse("appdocs:page", args=[app.slug, path])


@require_GET
def docs_index(request: HttpRequest, slug: str) -> HttpResponse:
    app = visible_app_or_404(request, slug)
    pages = list(selectors.readable_pages(app=app, user=request.user))
    landing = selectors.landing_page(pages, app)
    if landing is not None:
        return redirect(page_url(app, landing.path))
    state = selectors.docs_state(app=app)
    return render(
        request,
        "appdocs/empty.html",
        {
            "app": app,
            "state": state,
            "manages_app": catalog.app_managed_by(app=app, user=request.user),
        },
    )


class FeedbackForm(forms.Form):
    path = forms.CharField(max_length=500)
    helpful = forms.TypedChoiceField(
        choices=[("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        label=gettext_lazy("Was this page helpful?"),
    )
    comment = forms.CharField(
        label=gettext_lazy("What was missing or unclear? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _serve_file(request: HttpRequest, app: App, path: str) -> HttpResponse:
    """An image of the repository, from the mirror at the docs' commit."""
    suffix = posixpath.splitext(path)[1].lower()
    content_type = md.IMAGE_TYPES.get(suffix)
    state = selectors.docs_state(app=app)
    if content_type is None or state is None or not state.commit:
        raise Http404
    kind = services.page_kind(app=app, path=path)
    if kind == DocPage.Kind.DATABASE and not selectors.may_read_database_docs(
        app=app, user=request.user
    ):
        raise Http404
    git_dir = mirrors.git_dir(app.repo)
    if not git_dir.exists() or md.inside_repo("", path) != path:
        raise Http404
    try:
        entries = gitread.tree(git_dir, state.commit, posixpath.dirname(path), recursive=False)
    except gitread.GitError:  # no such folder at this commit
        raise Http404 from None
    entry = next((e for e in entries if e.path == path), None)
    if entry is None or entry.kind != "blob" or (entry.size or 0) > MAX_IMAGE_BYTES:
        raise Http404  # symlinks are not followed for files served as they are
    blob = gitread.blob(git_dir, state.commit, path, max_bytes=MAX_IMAGE_BYTES)
    if blob is None or blob.data is None:
        raise Http404
    response = HttpResponse(blob.data, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = "private, max-age=300"
    if suffix == ".svg":  # SVG can carry script: never shown as a page of Polise's origin
        response["Content-Disposition"] = f'attachment; filename="{posixpath.basename(path)}"'
    return response


@require_GET
def docs_page(request: HttpRequest, slug: str, path: str) -> HttpResponse:
    app = visible_app_or_404(request, slug)
    path = path.strip("/")
    pages = list(selectors.readable_pages(app=app, user=request.user))
    page = next((p for p in pages if p.path == path), None)
    if page is None:
        index = selectors.folder_index(pages, path)
        if index is not None:
            return redirect(page_url(app, index.path))
        return _serve_file(request, app, path)
    state = selectors.docs_state(app=app)
    used = selectors.has_used_app(app=app, user=request.user)
    given = selectors.feedback_of(app=app, path=page.path, user=request.user)
    form = FeedbackForm(
        initial={
            "path": page.path,
            "helpful": ("yes" if given.helpful else "no") if given else None,
            "comment": given.comment if given else "",
        }
    )
    toc = md.toc_html([md.Heading(**h) for h in page.rendered.toc]) if page.rendered else ""
    return render(
        request,
        "appdocs/page.html",
        {
            "app": app,
            "page": page,
            "html": mark_safe(page.rendered.html) if page.rendered else "",  # noqa: S308 - sanitised by nh3 in the job
            "toc": mark_safe(toc),  # noqa: S308 - built from escaped text
            "has_title": any(h["level"] == 1 for h in page.rendered.toc)
            if page.rendered
            else False,
            "tree": selectors.page_tree(pages),
            "state": state,
            "may_rate": used,
            "given": given,
            "form": form,
            "manages_app": catalog.app_managed_by(app=app, user=request.user),
        },
    )


@login_required
@require_POST
def docs_feedback(request: HttpRequest, slug: str) -> HttpResponse:
    app = visible_app_or_404(request, slug)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose yes or no."))
        path = request.POST.get("path", "")
        pages = {p.path for p in selectors.readable_pages(app=app, user=request.user)}
        return redirect(
            page_url(app, path) if path in pages else reverse("appdocs:index", args=[slug])
        )
    path = form.cleaned_data["path"]
    if not selectors.readable_pages(app=app, user=request.user).filter(path=path).exists():
        raise Http404
    if not selectors.has_used_app(app=app, user=request.user):
        messages.error(request, _("Only people who have used this app can rate its pages."))
        return redirect(page_url(app, path))
    state = selectors.docs_state(app=app)
    services.feedback_give(
        app=app,
        path=path,
        user=request.user,
        helpful=form.cleaned_data["helpful"],
        comment=form.cleaned_data["comment"],
        commit=state.commit if state else "",
    )
    messages.success(request, _("Thank you. Your answer helps the developers improve this page."))
    return redirect(page_url(app, path) + "#helpful")


@require_GET
def docs_search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    app = None
    if request.GET.get("app"):
        app = App.objects.visible_to(request.user).filter(slug=request.GET["app"]).first()
    hits = search.search_docs(user=request.user, q=q, app=app) if q else []
    return render(request, "appdocs/search.html", {"q": q, "hits": hits, "scope_app": app})


@require_GET
def docs_manage(request: HttpRequest, slug: str) -> HttpResponse:
    """The developers' view: build state, pages not shown, feedback per page, schema checks."""
    app = managed_app_or_404(request, slug)
    pages = list(selectors.readable_pages(app=app, user=request.user))
    return render(
        request,
        "appdocs/manage.html",
        {
            "app": app,
            "state": selectors.docs_state(app=app),
            "unshown": [p for p in pages if p.status != DocPage.Status.RENDERED or p.note],
            "results": selectors.feedback_per_page(app=app),
            # The usage-docs rating users gave, beside the per-page answers that say which
            # page to fix.
            "docs_rating": app_summary(app)["docs"],
            "checks": selectors.schema_checks(app=app),
        },
    )


@require_POST
def docs_rebuild(request: HttpRequest, slug: str) -> HttpResponse:
    app = managed_app_or_404(request, slug)
    enqueue_on_commit(jobs.docs_build_app, app.pk)
    messages.success(request, _("The docs will be rebuilt in a moment."))
    return redirect("appdocs:manage", slug=app.slug)
