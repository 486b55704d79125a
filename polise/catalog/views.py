from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import parts, selectors
from .models import App


@require_GET
def launcher(request: HttpRequest) -> HttpResponse:
    apps = list(selectors.app_list_for_launcher(request.user))
    extras = parts.render_tile_parts(request, apps)
    tiles = [(app, extras[app.pk]) for app in apps]
    return render(request, "catalog/launcher.html", {"tiles": tiles})


@require_GET
def app_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        app = selectors.app_get(slug=slug, user=request.user)
    except App.DoesNotExist:
        raise Http404 from None
    sections = parts.render_page_parts(request, app)
    return render(request, "catalog/app_detail.html", {"app": app, "sections": sections})
