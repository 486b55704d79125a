"""A push to an app's default branch is counted; the reading happens in a job, from the mirror."""

from __future__ import annotations

from polise.catalog.models import App
from polise.core.jobs import enqueue_on_commit
from polise.forge.models import Delivery
from polise.forge.webhooks import handles

from . import services
from .jobs import contributions_sync_app


@handles("push")
def push_received(delivery: Delivery) -> str:
    payload = delivery.payload
    default_branch = str((payload.get("repository") or {}).get("default_branch") or "")
    if payload.get("deleted") or payload.get("ref") != f"refs/heads/{default_branch}":
        return "not the default branch: nothing to count"
    apps = list(App.objects.filter(repo__iexact=delivery.repo))
    push = {"ref": payload["ref"], "after": payload["after"], "default_branch": default_branch}
    for app in apps:
        enqueue_on_commit(contributions_sync_app, app.pk, push=push)
    return f"counting queued for {len(apps)} app(s)" if apps else "not in the catalog"


@handles("pull_request")
@handles("pull_request_review")
def pull_request_activity(delivery: Delivery) -> str:
    added = services.forge_activity_record(
        repo=delivery.repo, event=delivery.event, payload=delivery.payload
    )
    return f"{added} pull request fact(s) recorded"
