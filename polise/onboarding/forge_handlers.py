"""Push events keep each app's catalog entry in line with its polise.yaml (catalog-as-code),
and tell the owners, once per broken commit, when the file cannot be used."""

from __future__ import annotations

from polise.catalog.manifest import MANIFEST_PATH
from polise.catalog.models import App
from polise.core.jobs import enqueue_on_commit
from polise.forge.models import Delivery
from polise.forge.webhooks import handles

from .services import catalog_manifest_sync, invitation_mark_accepted


def _touches_manifest(payload: dict) -> bool:
    return any(
        MANIFEST_PATH in (c.get("added", []) + c.get("modified", []) + c.get("removed", []))
        for c in payload.get("commits", [])
    )


@handles("push")
def catalog_from_manifest(delivery: Delivery) -> str:
    payload = delivery.payload
    branch = str((payload.get("repository") or {}).get("default_branch") or "main")
    if payload.get("deleted") or payload["ref"] != f"refs/heads/{branch}":
        return "not the default branch"
    app = App.objects.filter(repo__iexact=delivery.repo).first()
    if app is None:
        return "not a catalog app"
    if app.manifest_commit and not _touches_manifest(payload) and not payload.get("forced"):
        return f"{MANIFEST_PATH} unchanged"
    enqueue_on_commit(
        catalog_manifest_sync, app.pk, ref=payload["ref"], sha=payload["after"], branch=branch
    )
    return f"{MANIFEST_PATH} to be read at {payload['after'][:12]}"


@handles("member")
def invitation_accepted(delivery: Delivery) -> str:
    """GitHub tells the repository's webhook when an invited developer accepts."""
    if delivery.action != "added":
        return f"{delivery.action}: ignored"
    login = (delivery.payload.get("member") or {}).get("login")
    if not isinstance(login, str):
        return "no member login"
    accepted = invitation_mark_accepted(repo=delivery.repo, login=login)
    return f"{login} accepted" if accepted else "not an onboarding invitation"
