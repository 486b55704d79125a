"""Pushes to an app's news branch become news; the reading happens in a job, from the mirror."""

from __future__ import annotations

import logging

from polise.catalog.models import App
from polise.core.jobs import enqueue_on_commit
from polise.forge.models import Delivery
from polise.forge.webhooks import handles

from .jobs import news_sync_app
from .models import AppNews

logger = logging.getLogger(__name__)


@handles("push")
def push_received(delivery: Delivery) -> str:
    payload = delivery.payload
    apps = list(App.objects.filter(repo__iexact=delivery.repo))
    if not apps:
        logger.info("push to %s: the repository is not in the catalog", delivery.repo)
        return "not in the catalog"
    ref = payload["ref"]
    if payload.get("deleted"):
        return "branch deleted: no news"
    if not ref.startswith("refs/heads/"):
        return "not a branch: no news"
    default_branch = str((payload.get("repository") or {}).get("default_branch") or "")
    branches = dict(
        AppNews.objects.filter(app__in=apps).exclude(branch="").values_list("app_id", "branch")
    )
    queued = []
    for app in apps:
        branch = branches.get(app.pk) or default_branch
        if ref != f"refs/heads/{branch}":
            continue
        push = {
            "ref": ref,
            "before": payload["before"],
            "after": payload["after"],
            "default_branch": default_branch,
        }
        enqueue_on_commit(news_sync_app, app.pk, push=push)
        queued.append(app.slug)
    return f"queued for {', '.join(queued)}" if queued else "not a news branch: no news"
