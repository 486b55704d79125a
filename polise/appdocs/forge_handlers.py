"""A push to an app's default branch rebuilds its docs (in a job, from the mirror)."""

from __future__ import annotations

from polise.catalog.models import App
from polise.core.jobs import enqueue_on_commit
from polise.forge.models import Delivery
from polise.forge.webhooks import handles

from .jobs import docs_build_app


@handles("push")
def push_received(delivery: Delivery) -> str:
    payload = delivery.payload
    if payload.get("deleted"):
        return "branch deleted: docs unchanged"
    default_branch = str((payload.get("repository") or {}).get("default_branch") or "")
    if not default_branch or payload.get("ref") != f"refs/heads/{default_branch}":
        return "not the default branch: docs unchanged"
    apps = list(App.objects.filter(repo__iexact=delivery.repo).values_list("pk", "slug"))
    for pk, _slug in apps:
        enqueue_on_commit(docs_build_app, pk)
    return (
        f"docs queued for {', '.join(slug for _pk, slug in apps)}" if apps else "not in the catalog"
    )
