"""HTTP control endpoints under /_fake/ for the standalone server (demo and browser tests).

They drive the same Python API the pytest fixture offers; they are not GitHub endpoints, so
the contract check does not apply to them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .fake import GitHubFake

_ISSUE = re.compile(
    r"^/_fake/repos/([^/]+)/([^/]+)/issues/(\d+)/(close|reopen|comment|labels|"
    r"assign)$"
)
_PUSH = re.compile(r"^/_fake/repos/([^/]+)/([^/]+)/push$")
_REDELIVER = re.compile(r"^/_fake/deliveries/([0-9a-f-]+)/redeliver$")
_RELEASE = re.compile(r"^/_fake/faults/(\d+)/release$")


def _delivery(d: Any) -> dict[str, Any]:
    return {
        "guid": d.guid,
        "event": d.event,
        "action": d.action,
        "hook_id": d.hook_id,
        "url": d.url,
        "status": d.status,
        "error": d.error,
        "redelivery": d.redelivery,
    }


def dispatch(fake: GitHubFake, method: str, path: str, body: Any) -> tuple[int, Any]:
    body = body or {}
    if (method, path) == ("GET", "/_fake/health"):
        return 200, {"ok": True, "base_url": fake.base_url}
    if (method, path) == ("POST", "/_fake/reset"):
        fake.reset()
        return 200, {"ok": True}
    if (method, path) == ("GET", "/_fake/violations"):
        return 200, [str(v) for v in fake.violations]
    if (method, path) == ("GET", "/_fake/requests"):
        return 200, [
            {
                "method": r.method,
                "path": r.path,
                "operation": r.operation,
                "status": r.status,
                "fault": r.fault,
            }
            for r in fake.requests
        ]
    if (method, path) == ("GET", "/_fake/state"):
        return 200, {
            "created": dict(fake.state.created),
            "repos": {
                repo.full_name: {
                    "private": repo.private,
                    "issues": len(repo.issues),
                    "collaborators": dict(repo.collaborators),
                    "hooks": len(repo.hooks),
                    "secrets": sorted(repo.secrets),
                    "variables": sorted(repo.variables),
                    "commits": len(repo.commits),
                }
                for repo in fake.state.repos.values()
            },
        }
    if (method, path) == ("POST", "/_fake/faults"):
        kind = body.pop("kind")
        return 201, fake.faults.add(kind, **body).as_dict()
    if (method, path) == ("GET", "/_fake/faults"):
        return 200, [f.as_dict() for f in fake.faults.active()]
    if method == "POST" and (m := _RELEASE.match(path)):
        fake.faults.get(int(m.group(1))).release()
        return 200, {"ok": True}
    if (method, path) == ("DELETE", "/_fake/faults"):
        fake.clear_faults()
        return 200, {"ok": True}
    if (method, path) == ("POST", "/_fake/tokens"):
        fake.add_token(body["token"], body["login"])
        return 201, {"ok": True}
    if (method, path) == ("POST", "/_fake/repos"):
        repo = fake.add_repo(
            body["owner"],
            body["name"],
            private=body.get("private", False),
            files=body.get("files"),
            is_template=body.get("is_template", False),
            has_issues=body.get("has_issues", True),
            owner_type=body.get("owner_type"),
        )
        if body.get("private_vulnerability_reporting"):
            repo.private_vulnerability_reporting = True
        return 201, fake.state.full_repository(repo)
    if (method, path) == ("GET", "/_fake/deliveries"):
        return 200, [_delivery(d) for d in fake.deliveries]
    if method == "POST" and (m := _REDELIVER.match(path)):
        return 200, _delivery(fake.redeliver(m.group(1)))
    if method == "POST" and (m := _PUSH.match(path)):
        commits = fake.push(
            m.group(1),
            m.group(2),
            body["commits"],
            branch=body.get("branch"),
            sender=body.get("sender", "developer"),
        )
        return 200, [c.sha for c in commits]
    if method == "POST" and (m := _ISSUE.match(path)):
        owner, name, number, verb = m.group(1), m.group(2), int(m.group(3)), m.group(4)
        actor = body.get("actor", "developer")
        if verb == "close":
            issue = fake.close_issue(
                owner,
                name,
                number,
                comment=body.get("comment"),
                actor=actor,
                reason=body.get("reason", "completed"),
            )
        elif verb == "reopen":
            issue = fake.reopen_issue(owner, name, number, actor=actor)
        elif verb == "comment":
            comment = fake.comment_issue(owner, name, number, body["body"], actor=actor)
            return 201, {"id": comment.id}
        elif verb == "labels":
            issue = fake.add_issue_labels(owner, name, number, *body["labels"], actor=actor)
        else:
            issue = fake.assign_issue(owner, name, number, *body["assignees"], actor=actor)
        return 200, {
            "number": issue.number,
            "state": issue.state,
            "labels": [lb.name for lb in issue.labels],
        }
    return 404, {
        "message": f"no control endpoint {method} {path}",
        "see": "tests/fakes/github/control.py",
    }
