from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import selectors
from .models import App


@require_GET
def launcher(request: HttpRequest) -> HttpResponse:
    apps = selectors.app_list_for_launcher(request.user)
    return render(request, "catalog/launcher.html", {"apps": apps})


@require_GET
def app_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        app = selectors.app_get(slug=slug, user=request.user)
    except App.DoesNotExist:
        raise Http404 from None
    manages_app = selectors.app_managed_by(app=app, user=request.user)
    return render(request, "catalog/app_detail.html", {"app": app, "manages_app": manages_app})
