"""The GitHub fake: an in-memory GitHub REST API checked against GitHub's own description."""

from __future__ import annotations

import json
import re
import secrets
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from nacl.public import PrivateKey

from . import api
from .faults import Fault, Faults
from .spec import OpenAPIContract, WebhookSchemas, load_contract, load_webhook_schemas
from .state import (
    Comment,
    Commit,
    Hook,
    Issue,
    PullRequest,
    Repo,
    Review,
    State,
    User,
    git_sha,
    now_iso,
)
from .webhooks import Delivery, Target, WebhookSender

RATE_LIMIT = 5000
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before "
    "you try again. If you reach out to GitHub Support for help, please include "
    "the request ID."
)


@dataclass
class Violation:
    kind: str  # "request", "response", "route", "webhook", "client"
    method: str
    path: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.method} {self.path}: {self.detail}"


@dataclass
class RequestRecord:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    operation: str | None = None
    status: int | None = None  # None: no answer was sent (timeout, lost response)
    fault: str | None = None
    started: float = field(default_factory=time.time)
    duration: float = 0.0
    # Set once the fake has finished with the request (answered, dropped, or timed out).
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class TokenInfo:
    login: str
    kind: str = "User"
    expires_at: float | None = None
    installation_id: int | None = None


@dataclass
class AppConfig:
    """The GitHub App the fake knows: its JWTs are verified with `public_key_pem`."""

    app_id: int = 4242
    slug: str = "polise"
    name: str = "Polise"
    owner: str = "diskominfo"
    public_key_pem: bytes | None = None
    private_key_pem: bytes | None = None  # only when the fake generated the key pair
    installations: dict[int, str] = field(default_factory=lambda: {77: "diskominfo"})
    permissions: dict[str, str] = field(
        default_factory=lambda: {
            "issues": "write",
            "metadata": "read",
            "contents": "read",
            "administration": "write",
            "secrets": "write",
            "actions_variables": "write",
            "repository_hooks": "write",
            "repository_advisories": "write",
        }
    )
    events: list[str] = field(default_factory=lambda: ["issues", "issue_comment", "push"])
    hook_id: int = 9001

    @classmethod
    def generated(cls, **kwargs: Any) -> AppConfig:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(
            private_key_pem=key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            public_key_pem=key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            **kwargs,
        )

    def installation_for(self, owner: str) -> int | None:
        for installation_id, account in self.installations.items():
            if account.lower() == owner.lower():
                return installation_id
        return next(iter(self.installations), None)


class GitHubFake:
    """State, contract check, faults and webhooks; `start()` serves it over HTTP."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tokens: dict[str, str] | None = None,
        app: AppConfig | None = None,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        html_url: str = "https://github.com",
        contract: OpenAPIContract | None = None,
        webhook_schemas: WebhookSchemas | None = None,
    ) -> None:
        self.contract = contract or load_contract()
        self.webhook_schemas = webhook_schemas or load_webhook_schemas()
        self.host = host
        self.port = port
        self.html_url = html_url
        self._initial_tokens = dict(tokens if tokens is not None else {"test-token": "polise-bot"})
        self.app = app or AppConfig.generated()
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.webhook_timeout = 10.0
        self.auto_accept_invitations = True
        self.allow_anonymous = False
        self.print_violations = False  # the standalone server prints them as they happen
        self.started_at = now_iso()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.webhooks = WebhookSender()
        self.faults = Faults()
        self.reset()

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> GitHubFake:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _Server((self.host, self.port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.state.base_url = self.base_url
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            name="github-fake",
            kwargs={"poll_interval": 0.1},
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> GitHubFake:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget everything a test did: repositories, tokens, faults, logs, deliveries."""
        self.webhooks.flush()
        self.webhooks.timeout = self.webhook_timeout
        self.installation_token_ttl = 3600
        self.state = State(self.base_url, self.html_url)
        # Installation tokens GitHub issued stay valid across tests, as on GitHub for an hour:
        # githubkit caches them process-wide, keyed by app and installation.
        issued = {
            tok: info
            for tok, info in getattr(self, "tokens", {}).items()
            if info.installation_id is not None and (info.expires_at or 0) > time.time()
        }
        self.tokens: dict[str, TokenInfo] = {
            **issued,
            **{tok: TokenInfo(login) for tok, login in self._initial_tokens.items()},
        }
        self.read_only_logins: set[str] = set()
        self.requests: list[RequestRecord] = []
        self.violations: list[Violation] = []
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.faults.clear()
        self.webhooks.deliveries.clear()
        self._rate: dict[str, list[int]] = {}
        self._repo_keys: dict[int, tuple[str, PrivateKey]] = {}
        self._corruptors: list[tuple[str | None, str | None, Callable[[Any], Any]]] = []

    # --- contract -----------------------------------------------------------------------------

    def record_violation(
        self, detail: str, kind: str = "client", method: str = "", path: str = ""
    ) -> None:
        violation = Violation(kind, method, path, detail)
        self.violations.append(violation)
        if self.print_violations:
            print(f"CONTRACT VIOLATION {violation}", file=sys.stderr, flush=True)

    def take_violations(self) -> list[Violation]:
        """Return and forget the violations so far (for tests that provoke them on purpose)."""
        self.webhooks.flush()
        taken, self.violations[:] = list(self.violations), []
        return taken

    def check(self) -> None:
        """Raise AssertionError listing every contract violation seen so far."""
        self.webhooks.flush()
        if self.violations:
            lines = "\n".join(f"  - {v}" for v in self.violations)
            raise AssertionError(
                f"GitHub fake: {len(self.violations)} contract violation(s):\n{lines}"
            )

    def corrupt_next_response(
        self, transform: Callable[[Any], Any], *, method: str | None = None, path: str | None = None
    ) -> None:
        """Let `transform` rewrite the next matching response body (to test the checker)."""
        self._corruptors.append((method, path, transform))

    # --- auth and rate limits -----------------------------------------------------------------

    def add_token(
        self,
        token: str,
        login: str,
        *,
        kind: str = "User",
        expires_at: float | None = None,
        installation_id: int | None = None,
    ) -> None:
        self.tokens[token] = TokenInfo(login, kind, expires_at, installation_id)
        self.state.user(login, kind)

    def app_jwt(self, *, issued: float | None = None, lifetime: int = 540) -> str:
        """A JWT for the configured app, as Polise would make it (needs the generated key)."""
        if self.app.private_key_pem is None:
            raise RuntimeError("the app's private key is not known to the fake")
        issued = time.time() if issued is None else issued
        claims = {
            "iat": int(issued) - 60,
            "exp": int(issued) + lifetime,
            "iss": str(self.app.app_id),
        }
        return jwt.encode(claims, self.app.private_key_pem, algorithm="RS256")

    def _verify_jwt(self, token: str) -> str | None:
        """None if the token is a valid app JWT, else why not."""
        if self.app.public_key_pem is None:
            return "no GitHub App is configured"
        try:
            claims = jwt.decode(
                token,
                self.app.public_key_pem,
                algorithms=["RS256"],
                options={"require": ["iat", "exp", "iss"]},
                leeway=60,
            )
        except jwt.PyJWTError as exc:
            return f"'{type(exc).__name__}': {exc}"
        if str(claims["iss"]) not in {str(self.app.app_id), f"Iv1.{self.app.app_id:016x}"}:
            return "'Issuer' claim ('iss') must be an Integer or the app's client ID"
        if claims["exp"] - claims["iat"] > 660:
            return "'Expiration time' claim ('exp') is too far in the future"
        return None

    def _authenticate(self, header: str | None) -> tuple[TokenInfo | None, str | None, bool]:
        """(identity, token, is_app_jwt); raises ApiError(401) on bad credentials."""
        if not header:
            if self.allow_anonymous:
                return None, None, False
            raise api.ApiError(401, "Requires authentication")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() not in {"token", "bearer"} or not token:
            raise api.ApiError(401, "Bad credentials")
        if token.count(".") == 2 and token not in self.tokens:
            problem = self._verify_jwt(token)
            if problem is not None:
                raise api.ApiError(401, f"A JSON web token could not be decoded: {problem}")
            return None, token, True
        info = self.tokens.get(token)
        if info is None or (info.expires_at is not None and info.expires_at < time.time()):
            raise api.ApiError(401, "Bad credentials")
        return info, token, False

    def _rate_entry(self, token: str | None) -> list[int]:
        key = token or "anonymous"
        entry = self._rate.get(key)
        now = int(time.time())
        if entry is None or entry[1] <= now:
            entry = [0, now + 3600]
            self._rate[key] = entry
        return entry

    def rate_snapshot(self, token: str | None) -> dict[str, int]:
        used, reset = self._rate_entry(token)
        return {
            "limit": RATE_LIMIT,
            "remaining": max(RATE_LIMIT - used, 0),
            "reset": reset,
            "used": used,
        }

    # --- keys ---------------------------------------------------------------------------------

    def repo_key(self, repo: Repo) -> tuple[str, PrivateKey]:
        if repo.id not in self._repo_keys:
            self._repo_keys[repo.id] = (str(3380204578043523366 + repo.id), PrivateKey.generate())
        return self._repo_keys[repo.id]

    def has_push_access(self, repo: Repo, user: User) -> bool:
        return user.login.lower() not in {login.lower() for login in self.read_only_logins}

    # --- state changes shared by the API and the Python API -----------------------------------

    def add_repo(
        self,
        owner: str,
        name: str,
        *,
        private: bool = False,
        files: dict[str, str | bytes] | None = None,
        is_template: bool = False,
        has_issues: bool = True,
        owner_type: str | None = None,
        default_branch: str = "main",
        description: str | None = None,
    ) -> Repo:
        with self.state.lock:
            if self.state.repo(owner, name) is not None:
                raise ValueError(f"{owner}/{name} exists")
            existing = self.state.users.get(owner.lower())
            user = existing or self.state.user(owner, owner_type or "User")
            stamp = now_iso()
            repo = Repo(
                self.state.next_id(),
                user,
                name,
                stamp,
                stamp,
                private=private,
                is_template=is_template,
                has_issues=has_issues,
                default_branch=default_branch,
                description=description,
            )
            self.state.repos[(user.login.lower(), name.lower())] = repo
            if files:
                self.commit(repo, files, "Initial commit")
            return repo

    def commit(
        self,
        repo: Repo,
        changes: dict[str, str | bytes | None],
        message: str,
        *,
        actor: User | TokenInfo | None = None,
        author: dict[str, Any] | None = None,
        branch: str | None = None,
        date: str | None = None,
    ) -> Commit:
        """Record a commit on `branch` (no webhook: see `push`)."""
        with self.state.lock:
            branch = branch or repo.default_branch
            parent = repo.commits.get(repo.branches.get(branch, ""))
            files, added, modified, removed = api.commit_files(
                parent.files if parent else {}, changes
            )
            login = getattr(actor, "login", None)
            person = dict(
                author
                or {
                    "name": login or "Polise Developer",
                    "email": f"{login or 'developer'}@example.org",
                }
            )
            if login and "login" not in person:
                person["login"] = login
            person.setdefault("date", date or now_iso())
            sha = git_sha(
                "commit", repo.id, len(repo.commits), message, person["date"], secrets.token_hex(4)
            )
            commit = Commit(
                sha,
                api.tree_sha(files),
                message,
                person,
                dict(person),
                [parent.sha] if parent else [],
                files,
                added,
                modified,
                removed,
            )
            repo.commits[sha] = commit
            repo.branches[branch] = sha
            repo.pushed_at = person["date"]
            return commit

    def apply_issue_update(
        self, repo: Repo, issue: Issue, body: dict[str, Any], user: User
    ) -> None:
        """PATCH semantics of an issue, with the webhooks GitHub sends for each change."""
        with self.state.lock:
            changes: dict[str, Any] = {}
            for key in ("title", "body"):
                if key in body and body[key] != getattr(issue, key):
                    changes[key] = {"from": getattr(issue, key)}
                    setattr(issue, key, str(body[key]) if key == "title" else body[key])
            events: list[tuple[str, dict[str, Any]]] = []
            if changes:
                events.append(("edited", {"changes": changes}))
            state = body.get("state")
            if state == "closed" and issue.state != "closed":
                issue.state, issue.closed_at, issue.closed_by = "closed", now_iso(), user
                issue.state_reason = body.get("state_reason") or "completed"
                events.append(("closed", {}))
            elif state == "open" and issue.state != "open":
                issue.state, issue.closed_at, issue.closed_by = "open", None, None
                issue.state_reason = "reopened"
                events.append(("reopened", {}))
            can_push = self.has_push_access(repo, user)
            if "labels" in body and can_push:
                wanted = [
                    api.ensure_label(_Call(self), repo, n)
                    for n in api.label_names(body["labels"] or [])
                ]
                for old in [lb for lb in issue.labels if lb not in wanted]:
                    events.append(("unlabeled", {"label": old}))
                for new in [lb for lb in wanted if lb not in issue.labels]:
                    events.append(("labeled", {"label": new}))
                issue.labels = wanted
            if ("assignees" in body or "assignee" in body) and can_push:
                logins = list(body.get("assignees") or [])
                if body.get("assignee"):
                    logins.insert(0, body["assignee"])
                wanted_users = [self.state.user(login) for login in dict.fromkeys(logins)]
                for old_user in [u for u in issue.assignees if u not in wanted_users]:
                    events.append(("unassigned", {"assignee": old_user}))
                for new_user in [u for u in wanted_users if u not in issue.assignees]:
                    events.append(("assigned", {"assignee": new_user}))
                issue.assignees = wanted_users
            if events:
                issue.updated_at = now_iso()
            for action, extra in events:
                self.emit_issue(repo, issue, action, user, **extra)

    def label_issue(self, repo: Repo, issue: Issue, names: Iterable[str], user: User) -> None:
        with self.state.lock:
            for name in names:
                label = api.ensure_label(_Call(self), repo, name)
                if label not in issue.labels:
                    issue.labels.append(label)
                    issue.updated_at = now_iso()
                    self.emit_issue(repo, issue, "labeled", user, label=label)

    def add_comment(self, repo: Repo, issue: Issue, body: str, user: User) -> Comment:
        with self.state.lock:
            stamp = now_iso()
            comment = Comment(self.state.next_id(), issue.number, body, user, stamp, stamp)
            issue.comments.append(comment)
            issue.updated_at = stamp
            self.state.count_create("comment")
            self._emit(
                repo,
                "issue_comment",
                {
                    "action": "created",
                    "issue": self._wh_issue(repo, issue),
                    "comment": self._project(
                        self.state.comment_json(repo, comment), "issue-comment"
                    ),
                },
                user,
            )
            return comment

    # --- webhooks -----------------------------------------------------------------------------

    def _project(self, value: dict[str, Any], definition: str) -> dict[str, Any]:
        # Webhook schemas forbid extra keys; keep the ones the event definition knows.
        allowed = self.webhook_schemas.definitions[definition].get("properties", {})
        return {k: v for k, v in value.items() if k in allowed}

    def _wh_repo(self, repo: Repo) -> dict[str, Any]:
        out = self._project(self.state.full_repository(repo), "repository")
        out["custom_properties"] = {}
        return out

    def _wh_issue(self, repo: Repo, issue: Issue) -> dict[str, Any]:
        return self._project(self.state.issue_json(repo, issue), "issue")

    def _emit(
        self,
        repo: Repo,
        event: str,
        payload: dict[str, Any],
        sender: User | None,
        only_hook: Hook | None = None,
    ) -> list[Delivery]:
        payload = {**payload, "repository": self._wh_repo(repo)}
        if sender is not None:
            payload["sender"] = self.state.simple_user(sender)
        targets: list[Target] = []
        hooks = (
            [only_hook]
            if only_hook
            else [
                h
                for h in repo.hooks.values()
                if h.active and (event in h.events or "*" in h.events)
            ]
        )
        for hook in hooks:
            targets.append(Target(hook.id, hook.config["url"], hook.config.get("secret")))
        if self.webhook_url and only_hook is None:
            installation = self.app.installation_for(repo.owner.login)
            targets.append(
                Target(
                    self.app.hook_id,
                    self.webhook_url,
                    self.webhook_secret,
                    installation_id=installation,
                )
            )
        self.events.append((event, payload))
        deliveries = []
        for target in targets or [None]:
            body = dict(payload)
            if target is not None and target.installation_id is not None:
                body["installation"] = {
                    "id": target.installation_id,
                    "node_id": f"MDIz:{target.installation_id}",
                }
            for problem in self.webhook_schemas.validate(event, body):
                self.record_violation(problem, "webhook", "POST", target.url if target else "")
            if target is not None:
                deliveries.append(self.webhooks.enqueue(event, body, target))
        return deliveries

    def emit_issue(
        self, repo: Repo, issue: Issue, action: str, sender: User, **extra: Any
    ) -> list[Delivery]:
        payload: dict[str, Any] = {"action": action, "issue": self._wh_issue(repo, issue)}
        if "label" in extra:
            payload["label"] = self._project(self.state.label(repo, extra["label"]), "label")
        if "assignee" in extra:
            payload["assignee"] = self.state.simple_user(extra["assignee"])
        if "changes" in extra:
            payload["changes"] = extra["changes"]
        return self._emit(repo, "issues", payload, sender)

    def emit_ping(self, repo: Repo, hook: Hook, sender: User | None) -> list[Delivery]:
        hook_json = self.state.hook_json(repo, hook)
        hook_json["config"] = {
            k: v
            for k, v in hook_json["config"].items()
            if k in {"content_type", "url", "insecure_ssl", "secret"}
        }
        return self._emit(
            repo,
            "ping",
            {
                "zen": "Keep it logically awesome.",
                "hook_id": hook.id,
                "hook": hook_json,
            },
            sender,
            only_hook=hook,
        )

    @property
    def deliveries(self) -> list[Delivery]:
        return list(self.webhooks.deliveries)

    def wait_for_deliveries(self, timeout: float = 30.0) -> list[Delivery]:
        self.webhooks.flush(timeout)
        return self.deliveries

    def redeliver(self, guid: str) -> Delivery:
        delivery = self.webhooks.redeliver(guid)
        self.webhooks.flush()
        return delivery

    # --- Python API for tests: things people do on GitHub --------------------------------------

    def _repo(self, owner: str, name: str) -> Repo:
        repo = self.state.repo(owner, name)
        if repo is None:
            raise KeyError(f"no repository {owner}/{name}")
        return repo

    def push(
        self,
        owner: str,
        name: str,
        commits: list[dict[str, Any]],
        *,
        branch: str | None = None,
        sender: str = "developer",
        forced: bool = False,
    ) -> list[Commit]:
        """Commits pushed by a developer; sends the `push` webhook and waits for delivery.

        Each commit is {"message": ..., "files": {path: content or None}, "author":
        {"name", "email", "login"?}, "date"?}.
        """
        with self.state.lock:
            repo = self._repo(owner, name)
            branch = branch or repo.default_branch
            user = self.state.user(sender)
            before = repo.branches.get(branch, "0" * 40)
            made = [
                self.commit(
                    repo,
                    c.get("files", {}),
                    c["message"],
                    actor=user,
                    author=c.get("author"),
                    branch=branch,
                    date=c.get("date"),
                )
                for c in commits
            ]
            html = f"{self.state.html_base}/{repo.full_name}"

            def wh_commit(c: Commit) -> dict[str, Any]:
                def person(p: dict[str, Any]) -> dict[str, Any]:
                    out = {"name": p["name"], "email": p["email"], "date": p["date"]}
                    if p.get("login"):
                        out["username"] = p["login"]
                    return out

                return {
                    "id": c.sha,
                    "tree_id": c.tree_sha,
                    "distinct": True,
                    "message": c.message,
                    "timestamp": c.committer["date"],
                    "url": f"{html}/commit/{c.sha}",
                    "author": person(c.author),
                    "committer": person(c.committer),
                    "added": c.added,
                    "removed": c.removed,
                    "modified": c.modified,
                }

            after = repo.branches[branch]
            repo_json = self._wh_repo(repo)
            self._emit(
                repo,
                "push",
                {
                    "ref": f"refs/heads/{branch}",
                    "before": before,
                    "after": after,
                    "created": before == "0" * 40,
                    "deleted": False,
                    "forced": forced,
                    "base_ref": None,
                    "compare": f"{html}/compare/{before[:12]}...{after[:12]}",
                    "commits": [wh_commit(c) for c in made],
                    "head_commit": wh_commit(made[-1]) if made else None,
                    "pusher": {"name": user.login, "email": f"{user.login}@example.org"},
                    "repository": repo_json,
                },
                user,
            )
        self.webhooks.flush()
        return made

    def add_pull(
        self,
        owner: str,
        name: str,
        *,
        title: str,
        author: str,
        created_at: str,
        merged_at: str | None = None,
        closed_at: str | None = None,
        reviews: Sequence[tuple[str, str, str | None]] = (),
        author_type: str = "User",
    ) -> PullRequest:
        """A pull request from before Polise watched the repository (no webhook is sent):
        `reviews` are (reviewer login, state, submitted_at or None while pending)."""
        repo = self._repo(owner, name)
        with self.state.lock:
            number = repo.next_number
            repo.next_number += 1
            closed = merged_at or closed_at
            pull = PullRequest(
                id=self.state.next_id(),
                number=number,
                title=title,
                user=self.state.user(author, author_type),
                head_ref=f"fitur-{number}",
                head_sha=git_sha("pull", repo.id, number),
                created_at=created_at,
                updated_at=closed or created_at,
                state="closed" if closed else "open",
                closed_at=closed,
                merged_at=merged_at,
                merge_commit_sha=git_sha("merge", repo.id, number) if merged_at else None,
            )
            for login, state, submitted_at in reviews:
                reviewer = self.state.user(login, "Bot" if login.endswith("[bot]") else "User")
                pull.reviews.append(
                    Review(self.state.next_id(), reviewer, state, "", pull.head_sha, submitted_at)
                )
            repo.pulls[number] = pull
            return pull

    def close_issue(
        self,
        owner: str,
        name: str,
        number: int,
        *,
        comment: str | None = None,
        actor: str = "developer",
        reason: str = "completed",
    ) -> Issue:
        """A developer closes an issue on GitHub (optionally with a closing comment)."""
        repo = self._repo(owner, name)
        user = self.state.user(actor)
        issue = self.state.issue(owner, name, number)
        if comment:
            self.add_comment(repo, issue, comment, user)
        self.apply_issue_update(repo, issue, {"state": "closed", "state_reason": reason}, user)
        self.webhooks.flush()
        return issue

    def reopen_issue(
        self, owner: str, name: str, number: int, *, actor: str = "developer"
    ) -> Issue:
        repo = self._repo(owner, name)
        issue = self.state.issue(owner, name, number)
        self.apply_issue_update(repo, issue, {"state": "open"}, self.state.user(actor))
        self.webhooks.flush()
        return issue

    def comment_issue(
        self, owner: str, name: str, number: int, body: str, *, actor: str = "developer"
    ) -> Comment:
        repo = self._repo(owner, name)
        comment = self.add_comment(
            repo, self.state.issue(owner, name, number), body, self.state.user(actor)
        )
        self.webhooks.flush()
        return comment

    def add_issue_labels(
        self, owner: str, name: str, number: int, *labels: str, actor: str = "developer"
    ) -> Issue:
        repo = self._repo(owner, name)
        issue = self.state.issue(owner, name, number)
        self.label_issue(repo, issue, labels, self.state.user(actor))
        self.webhooks.flush()
        return issue

    def assign_issue(
        self, owner: str, name: str, number: int, *logins: str, actor: str = "developer"
    ) -> Issue:
        repo = self._repo(owner, name)
        issue = self.state.issue(owner, name, number)
        current = [u.login for u in issue.assignees]
        self.apply_issue_update(
            repo, issue, {"assignees": current + list(logins)}, self.state.user(actor)
        )
        self.webhooks.flush()
        return issue

    # --- faults -------------------------------------------------------------------------------

    def fail_next(
        self,
        times: int = 1,
        *,
        status: int = 500,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        return self.faults.add("error", times=times, status=status, method=method, path=path)

    def timeout_next(
        self,
        times: int = 1,
        *,
        seconds: float = 15.0,
        apply: bool = False,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        return self.faults.add(
            "timeout", times=times, seconds=seconds, apply=apply, method=method, path=path
        )

    def secondary_rate_limit(
        self,
        times: int = 1,
        *,
        retry_after: int = 60,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        return self.faults.add(
            "secondary_rate_limit", times=times, retry_after=retry_after, method=method, path=path
        )

    def too_many_requests(
        self,
        times: int = 1,
        *,
        retry_after: int = 60,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        return self.faults.add(
            "too_many_requests", times=times, retry_after=retry_after, method=method, path=path
        )

    def exhaust_rate_limit(
        self,
        *,
        reset_in: int = 60,
        times: int | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        """Primary limit used up: 403 with x-ratelimit-remaining 0 until the reset time."""
        return self.faults.add(
            "rate_limit",
            times=times,
            retry_after=reset_in,
            reset_at=int(time.time()) + reset_in,
            method=method,
            path=path,
        )

    def hold_next(
        self,
        times: int = 1,
        *,
        apply: bool = True,
        method: str | None = "POST",
        path: str | None = None,
    ) -> Fault:
        """The request waits until `fault.release()` (the client may give up meanwhile), then
        is applied (`apply`) and answered, or dropped. `fault.wait_reached()` and
        `fault.wait_applied()` let a test act at exactly those moments, without sleeping."""
        return self.faults.add("hold", times=times, apply=apply, method=method, path=path)

    def lose_next_response(
        self,
        times: int = 1,
        *,
        mode: str = "close",
        method: str | None = "POST",
        path: str | None = None,
    ) -> Fault:
        """The request is applied, then its answer is lost (connection closed, or a 502)."""
        return self.faults.add("lost_response", times=times, mode=mode, method=method, path=path)

    def clear_faults(self) -> None:
        self.faults.clear()

    # --- inspection ---------------------------------------------------------------------------

    def requests_to(
        self, method: str | None = None, path: str | None = None
    ) -> list[RequestRecord]:
        pattern = re.compile(path) if path else None
        return [
            r
            for r in self.requests
            if (method is None or r.method == method)
            and (pattern is None or pattern.search(r.path))
        ]

    # --- the request pipeline -----------------------------------------------------------------

    def handle(
        self,
        method: str,
        raw_path: str,
        headers: dict[str, str],
        body: bytes,
    ) -> tuple[int | None, dict[str, str], bytes]:
        """Answer one REST request: (status or None to drop the connection, headers, body)."""
        parts = urlsplit(raw_path)
        path = unquote(parts.path).rstrip("/") or "/"
        query = parse_qs(parts.query, keep_blank_values=True)
        record = RequestRecord(method, path, query, headers, body)
        self.requests.append(record)
        started = time.perf_counter()
        try:
            status, out_headers, out_body = self._pipeline(
                record, method, path, query, headers, body
            )
        except Exception:
            detail = traceback.format_exc()
            self.record_violation(f"the fake crashed:\n{detail}", "fake", method, path)
            status, out_headers, out_body = (
                500,
                {},
                json.dumps(
                    {"message": "GitHub fake crashed", "documentation_url": api.DOCS}
                ).encode(),
            )
        record.status = status
        record.duration = time.perf_counter() - started
        record.done.set()
        return status, out_headers, out_body

    def _pipeline(
        self,
        record: RequestRecord,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> tuple[int | None, dict[str, str], bytes]:
        match = self.contract.match(method, path)
        if match.operation is None:
            problem = match.problem or "unknown endpoint"
            self.record_violation(problem, "route", method, path)
            return self._answer(
                None,
                404,
                {
                    "message": f"Not Found: {problem} (the GitHub fake serves only operations of "
                    "GitHub's REST description)",
                    "documentation_url": api.DOCS,
                    "status": "404",
                },
                None,
            )
        op = match.operation
        record.operation = op.operation_id
        problems = self.contract.validate_request(
            op, match.path_params, query, headers.get("content-type"), body
        )
        for problem in problems:
            self.record_violation(f"{op.operation_id}: {problem}", "request", method, path)
        token_header = headers.get("authorization")
        fault = self.faults.take(method, path)
        if fault is not None:
            record.fault = fault.kind
            early = self._fault_answer(fault, op, token_header)
            if early is not None:
                return early
        try:
            info, token, is_jwt = self._authenticate(token_header)
        except api.ApiError as exc:
            return self._answer(op, exc.status, exc.body(), None, exc.headers)
        if problems:
            return self._answer(
                op,
                422,
                {
                    "message": "Invalid request.\n\n" + "\n".join(problems),
                    "documentation_url": api.DOCS,
                    "status": "422",
                },
                token,
            )
        handler = api.ROUTES.get((method, op.template))
        if handler is None:
            self.record_violation(
                f"{op.operation_id} is in GitHub's description but not implemented by the fake",
                "route",
                method,
                path,
            )
            return self._answer(
                None,
                404,
                {
                    "message": f"Not Found: the GitHub fake does not implement {op.operation_id}",
                    "documentation_url": api.DOCS,
                    "status": "404",
                },
                token,
            )
        actor = self.state.user(info.login, info.kind) if info is not None else None
        parsed = json.loads(body) if body else None
        call = api.Call(self, method, path, match.path_params, query, parsed, actor, token, is_jwt)
        with self.state.lock:
            entry = self._rate_entry(token)
            if entry[0] >= RATE_LIMIT:
                return self._primary_limit_answer(op, token, entry[1])
            entry[0] += 1
            try:
                result = handler(call)
            except api.ApiError as exc:
                result = api.Result(exc.status, exc.body(), exc.headers)
        answer = self._answer(op, result.status, result.body, token, result.headers)
        if fault is not None and fault.kind == "lost_response":
            if fault.mode == "close":
                return None, {}, b""
            return self._answer(
                op, 502, {"message": "Server Error", "documentation_url": api.DOCS}, token
            )
        if fault is not None and fault.kind == "timeout":
            return None, {}, b""  # applied, but the client gave up long ago
        if fault is not None and fault.kind == "hold":
            fault._applied.set()
        return answer

    def _fault_answer(
        self, fault: Fault, op: Any, token_header: str | None
    ) -> tuple[int | None, dict[str, str], bytes] | None:
        token = token_header.partition(" ")[2].strip() if token_header else None
        if fault.kind == "error":
            return self._answer(
                op, fault.status, {"message": "Server Error", "documentation_url": api.DOCS}, token
            )
        if fault.kind == "timeout":
            time.sleep(fault.seconds)
            return None if fault.apply else (None, {}, b"")
        if fault.kind == "hold":
            fault.hold()
            return None if fault.apply else (None, {}, b"")
        if fault.kind == "secondary_rate_limit":
            return self._answer(
                op,
                403,
                {
                    "message": SECONDARY_MESSAGE,
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-"
                    "rest-api#about-secondary-rate-limits",
                },
                token,
                {"Retry-After": str(fault.retry_after)},
            )
        if fault.kind == "too_many_requests":
            return self._answer(
                op,
                429,
                {"message": SECONDARY_MESSAGE, "documentation_url": api.DOCS},
                token,
                {"Retry-After": str(fault.retry_after)},
            )
        if fault.kind == "rate_limit":
            return self._primary_limit_answer(op, token, fault.reset_at)
        return None  # lost_response: applied first, lost afterwards

    def _primary_limit_answer(
        self, op: Any, token: str | None, reset_at: int
    ) -> tuple[int, dict[str, str], bytes]:
        return self._answer(
            op,
            403,
            {
                "message": "API rate limit exceeded for installation. If you reach out to "
                "GitHub Support for help, please include the request ID.",
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-"
                "the-rest-api#about-primary-rate-limits",
            },
            token,
            {
                "x-ratelimit-remaining": "0",
                "x-ratelimit-used": str(RATE_LIMIT),
                "x-ratelimit-reset": str(reset_at),
            },
        )

    def _answer(
        self,
        op: Any,
        status: int,
        body: Any,
        token: str | None,
        extra: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        for i, (method, path, transform) in enumerate(self._corruptors):
            if (
                op is not None
                and (method in {None, op.method})
                and (path is None or re.search(path, op.template))
            ):
                del self._corruptors[i]
                body = transform(body)
                break
        data = b"" if body is None else json.dumps(body).encode()
        rate = self.rate_snapshot(token)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Api-Version-Selected": "2022-11-28",
            "X-GitHub-Request-Id": "{:04X}:{:04X}:{:06X}:{:07X}:{:08X}".format(
                *(secrets.randbits(b) for b in (16, 16, 24, 28, 32))
            ),
            "x-ratelimit-limit": str(rate["limit"]),
            "x-ratelimit-remaining": str(rate["remaining"]),
            "x-ratelimit-reset": str(rate["reset"]),
            "x-ratelimit-used": str(rate["used"]),
            "x-ratelimit-resource": "core",
        }
        headers.update(extra or {})
        if op is not None:
            for problem in self.contract.validate_response(
                op, status, headers["Content-Type"], data
            ):
                self.record_violation(
                    f"{op.operation_id}: {problem}", "response", op.method, op.template
                )
        return status, headers, data

    # --- control endpoints (standalone server) ------------------------------------------------

    def control(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        from .control import dispatch

        return dispatch(self, method, path, body)


class _Call(api.Call):
    """A Call for internal helpers that only need `fake` (label creation)."""

    def __init__(self, fake: GitHubFake) -> None:
        super().__init__(fake, "", "", {}, {}, None, None)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a client that gave up, or died (a killed worker): not the fake's fault
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    fake: GitHubFake
    protocol_version = "HTTP/1.1"
    # One buffered write per response and no Nagle: otherwise keep-alive clients wait ~40 ms
    # for the delayed ACK between the header and body writes.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True
    server_version = "GitHub.com"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the fake keeps its own request log

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        if self.path.startswith("/_fake/"):
            try:
                status, payload = self.fake.control(
                    self.command, urlsplit(self.path).path, json.loads(body) if body else None
                )
            except Exception as exc:
                status, payload = 400, {"message": f"{type(exc).__name__}: {exc}"}
            self._send(
                status,
                {"Content-Type": "application/json; charset=utf-8"},
                json.dumps(payload).encode(),
            )
            return
        status, out_headers, data = self.fake.handle(self.command, self.path, headers, body)
        if status is None:
            self.close_connection = True  # drop without an answer
            return
        self._send(status, out_headers, data)

    def _send(self, status: int, headers: dict[str, str], data: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle
