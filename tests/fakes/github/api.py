"""Handlers of the REST operations the fake implements, keyed by the description's templates."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from nacl.exceptions import CryptoError
from nacl.public import SealedBox

from .state import (
    Comment,
    Commit,
    Hook,
    Issue,
    Label,
    Repo,
    Secret,
    User,
    Variable,
    git_sha,
    now_iso,
)

if TYPE_CHECKING:
    from .fake import GitHubFake

DOCS = "https://docs.github.com/rest"


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "message": self.message,
            "documentation_url": DOCS,
            "status": str(self.status),
        }
        if self.errors is not None:
            out["errors"] = self.errors
        return out


@dataclass
class Call:
    fake: GitHubFake
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, list[str]]
    body: Any
    actor: User | None
    token: str | None = None
    jwt_app: bool = False  # authenticated with the app's JWT

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default


@dataclass
class Result:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Result]
ROUTES: dict[tuple[str, str], Handler] = {}


def route(method: str, template: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        ROUTES[(method, template)] = fn
        return fn

    return register


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def get_repo(call: Call, owner_key: str = "owner", repo_key: str = "repo") -> Repo:
    repo = call.fake.state.repo(call.params[owner_key], call.params[repo_key])
    if repo is None:
        raise not_found()
    return repo


def actor(call: Call) -> User:
    if call.actor is None:
        raise ApiError(401, "Requires authentication")
    return call.actor


def paginate(call: Call, items: list[Any], default: int = 30) -> tuple[list[Any], dict[str, str]]:
    per_page = min(int(call.q("per_page", str(default)) or default), 100)
    page = max(int(call.q("page", "1") or 1), 1)
    last = max((len(items) + per_page - 1) // per_page, 1)
    chunk = items[(page - 1) * per_page : page * per_page]
    links = []
    base = call.fake.base_url + call.path

    def link(p: int, rel: str) -> str:
        query = {k: v[-1] for k, v in call.query.items()}
        query.update(page=str(p), per_page=str(per_page))
        return f'<{base}?{urlencode(query)}>; rel="{rel}"'

    if page > 1:
        links += [link(page - 1, "prev"), link(1, "first")]
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    return chunk, ({"Link": ", ".join(links)} if links else {})


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- repositories -----------------------------------------------------------------------------

REPO_FIELDS = (
    "description",
    "homepage",
    "has_issues",
    "has_projects",
    "has_wiki",
    "has_discussions",
    "is_template",
    "archived",
    "default_branch",
)


def _apply_repo_fields(repo: Repo, body: dict[str, Any]) -> None:
    for key in REPO_FIELDS:
        if key in body and body[key] is not None:
            setattr(repo, key, body[key])
    if "private" in body:
        repo.private = bool(body["private"])
    if body.get("visibility") in {"public", "private", "internal"}:
        repo.private = body["visibility"] != "public"
    if repo.private:
        repo.private_vulnerability_reporting = False


def _check_name_free(call: Call, owner: User, name: str) -> None:
    if call.fake.state.repo(owner.login, name) is not None:
        error = {
            "resource": "Repository",
            "code": "custom",
            "field": "name",
            "message": "name already exists on this account",
        }
        raise ApiError(422, "Repository creation failed.", [error])


def _create_repo(call: Call, owner: User, body: dict[str, Any]) -> Result:
    fake = call.fake
    name = body["name"]
    _check_name_free(call, owner, name)
    repo = fake.add_repo(owner.login, name, owner_type=owner.type, files=None)
    _apply_repo_fields(repo, body)
    if body.get("auto_init"):
        fake.commit(repo, {"README.md": f"# {name}\n"}, "Initial commit", actor=call.actor)
    fake.state.count_create("repo")
    return Result(201, fake.state.full_repository(repo))


@route("GET", "/repos/{owner}/{repo}")
def get_repository(call: Call) -> Result:
    return Result(200, call.fake.state.full_repository(get_repo(call)))


@route("POST", "/orgs/{org}/repos")
def create_org_repo(call: Call) -> Result:
    org = call.fake.state.user(call.params["org"], "Organization")
    return _create_repo(call, org, call.body)


@route("POST", "/user/repos")
def create_user_repo(call: Call) -> Result:
    user = actor(call)
    if user.type == "Bot":
        raise ApiError(403, "Resource not accessible by integration")
    return _create_repo(call, user, call.body)


@route("PATCH", "/repos/{owner}/{repo}")
def update_repository(call: Call) -> Result:
    fake = call.fake
    repo = get_repo(call)
    body = call.body or {}
    new_name = body.get("name")
    if new_name and new_name != repo.name:
        if fake.state.repo(repo.owner.login, new_name) is not None:
            raise ApiError(
                422,
                "Validation Failed",
                [
                    {
                        "resource": "Repository",
                        "code": "custom",
                        "field": "name",
                        "message": "name already exists on this account",
                    }
                ],
            )
        del fake.state.repos[(repo.owner.login.lower(), repo.name.lower())]
        repo.name = new_name
        fake.state.repos[(repo.owner.login.lower(), repo.name.lower())] = repo
    if "default_branch" in body and body["default_branch"] not in repo.branches and repo.branches:
        raise ApiError(
            422,
            "Validation Failed",
            [{"resource": "Repository", "code": "invalid", "field": "default_branch"}],
        )
    _apply_repo_fields(repo, body)
    repo.updated_at = now_iso()
    return Result(200, fake.state.full_repository(repo))


# --- collaborators ----------------------------------------------------------------------------


@route("PUT", "/repos/{owner}/{repo}/collaborators/{username}")
def add_collaborator(call: Call) -> Result:
    fake = call.fake
    repo = get_repo(call)
    login = call.params["username"]
    permission = (call.body or {}).get("permission", "push")
    if login.lower() in fake.state.unknown_logins:
        raise not_found()
    if login.lower() in {c.lower() for c in repo.collaborators}:
        repo.collaborators[login] = permission
        return Result(204)
    invitee = fake.state.user(login)
    pending = [i for i in repo.invitations if i["login"].lower() == login.lower()]
    if pending:  # inviting again updates the open invitation
        invitation = pending[0]
        invitation["permissions"] = permission
    else:
        invitation = {
            "id": fake.state.next_id(),
            "login": invitee.login,
            "permissions": permission,
            "created_at": now_iso(),
        }
        repo.invitations.append(invitation)
        fake.state.count_create("invitation")
    if fake.auto_accept_invitations:
        fake.state.accept_invitation(repo.owner.login, repo.name, invitee.login)
    return Result(201, invitation_json(call, repo, invitation))


def invitation_json(call: Call, repo: Repo, invitation: dict[str, Any]) -> dict[str, Any]:
    fake = call.fake
    api = f"{fake.base_url}/repos/{repo.full_name}"
    perm_name = {"pull": "read", "push": "write"}.get(
        invitation["permissions"], invitation["permissions"]
    )
    return {
        "id": invitation["id"],
        "node_id": f"RI_{invitation['id']}",
        "repository": fake.state.minimal_repository(repo),
        "invitee": fake.state.simple_user(fake.state.user(invitation["login"])),
        "inviter": fake.state.simple_user(actor(call)),
        "permissions": perm_name
        if perm_name in {"read", "write", "admin", "triage", "maintain"}
        else "write",
        "created_at": invitation["created_at"],
        "expired": False,
        "url": f"{api}/invitations/{invitation['id']}",
        "html_url": f"{fake.state.html_base}/{repo.full_name}/invitations",
    }


@route("GET", "/repos/{owner}/{repo}/invitations")
def list_invitations(call: Call) -> Result:
    repo = get_repo(call)
    pending = [invitation_json(call, repo, i) for i in call.fake.state.pending_invitations(repo)]
    chunk, headers = paginate(call, pending)
    return Result(200, chunk, headers)


@route("GET", "/users/{username}")
def get_user(call: Call) -> Result:
    login = call.params["username"]
    if login.lower() in call.fake.state.unknown_logins:
        raise not_found()
    user = call.fake.state.user(login)
    stamp = call.fake.started_at
    return Result(
        200,
        {
            **call.fake.state.simple_user(user),
            "name": user.name,
            "company": None,
            "blog": None,
            "location": None,
            "email": user.email,
            "hireable": None,
            "bio": None,
            "public_repos": 0,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": stamp,
            "updated_at": stamp,
        },
    )


@route("DELETE", "/repos/{owner}/{repo}/collaborators/{username}")
def remove_collaborator(call: Call) -> Result:
    repo = get_repo(call)
    login = call.params["username"].lower()
    for name in [c for c in repo.collaborators if c.lower() == login]:
        del repo.collaborators[name]
    repo.invitations = [i for i in repo.invitations if i["login"].lower() != login]
    return Result(204)


@route("GET", "/repos/{owner}/{repo}/collaborators")
def list_collaborators(call: Call) -> Result:
    fake = call.fake
    repo = get_repo(call)
    people = [(repo.owner.login, "admin")] if repo.owner.type == "User" else []
    people += [(login, perm) for login, perm in repo.collaborators.items()]
    wanted = call.q("permission")
    order = ["pull", "triage", "push", "maintain", "admin"]
    items = []
    for login, perm in people:
        perm = perm if perm in order else "push"
        if wanted and order.index(perm) < order.index(wanted):
            continue
        level = order.index(perm)
        items.append(
            {
                **fake.state.simple_user(fake.state.user(login)),
                "permissions": {p: level >= order.index(p) for p in order},
                "role_name": {"pull": "read", "push": "write"}.get(perm, perm),
            }
        )
    chunk, headers = paginate(call, items)
    return Result(200, chunk, headers)


# --- hooks ------------------------------------------------------------------------------------


@route("GET", "/repos/{owner}/{repo}/hooks")
def list_hooks(call: Call) -> Result:
    repo = get_repo(call)
    chunk, headers = paginate(
        call, [call.fake.state.hook_json(repo, h) for h in repo.hooks.values()]
    )
    return Result(200, chunk, headers)


@route("POST", "/repos/{owner}/{repo}/hooks")
def create_hook(call: Call) -> Result:
    fake = call.fake
    repo = get_repo(call)
    body = call.body or {}
    config = dict(body.get("config") or {})
    if not config.get("url"):
        raise ApiError(
            422,
            "Validation Failed",
            [{"resource": "Hook", "code": "custom", "message": "Config must contain URL."}],
        )
    config.setdefault("content_type", "form")
    config["insecure_ssl"] = str(config.get("insecure_ssl", "0"))
    if any(h.config.get("url") == config["url"] for h in repo.hooks.values()):
        raise ApiError(
            422,
            "Validation Failed",
            [
                {
                    "resource": "Hook",
                    "code": "custom",
                    "message": "Hook already exists on this repository",
                }
            ],
        )
    stamp = now_iso()
    hook = Hook(
        fake.state.next_id(),
        list(body.get("events") or ["push"]),
        config,
        bool(body.get("active", True)),
        stamp,
        stamp,
    )
    repo.hooks[hook.id] = hook
    fake.state.count_create("hook")
    fake.emit_ping(repo, hook, call.actor)
    return Result(201, fake.state.hook_json(repo, hook))


def _get_hook(call: Call) -> tuple[Repo, Hook]:
    repo = get_repo(call)
    hook = repo.hooks.get(int(call.params["hook_id"]))
    if hook is None:
        raise not_found()
    return repo, hook


@route("PATCH", "/repos/{owner}/{repo}/hooks/{hook_id}")
def update_hook(call: Call) -> Result:
    repo, hook = _get_hook(call)
    body = call.body or {}
    if "config" in body:
        config = dict(body["config"])
        if "insecure_ssl" in config:
            config["insecure_ssl"] = str(config["insecure_ssl"])
        if "secret" not in config and "secret" in hook.config:
            config["secret"] = hook.config["secret"]
        hook.config = {**hook.config, **config}
    if "events" in body:
        hook.events = list(body["events"])
    hook.events += [e for e in body.get("add_events", []) if e not in hook.events]
    hook.events = [e for e in hook.events if e not in body.get("remove_events", [])]
    if "active" in body:
        hook.active = bool(body["active"])
    hook.updated_at = now_iso()
    return Result(200, call.fake.state.hook_json(repo, hook))


@route("DELETE", "/repos/{owner}/{repo}/hooks/{hook_id}")
def delete_hook(call: Call) -> Result:
    repo, hook = _get_hook(call)
    del repo.hooks[hook.id]
    return Result(204)


# --- Actions secrets and variables ------------------------------------------------------------


@route("GET", "/repos/{owner}/{repo}/actions/secrets/public-key")
def get_public_key(call: Call) -> Result:
    repo = get_repo(call)
    key_id, key = call.fake.repo_key(repo)
    return Result(200, {"key_id": key_id, "key": base64.b64encode(bytes(key.public_key)).decode()})


@route("PUT", "/repos/{owner}/{repo}/actions/secrets/{secret_name}")
def put_secret(call: Call) -> Result:
    fake = call.fake
    repo = get_repo(call)
    name = call.params["secret_name"].upper()
    key_id, key = fake.repo_key(repo)
    body = call.body
    if body["key_id"] != key_id:
        fake.record_violation(
            f"PUT secret {name}: key_id {body['key_id']!r} is not the "
            f"repository's public key id {key_id!r}"
        )
        raise ApiError(422, "Bad request: key_id does not match the repository public key")
    try:
        value = SealedBox(key).decrypt(base64.b64decode(body["encrypted_value"], validate=True))
    except (CryptoError, ValueError):
        fake.record_violation(
            f"PUT secret {name}: encrypted_value is not a sealed box for the repository public key"
        )
        raise ApiError(422, "Bad request: encrypted_value could not be decrypted") from None
    stamp = now_iso()
    existing = repo.secrets.get(name)
    repo.secrets[name] = Secret(
        name,
        body["encrypted_value"],
        key_id,
        value,
        existing.created_at if existing else stamp,
        stamp,
    )
    if existing:
        return Result(204)
    fake.state.count_create("secret")
    return Result(201, {})


@route("POST", "/repos/{owner}/{repo}/actions/variables")
def create_variable(call: Call) -> Result:
    fake = call.fake
    repo = get_repo(call)
    name = call.body["name"].upper()
    if name in repo.variables:
        raise ApiError(409, "Already exists - Variable already exists")
    stamp = now_iso()
    repo.variables[name] = Variable(name, call.body["value"], stamp, stamp)
    fake.state.count_create("variable")
    return Result(201, {})


@route("PATCH", "/repos/{owner}/{repo}/actions/variables/{name}")
def update_variable(call: Call) -> Result:
    repo = get_repo(call)
    name = call.params["name"].upper()
    variable = repo.variables.get(name)
    if variable is None:
        raise not_found()
    body = call.body or {}
    if "value" in body:
        variable.value = body["value"]
    if body.get("name") and body["name"].upper() != name:
        del repo.variables[name]
        variable.name = body["name"].upper()
        repo.variables[variable.name] = variable
    variable.updated_at = now_iso()
    return Result(204)


@route("GET", "/repos/{owner}/{repo}/actions/variables/{name}")
def get_variable(call: Call) -> Result:
    repo = get_repo(call)
    variable = repo.variables.get(call.params["name"].upper())
    if variable is None:
        raise not_found()
    return Result(
        200,
        {
            "name": variable.name,
            "value": variable.value,
            "created_at": variable.created_at,
            "updated_at": variable.updated_at,
        },
    )


# --- branch protection ------------------------------------------------------------------------


@route("PUT", "/repos/{owner}/{repo}/branches/{branch}/protection")
def protect_branch(call: Call) -> Result:
    repo = get_repo(call)
    branch = call.params["branch"]
    if branch not in repo.branches:
        raise ApiError(404, "Branch not found")
    body = call.body
    repo.protections[branch] = body
    url = f"{call.fake.base_url}/repos/{repo.full_name}/branches/{branch}/protection"
    out: dict[str, Any] = {
        "url": url,
        "enforce_admins": {"url": f"{url}/enforce_admins", "enabled": bool(body["enforce_admins"])},
        "required_linear_history": {"enabled": bool(body.get("required_linear_history"))},
        "allow_force_pushes": {"enabled": bool(body.get("allow_force_pushes"))},
        "allow_deletions": {"enabled": bool(body.get("allow_deletions"))},
        "required_conversation_resolution": {
            "enabled": bool(body.get("required_conversation_resolution"))
        },
    }
    checks = body.get("required_status_checks")
    if checks:
        contexts = list(checks.get("contexts") or [c["context"] for c in checks.get("checks", [])])
        out["required_status_checks"] = {
            "url": f"{url}/required_status_checks",
            "strict": bool(checks.get("strict")),
            "contexts": contexts,
            "contexts_url": f"{url}/required_status_checks/contexts",
            "checks": [{"context": c, "app_id": None} for c in contexts],
        }
    reviews = body.get("required_pull_request_reviews")
    if reviews:
        out["required_pull_request_reviews"] = {
            "url": f"{url}/required_pull_request_reviews",
            "dismiss_stale_reviews": bool(reviews.get("dismiss_stale_reviews")),
            "require_code_owner_reviews": bool(reviews.get("require_code_owner_reviews")),
            "required_approving_review_count": int(
                reviews.get("required_approving_review_count", 1)
            ),
            "require_last_push_approval": bool(reviews.get("require_last_push_approval")),
        }
    return Result(200, out)


# --- issues -----------------------------------------------------------------------------------


def issues_repo(call: Call) -> Repo:
    repo = get_repo(call)
    if not repo.has_issues:
        raise ApiError(410, "Issues are disabled for this repo")
    return repo


def get_issue(call: Call) -> tuple[Repo, Issue]:
    repo = issues_repo(call)
    issue = repo.issues.get(int(call.params["issue_number"]))
    if issue is None:
        raise not_found()
    return repo, issue


def label_names(raw: Any) -> list[str]:
    if isinstance(raw, dict):
        raw = raw.get("labels", [])
    names = []
    for item in raw or []:
        name = item.get("name") if isinstance(item, dict) else str(item)
        if name and name.lower() not in {n.lower() for n in names}:
            names.append(name)
    return names


def ensure_label(call: Call, repo: Repo, name: str) -> Label:
    label = repo.labels.get(name.lower())
    if label is None:
        label = Label(call.fake.state.next_id(), name)
        repo.labels[name.lower()] = label
    return label


@route("POST", "/repos/{owner}/{repo}/issues")
def create_issue(call: Call) -> Result:
    fake = call.fake
    repo = issues_repo(call)
    body = call.body
    user = actor(call)
    can_push = fake.has_push_access(repo, user)
    stamp = now_iso()
    issue = Issue(
        fake.state.next_id(),
        repo.next_number,
        str(body["title"]),
        body.get("body"),
        user,
        stamp,
        stamp,
    )
    repo.next_number += 1
    if can_push:  # GitHub silently drops these for users without push access
        issue.labels = [ensure_label(call, repo, n) for n in label_names(body.get("labels"))]
        logins = list(body.get("assignees") or [])
        if body.get("assignee"):
            logins.insert(0, body["assignee"])
        issue.assignees = [fake.state.user(login) for login in dict.fromkeys(logins)]
    repo.issues[issue.number] = issue
    fake.state.count_create("issue")
    fake.emit_issue(repo, issue, "opened", user)
    for label in issue.labels:
        fake.emit_issue(repo, issue, "labeled", user, label=label)
    return Result(201, fake.state.issue_json(repo, issue))


@route("GET", "/repos/{owner}/{repo}/issues")
def list_issues(call: Call) -> Result:
    fake = call.fake
    repo = issues_repo(call)
    state = call.q("state", "open")
    items = [i for i in repo.issues.values() if state == "all" or i.state == state]
    if call.q("labels"):
        wanted = {n.strip().lower() for n in (call.q("labels") or "").split(",") if n.strip()}
        items = [i for i in items if wanted <= {lb.name.lower() for lb in i.labels}]
    if call.q("creator"):
        items = [i for i in items if i.user.login.lower() == (call.q("creator") or "").lower()]
    assignee = call.q("assignee")
    if assignee == "none":
        items = [i for i in items if not i.assignees]
    elif assignee and assignee != "*":
        items = [i for i in items if assignee.lower() in {u.login.lower() for u in i.assignees}]
    elif assignee == "*":
        items = [i for i in items if i.assignees]
    if call.q("since"):
        since = parse_time(call.q("since") or "")
        items = [i for i in items if parse_time(i.updated_at) >= since]
    sort = call.q("sort", "created")
    key = {
        "created": lambda i: (i.created_at, i.number),
        "updated": lambda i: (i.updated_at, i.number),
        "comments": lambda i: (len(i.comments), i.number),
    }.get(sort or "created")
    items.sort(key=key, reverse=call.q("direction", "desc") == "desc")  # type: ignore[arg-type]
    chunk, headers = paginate(call, items)
    return Result(200, [fake.state.issue_json(repo, i) for i in chunk], headers)


@route("GET", "/repos/{owner}/{repo}/pulls")
def list_pulls(call: Call) -> Result:
    repo = get_repo(call)
    state = call.q("state", "open")
    items = [p for p in repo.pulls.values() if state == "all" or p.state == state]
    sort = call.q("sort", "created")
    key = {
        "created": lambda p: (p.created_at, p.number),
        "updated": lambda p: (p.updated_at, p.number),
        "popularity": lambda p: (len(p.reviews), p.number),
        "long-running": lambda p: (p.created_at, p.number),
    }.get(sort or "created")
    # As documented: "desc when sort is created or sort is not specified, otherwise asc".
    default = "desc" if sort == "created" else "asc"
    items.sort(key=key, reverse=call.q("direction", default) == "desc")  # type: ignore[arg-type]
    chunk, headers = paginate(call, items)
    return Result(200, [call.fake.state.pull_json(repo, p) for p in chunk], headers)


@route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews")
def list_pull_reviews(call: Call) -> Result:
    repo = get_repo(call)
    pull = repo.pulls.get(int(call.params["pull_number"]))
    if pull is None:
        raise not_found()
    chunk, headers = paginate(call, list(pull.reviews))
    return Result(200, [call.fake.state.review_json(repo, pull, r) for r in chunk], headers)


@route("GET", "/repos/{owner}/{repo}/issues/{issue_number}")
def get_issue_op(call: Call) -> Result:
    repo, issue = get_issue(call)
    return Result(200, call.fake.state.issue_json(repo, issue))


@route("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}")
def update_issue(call: Call) -> Result:
    fake = call.fake
    repo, issue = get_issue(call)
    body = call.body or {}
    user = actor(call)
    fake.apply_issue_update(repo, issue, body, user)
    return Result(200, fake.state.issue_json(repo, issue))


@route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
def create_comment(call: Call) -> Result:
    fake = call.fake
    repo, issue = get_issue(call)
    comment = fake.add_comment(repo, issue, call.body["body"], actor(call))
    return Result(201, fake.state.comment_json(repo, comment))


@route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
def list_comments(call: Call) -> Result:
    repo, issue = get_issue(call)
    items: list[Comment] = list(issue.comments)
    if call.q("since"):
        since = parse_time(call.q("since") or "")
        items = [c for c in items if parse_time(c.updated_at) >= since]
    chunk, headers = paginate(call, items)
    return Result(200, [call.fake.state.comment_json(repo, c) for c in chunk], headers)


@route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels")
def add_labels(call: Call) -> Result:
    fake = call.fake
    repo, issue = get_issue(call)
    fake.label_issue(repo, issue, label_names(call.body), actor(call))
    return Result(200, [fake.state.label(repo, lb) for lb in issue.labels])


# --- security ---------------------------------------------------------------------------------


@route("GET", "/repos/{owner}/{repo}/private-vulnerability-reporting")
def get_pvr(call: Call) -> Result:
    return Result(200, {"enabled": get_repo(call).private_vulnerability_reporting})


@route("PUT", "/repos/{owner}/{repo}/private-vulnerability-reporting")
def enable_pvr(call: Call) -> Result:
    repo = get_repo(call)
    if repo.private:
        raise ApiError(
            422, "Private vulnerability reporting is not available for private repositories"
        )
    repo.private_vulnerability_reporting = True
    return Result(204)


@route("DELETE", "/repos/{owner}/{repo}/private-vulnerability-reporting")
def disable_pvr(call: Call) -> Result:
    get_repo(call).private_vulnerability_reporting = False
    return Result(204)


@route("POST", "/repos/{owner}/{repo}/security-advisories/reports")
def report_vulnerability(call: Call) -> Result:
    fake = call.fake
    repo = get_repo(call)
    if repo.private or not repo.private_vulnerability_reporting:
        raise ApiError(403, "Repository does not have private vulnerability reporting enabled")
    body = call.body
    user = actor(call)
    ghsa = "GHSA-" + "-".join(secrets.token_hex(2) for _ in range(3))
    stamp = now_iso()
    api = f"{fake.base_url}/repos/{repo.full_name}/security-advisories/{ghsa}"
    advisory = {
        "ghsa_id": ghsa,
        "cve_id": None,
        "url": api,
        "html_url": f"{fake.state.html_base}/{repo.full_name}/security/advisories/{ghsa}",
        "summary": body["summary"],
        "description": body["description"],
        "severity": body.get("severity"),
        "author": fake.state.simple_user(user),
        "publisher": None,
        "identifiers": [{"type": "GHSA", "value": ghsa}],
        "state": "triage",
        "created_at": stamp,
        "updated_at": stamp,
        "published_at": None,
        "closed_at": None,
        "withdrawn_at": None,
        "submission": {"accepted": False},
        "vulnerabilities": [
            {
                "package": v["package"],
                "vulnerable_version_range": v.get("vulnerable_version_range"),
                "patched_versions": v.get("patched_versions"),
                "vulnerable_functions": v.get("vulnerable_functions"),
            }
            for v in body.get("vulnerabilities") or []
        ],
        "cvss": None,
        "cvss_severities": None,
        "cwes": None,
        "cwe_ids": body.get("cwe_ids"),
        "credits": [],
        "credits_detailed": [],
        "collaborating_users": None,
        "collaborating_teams": None,
        "private_fork": None,
    }
    repo.advisories.append(advisory)
    fake.state.count_create("advisory")
    return Result(201, advisory)


# --- commits and contents ---------------------------------------------------------------------


@route("GET", "/repos/{owner}/{repo}/commits/{ref}")
def get_commit(call: Call) -> Result:
    repo = get_repo(call)
    commit = repo.head(call.params["ref"])
    if commit is None:
        raise ApiError(422, f"No commit found for SHA: {call.params['ref']}")
    return Result(200, call.fake.state.commit_json(repo, commit))


@route("GET", "/repos/{owner}/{repo}/contents/{path}")
def get_contents(call: Call) -> Result:
    fake = call.fake
    repo = get_repo(call)
    ref = call.q("ref") or repo.default_branch
    commit = repo.head(ref)
    if commit is None:
        raise ApiError(404, f"No commit found for the ref {ref}")
    path = call.params["path"].strip("/")
    if path in commit.files:
        data = commit.files[path]
        entry = fake.state.content_entry(repo, ref, path, "file", data)
        encoded = base64.b64encode(data).decode()
        # GitHub wraps base64 content at 60 characters
        entry["content"] = "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n"
        entry["encoding"] = "base64"
        return Result(200, entry)
    prefix = path + "/"
    children: dict[str, str] = {}
    for file_path in commit.files:
        if file_path.startswith(prefix):
            rest = file_path[len(prefix) :]
            name = rest.split("/", 1)[0]
            children[name] = "dir" if "/" in rest else "file"
    if not children:
        raise not_found()
    entries = [
        fake.state.content_entry(
            repo,
            ref,
            prefix + name,
            kind,
            commit.files.get(prefix + name) if kind == "file" else None,
        )
        for name, kind in sorted(children.items())
    ]
    return Result(200, entries)


# --- Git Data API: trees, commits, refs (how Polise pushes a first commit without git) -----


def _git_commit_json(call: Call, repo: Repo, commit: Commit) -> dict[str, Any]:
    api = f"{call.fake.base_url}/repos/{repo.full_name}"
    html = f"{call.fake.state.html_base}/{repo.full_name}"

    def person(p: dict[str, Any]) -> dict[str, Any]:
        return {"name": p["name"], "email": p["email"], "date": p["date"]}

    return {
        "sha": commit.sha,
        "node_id": f"C_{commit.sha[:12]}",
        "url": f"{api}/git/commits/{commit.sha}",
        "html_url": f"{html}/commit/{commit.sha}",
        "author": person(commit.author),
        "committer": person(commit.committer),
        "tree": {"sha": commit.tree_sha, "url": f"{api}/git/trees/{commit.tree_sha}"},
        "message": commit.message,
        "parents": [
            {"sha": p, "url": f"{api}/git/commits/{p}", "html_url": f"{html}/commit/{p}"}
            for p in commit.parents
        ],
        "verification": {
            "verified": False,
            "reason": "unsigned",
            "signature": None,
            "payload": None,
            "verified_at": None,
        },
    }


@route("POST", "/repos/{owner}/{repo}/git/trees")
def create_tree(call: Call) -> Result:
    repo = get_repo(call)
    if not repo.commits:
        raise ApiError(409, "Git Repository is empty.")
    body = call.body
    files: dict[str, bytes] = {}
    if body.get("base_tree"):
        base = repo.trees.get(body["base_tree"]) or next(
            (c.files for c in repo.commits.values() if c.tree_sha == body["base_tree"]), None
        )
        if base is None:
            raise ApiError(422, "Invalid tree info")
        files = dict(base)
    for entry in body["tree"]:
        if entry.get("type", "blob") != "blob" or "content" not in entry:
            raise ApiError(422, "The fake takes blob entries with inline content only")
        files[entry["path"].strip("/")] = entry["content"].encode()
    sha = tree_sha(files)
    repo.trees[sha] = files
    api = f"{call.fake.base_url}/repos/{repo.full_name}"
    return Result(
        201,
        {
            "sha": sha,
            "url": f"{api}/git/trees/{sha}",
            "truncated": False,
            "tree": [
                {
                    "path": path,
                    "mode": "100644",
                    "type": "blob",
                    "sha": git_sha("blob", data),
                    "size": len(data),
                    "url": f"{api}/git/blobs/{git_sha('blob', data)}",
                }
                for path, data in sorted(files.items())
            ],
        },
    )


@route("POST", "/repos/{owner}/{repo}/git/commits")
def create_git_commit(call: Call) -> Result:
    repo = get_repo(call)
    body = call.body
    files = repo.trees.get(body["tree"])
    if files is None:
        raise ApiError(422, "Tree SHA does not exist")
    parents = list(body.get("parents") or [])
    if any(p not in repo.commits for p in parents):
        raise ApiError(422, "Parent SHA does not exist or is not a commit object")
    author = dict(body.get("author") or {"name": actor(call).login, "email": "bot@example.org"})
    author.setdefault("date", now_iso())
    old = repo.commits[parents[0]].files if parents else {}
    sha = git_sha("commit", repo.id, body["tree"], body["message"], *parents, author["date"])
    repo.commits[sha] = Commit(
        sha,
        body["tree"],
        body["message"],
        author,
        dict(body.get("committer") or author),
        parents,
        dict(files),
        added=[p for p in files if p not in old],
        modified=[p for p in files if p in old and old[p] != files[p]],
        removed=[p for p in old if p not in files],
    )
    call.fake.state.count_create("git_commit")
    return Result(201, _git_commit_json(call, repo, repo.commits[sha]))


@route("PATCH", "/repos/{owner}/{repo}/git/refs/{ref}")
def update_git_ref(call: Call) -> Result:
    repo = get_repo(call)
    ref = call.params["ref"]
    if not ref.startswith("heads/") or ref[len("heads/") :] not in repo.branches:
        raise ApiError(422, "Reference does not exist")
    branch = ref[len("heads/") :]
    sha = call.body["sha"]
    if sha not in repo.commits:
        raise ApiError(422, "Object does not exist")
    ancestors = {c.sha for c in repo.history(sha)}
    if repo.branches[branch] not in ancestors and not call.body.get("force"):
        raise ApiError(422, "Update is not a fast forward")
    repo.branches[branch] = sha
    repo.pushed_at = now_iso()
    api = f"{call.fake.base_url}/repos/{repo.full_name}"
    return Result(
        200,
        {
            "ref": f"refs/{ref}",
            "node_id": f"REF_{sha[:12]}",
            "url": f"{api}/git/refs/{ref}",
            "object": {"type": "commit", "sha": sha, "url": f"{api}/git/commits/{sha}"},
        },
    )


# --- apps ----------------------------------------------------------------------------------


@route("POST", "/app/installations/{installation_id}/access_tokens")
def create_installation_token(call: Call) -> Result:
    fake = call.fake
    if not call.jwt_app:
        raise ApiError(401, "A JSON web token could not be decoded")
    installation_id = int(call.params["installation_id"])
    if installation_id not in fake.app.installations:
        raise not_found()
    token = "ghs_" + secrets.token_urlsafe(27)
    expires = datetime.now(UTC) + timedelta(seconds=fake.installation_token_ttl)
    fake.add_token(
        token,
        f"{fake.app.slug}[bot]",
        kind="Bot",
        expires_at=expires.timestamp(),
        installation_id=installation_id,
    )
    body = call.body or {}
    permissions = body.get("permissions") or dict(fake.app.permissions)
    fake.state.count_create("installation_token")
    return Result(
        201,
        {
            "token": token,
            "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "permissions": permissions,
            "repository_selection": "selected" if body.get("repositories") else "all",
        },
    )


def commit_files(
    parent: dict[str, bytes], changes: dict[str, str | bytes | None]
) -> tuple[dict[str, bytes], list[str], list[str], list[str]]:
    """Apply a change set (path -> new content, None to delete) to a tree snapshot."""
    files = dict(parent)
    added, modified, removed = [], [], []
    for path, content in changes.items():
        path = path.strip("/")
        if content is None:
            if path in files:
                del files[path]
                removed.append(path)
            continue
        data = content.encode() if isinstance(content, str) else content
        (modified if path in files else added).append(path)
        files[path] = data
    return files, added, modified, removed


def tree_sha(files: dict[str, bytes]) -> str:
    return git_sha("tree", *sorted(f"{p}:{git_sha(d)}" for p, d in files.items()))
