"""Outbox writes that set a repository up (onboarding's steps). Each one is safe to repeat:
it brings GitHub to a state rather than adding to it, and the one create (the repository)
recognises what an earlier attempt of the same write made."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from . import api
from .errors import PermanentForgeError, RetryableForgeError
from .models import Write

# GitHub's clock and Polise's may differ a little.
CLOCK_SKEW = timedelta(minutes=10)


def trailer(write: Write) -> str:
    """The line the first commit carries, so a retry can tell it already landed."""
    return f"Polise-Write: {write.key}"


def _set_up_repository(write: Write) -> dict[str, Any]:
    p = write.payload
    state = api.get_repo_state(write.repo)
    if state is None:
        api.create_org_repo(
            write.repo, private=p["private"], description=p["description"], homepage=p["homepage"]
        )
        state = api.get_repo_state(write.repo)
        if state is None:
            raise RetryableForgeError(f"{write.repo} was created but cannot be read yet")
    elif trailer(write) in state.head_message:
        return {
            "html_url": state.html_url,
            "default_branch": state.default_branch,
            "commit": state.head_sha,
            "recovered": True,
        }
    elif write.attempts <= 1 or state.created_at < write.created_at - CLOCK_SKEW:
        # Not made by an earlier attempt of this write: someone else's repository.
        raise PermanentForgeError(
            f"a repository named {write.repo} already exists on GitHub; choose another name "
            "(Polise does not push into a repository it did not create)"
        )
    sha = api.replace_history_with(
        write.repo,
        branch=state.default_branch,
        files=p["files"],
        message=f"{p['message']}\n\n{trailer(write)}\n",
        author=p["author"],
    )
    return {"html_url": state.html_url, "default_branch": state.default_branch, "commit": sha}


def _add_collaborator(write: Write) -> dict[str, Any]:
    login, permission = write.payload["login"], write.payload["permission"]
    invited = api.add_collaborator(write.repo, login, permission=permission)
    return {"login": login, "permission": permission, "invited": invited}


def _set_actions_secret(write: Write) -> dict[str, Any]:
    p = write.payload
    api.set_actions_secret(
        write.repo, p["name"], encrypted_value=p["encrypted_value"], key_id=p["key_id"]
    )
    return {"name": p["name"]}


def _set_actions_variable(write: Write) -> dict[str, Any]:
    api.set_actions_variable(write.repo, write.payload["name"], value=write.payload["value"])
    return {"name": write.payload["name"]}


def _ensure_webhook(write: Write) -> dict[str, Any]:
    p = write.payload
    hook_id = api.ensure_hook(write.repo, url=p["url"], events=p["events"], secret=p["secret"])
    return {"hook_id": hook_id}


def _protect_branch(write: Write) -> dict[str, Any]:
    p = write.payload
    api.protect_branch(write.repo, p["branch"], required_checks=p["required_checks"])
    return {"branch": p["branch"]}


def _enable_vulnerability_reporting(write: Write) -> dict[str, Any]:
    api.enable_private_vulnerability_reporting(write.repo)
    return {}


PERFORMERS: dict[str, Callable[[Write], dict[str, Any]]] = {
    Write.Kind.SET_UP_REPOSITORY: _set_up_repository,
    Write.Kind.ADD_COLLABORATOR: _add_collaborator,
    Write.Kind.SET_ACTIONS_SECRET: _set_actions_secret,
    Write.Kind.SET_ACTIONS_VARIABLE: _set_actions_variable,
    Write.Kind.ENSURE_WEBHOOK: _ensure_webhook,
    Write.Kind.PROTECT_BRANCH: _protect_branch,
    Write.Kind.ENABLE_VULNERABILITY_REPORTING: _enable_vulnerability_reporting,
}
