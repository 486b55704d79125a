"""Push events keep each app's catalog entry in line with its polise.yaml (catalog-as-code),
and tell the owners, once per broken commit, when the file cannot be used."""

from __future__ import annotations

from polise.catalog.manifest import MANIFEST_PATH, app_apply_manifest
from polise.catalog.models import App
from polise.forge import api, outbox
from polise.forge.models import Delivery, Write
from polise.forge.webhooks import handles

from .services import invitation_mark_accepted


def _touches_manifest(payload: dict) -> bool:
    return any(
        MANIFEST_PATH in (c.get("added", []) + c.get("modified", []) + c.get("removed", []))
        for c in payload.get("commits", [])
    )


@handles("push")
def catalog_from_manifest(delivery: Delivery) -> str:
    payload = delivery.payload
    branch = payload.get("repository", {}).get("default_branch", "main")
    if payload.get("deleted") or payload["ref"] != f"refs/heads/{branch}":
        return "not the default branch"
    app = App.objects.filter(repo__iexact=delivery.repo).first()
    if app is None:
        return "not a catalog app"
    sha = payload["after"]
    if app.manifest_commit and not _touches_manifest(payload) and not payload.get("forced"):
        return f"{MANIFEST_PATH} unchanged"
    text = api.read_file(app.repo, MANIFEST_PATH, ref=sha) or ""
    outcome = app_apply_manifest(app=app, text=text, commit=sha)
    if outcome.applied:
        return f"{MANIFEST_PATH} applied: {', '.join(outcome.changed) or 'no change'}"
    problems = "\n".join(f"- {p}" for p in outcome.problems)
    outbox.write_enqueue(
        # One issue per broken commit, however often the push is redelivered.
        key=f"catalog-manifest:{app.repo.lower()}:{sha}",
        kind=Write.Kind.CREATE_ISSUE,
        repo=app.repo,
        payload={
            "title": f"{MANIFEST_PATH} at {sha[:7]} cannot be used by Polise",
            "body": (
                f"Polise read `{MANIFEST_PATH}` at {sha} and left the catalog entry of "
                f"**{app.name}** as it was, because:\n\n{problems}\n\n"
                "Fix the file and push again; Polise takes it on the next push to the "
                "default branch."
            ),
            "labels": [],
        },
    )
    return f"{MANIFEST_PATH} refused: {len(outcome.problems)} problem(s)"


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
