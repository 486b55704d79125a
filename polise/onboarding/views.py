"""The platform team's onboarding pages. Staff only: everyone else gets a 404, as for an
app they may not see; apps are always looked up through the one access rule."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from polise.catalog.models import App
from polise.core.jobs import enqueue_on_commit

from . import overview, selectors, services
from .forms import DropDatabaseForm, OnboardingForm
from .models import Onboarding, ProvisionedDatabase, Step
from .spec import OnboardingInvalid


def platform_team(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _onboarding(request: HttpRequest, slug: str) -> Onboarding:
    try:
        app = App.objects.visible_app(request.user, slug=slug)
        return selectors.onboarding_get(slug=app.slug)
    except (App.DoesNotExist, Onboarding.DoesNotExist):
        raise Http404 from None


@platform_team
def onboarding_list(request: HttpRequest) -> HttpResponse:
    visible = App.objects.visible_to(request.user)
    onboardings = selectors.onboarding_list().filter(app__in=visible)
    return render(request, "onboarding/list.html", {"onboardings": onboardings})


@platform_team
@require_http_methods(["GET", "POST"])
def onboarding_new(request: HttpRequest) -> HttpResponse:
    form = OnboardingForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and form.request is not None:
        try:
            onboarding, created = services.onboarding_start(
                request=form.request, started_by=request.user
            )
        except OnboardingInvalid as exc:
            for name, message in exc.errors.items():
                form.add_error(name if name in form.fields else None, message)
        else:
            if not created:
                messages.info(request, _("This app was onboarded already; nothing was changed."))
            return redirect("onboarding:detail", slug=onboarding.app.slug)
    return render(request, "onboarding/new.html", {"form": form})


def _detail_context(request: HttpRequest, onboarding: Onboarding) -> dict[str, Any]:
    steps = selectors.steps_of(onboarding=onboarding)
    return {
        "onboarding": onboarding,
        "app": onboarding.app,
        "steps": steps,
        "working": any(s.status in (Step.Status.PENDING, Step.Status.RUNNING) for s in steps),
        "collaborators": selectors.collaborators_of(onboarding=onboarding),
        "databases": selectors.databases_of(onboarding=onboarding),
        "drop_form": DropDatabaseForm(),
    }


@platform_team
def onboarding_detail(request: HttpRequest, slug: str) -> HttpResponse:
    onboarding = _onboarding(request, slug)
    context = _detail_context(request, onboarding)
    if request.GET.get("part") == "steps":
        # What the page's script fetches every few seconds while steps are running.
        return render(request, "onboarding/parts/steps.html", context)
    return render(request, "onboarding/detail.html", context)


@platform_team
@require_POST
def step_retry(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    onboarding = _onboarding(request, slug)
    step = Step.objects.filter(onboarding=onboarding, name=name).first()
    if step is None:
        raise Http404
    if services.step_retry(step=step):
        messages.success(request, _("Retrying: %(step)s.") % {"step": step.get_name_display()})
    else:
        messages.info(request, _("That step has not failed; nothing to retry."))
    return redirect("onboarding:detail", slug=slug)


@platform_team
@require_POST
def invitations_refresh(request: HttpRequest, slug: str) -> HttpResponse:
    onboarding = _onboarding(request, slug)
    enqueue_on_commit(services.invitations_refresh_job, onboarding.pk)
    messages.info(request, _("Asking GitHub which invitations were accepted."))
    return redirect("onboarding:detail", slug=slug)


@platform_team
@require_POST
def database_drop(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    onboarding = _onboarding(request, slug)
    database = ProvisionedDatabase.objects.filter(pk=pk, app=onboarding.app).first()
    if database is None:
        raise Http404
    form = DropDatabaseForm(request.POST)
    if form.is_valid():
        try:
            services.database_drop(database=database, confirm=form.cleaned_data["confirm"])
        except OnboardingInvalid as exc:
            messages.error(request, " ".join(exc.errors.values()))
        except services.databases.DatabaseError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Dropped %(name)s.") % {"name": database.name})
    return redirect("onboarding:detail", slug=slug)


@platform_team
def platform(request: HttpRequest) -> HttpResponse:
    sort = request.GET.get("sort", "name")
    sort = sort if sort in overview.SORTS else "name"
    rows, reachable = overview.platform_overview(
        apps=App.objects.visible_to(request.user), sort=sort
    )
    columns = [
        ("name", _("App")),
        ("deploy", _("Last deploy")),
        ("health", _("Health")),
        ("reports", _("Open reports")),
        ("rating", _("Rating")),
    ]
    return render(
        request,
        "onboarding/platform.html",
        {"rows": rows, "reachable": reachable, "sort": sort, "columns": columns},
    )
