"""The app a request names, under the one access rule, for every feature app's views."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from .models import App
from .selectors import app_get, app_managed_by


def visible_app_or_404(request: HttpRequest, slug: str) -> App:
    """The app if the user may see it; 404 otherwise, as for an app that does not exist."""
    try:
        return app_get(slug=slug, user=request.user)
    except App.DoesNotExist:
        raise Http404 from None


def managed_app_or_404(request: HttpRequest, slug: str) -> App:
    """An app the user looks after (its owners, the platform team); 404 for everyone else."""
    app = visible_app_or_404(request, slug)
    if not app_managed_by(app=app, user=request.user):
        raise Http404
    return app
