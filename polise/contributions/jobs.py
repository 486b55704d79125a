"""Background work of contributions: counting an app's new commits after a push."""

from __future__ import annotations

import logging
from typing import Any

from polise.catalog.models import App
from polise.core.jobs import enqueue_on_commit, retrying_task

from . import services
from .models import SyncState

logger = logging.getLogger(__name__)


@retrying_task(queue_name="default", max_attempts=8, base_delay=10.0, max_delay=900.0)
def contributions_sync_app(app_id: int, push: dict[str, Any] | None = None) -> str:
    """Fetch the app's mirror (no network when it has the pushed commit already) and count
    its new commits; a sync that dies is resumed by the next attempt."""
    app = App.objects.filter(pk=app_id).first()
    if app is None:
        return "the app no longer exists"
    want = (push["ref"], push["after"]) if push else None
    try:
        return services.contributions_sync(
            app=app, want=want, default_branch=(push or {}).get("default_branch", "")
        )
    except Exception as exc:
        SyncState.objects.filter(app=app).update(last_error=str(exc)[:2000])
        raise


@retrying_task(queue_name="default", max_attempts=8, base_delay=30.0, max_delay=3600.0)
def contributions_import_from_forge(app_id: int) -> str:
    """Import the app's pull requests and reviews from GitHub; a rate limit or an outage is
    retried later, and what was stored before stays."""
    app = App.objects.filter(pk=app_id).first()
    if app is None or not app.repo:
        return "the app no longer exists or has no repository"
    return f"{services.forge_activity_import(app=app)} pull request fact(s) added"


def contributions_catch_up(*, apps: list[App] | None = None, forge: bool = False) -> int:
    """Queue a sync of every app with a repository (and, with `forge`, the import of its pull
    requests and reviews from GitHub); returns how many apps."""
    apps = apps if apps is not None else list(App.objects.exclude(repo=""))
    for app in apps:
        enqueue_on_commit(contributions_sync_app, app.pk)
        if forge:
            enqueue_on_commit(contributions_import_from_forge, app.pk)
    return len(apps)
