"""Background work of news: reading an app's commits after a push, on a catch-up, on demand."""

from __future__ import annotations

import logging
from typing import Any

from polise.catalog.models import App
from polise.core.jobs import enqueue_on_commit, retrying_task
from polise.forge.errors import PermanentForgeError

from . import services
from .models import AppNews

logger = logging.getLogger(__name__)


@retrying_task(queue_name="default", max_attempts=8, base_delay=10.0, max_delay=900.0)
def news_sync_app(app_id: int, push: dict[str, Any] | None = None) -> str:
    """Fetch the app's mirror and read its new commits into news. A failed fetch is retried
    with backoff like any GitHub call; one that cannot work (no such repository, no access) is
    recorded on the app's news and not retried."""
    app = App.objects.filter(pk=app_id).first()
    if app is None:
        return "the app no longer exists"
    try:
        return services.news_sync(app=app, push=services.Push(**push) if push else None)
    except Exception as exc:
        AppNews.objects.update_or_create(app=app, defaults={"last_error": str(exc)[:2000]})
        if isinstance(exc, PermanentForgeError):
            logger.error("news of %s: %s", app.slug, exc)
        raise


def news_catch_up(*, apps: list[App] | None = None) -> int:
    """Queue a sync of every app with a repository (missed deliveries, new deploys, apps added
    later); returns how many were queued."""
    apps = apps if apps is not None else list(App.objects.exclude(repo=""))
    for app in apps:
        enqueue_on_commit(news_sync_app, app.pk)
    return len(apps)
