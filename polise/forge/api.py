"""Named GitHub operations: the only way the rest of Polise talks to GitHub.

Each function takes plain values, returns plain dataclasses and raises a ForgeError
(retryable or permanent) with a message that says what failed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from githubkit.exception import GitHubException

from . import client
from .errors import ForgeError, NotFound, PermanentForgeError, classify

P = ParamSpec("P")
T = TypeVar("T")

# Scanning for an idempotency marker reads at most this many recent issues or comments.
MARKER_SCAN_LIMIT = 500


@dataclass(frozen=True)
class Repo:
    full_name: str
    private: bool
    has_issues: bool
    default_branch: str
    html_url: str


@dataclass(frozen=True)
class Issue:
    number: int
    title: str
    body: str
    state: str
    html_url: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    html_url: str


@dataclass(frozen=True)
class Advisory:
    ghsa_id: str
    html_url: str


@dataclass(frozen=True)
class Person:
    login: str
    is_bot: bool


@dataclass(frozen=True)
class PullRequest:
    number: int
    author: Person | None  # None when GitHub no longer knows the account ("ghost")
    created_at: datetime
    merged_at: datetime | None


@dataclass(frozen=True)
class Review:
    id: int
    reviewer: Person | None
    state: str
    submitted_at: datetime | None  # None while the review is pending


def _gh() -> Any:
    # The named functions below are the typed surface; the SDK's generated overloads add
    # little here and confuse the type checker on pagination.
    return client.github()


def not_configured() -> str:
    """What to set before Polise can talk to GitHub; empty when it can."""
    return "" if client.configured() else client.NOT_CONFIGURED


def split_repo(repo: str) -> tuple[str, str]:
    owner, sep, name = repo.partition("/")
    if not sep or not owner or not name or "/" in name:
        raise PermanentForgeError(f"{repo!r} is not a GitHub repository of the form owner/name")
    return owner, name


def _forge_call(what: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Translate SDK and transport failures into ForgeErrors naming the operation."""

    def decorator(func: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return func(*args, **kwargs)
            except ForgeError:
                raise
            except (GitHubException, OSError) as exc:
                target = args[0] if args else ""
                raise classify(exc, what=f"{what} {target}".strip()) from exc

        return wrapper

    return decorator


def _iso(moment: datetime | None) -> str | None:
    # The SDK would send str(datetime), with a space; GitHub documents ISO 8601 with a T.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _issue(data: Any) -> Issue:
    return Issue(
        number=data.number,
        title=data.title,
        body=data.body or "",
        state=data.state,
        html_url=data.html_url,
        labels=tuple(label if isinstance(label, str) else label.name for label in data.labels),
    )


@_forge_call("get repository")
def get_repo(repo: str) -> Repo:
    owner, name = split_repo(repo)
    data = _gh().rest.repos.get(owner, name).parsed_data
    return Repo(
        data.full_name, data.private, bool(data.has_issues), data.default_branch, data.html_url
    )


@_forge_call("create issue in")
def create_issue(repo: str, *, title: str, body: str, labels: list[str] | None = None) -> Issue:
    owner, name = split_repo(repo)
    data = (
        _gh()
        .rest.issues.create(owner, name, title=title, body=body, labels=labels or [])
        .parsed_data
    )
    return _issue(data)


@_forge_call("find issue in")
def find_issue_with_marker(repo: str, marker: str, *, since: datetime) -> Issue | None:
    """The issue whose body carries `marker`, among those updated since `since`.

    Listing, not the search API: search is eventually consistent and would miss an issue
    created seconds ago, which is exactly the one a retry is looking for.
    """
    owner, name = split_repo(repo)
    for seen, data in enumerate(
        _gh().rest.paginate(
            _gh().rest.issues.list_for_repo,
            owner=owner,
            repo=name,
            state="all",
            since=_iso(since),
            sort="created",
            direction="desc",
            per_page=100,
        ),
        start=1,
    ):
        if not data.pull_request and marker in (data.body or ""):
            return _issue(data)
        if seen >= MARKER_SCAN_LIMIT:
            break
    return None


@_forge_call("create comment in")
def create_comment(repo: str, number: int, *, body: str) -> Comment:
    owner, name = split_repo(repo)
    data = _gh().rest.issues.create_comment(owner, name, number, body=body).parsed_data
    return Comment(data.id, data.body or "", data.html_url)


@_forge_call("find comment in")
def find_comment_with_marker(repo: str, number: int, marker: str) -> Comment | None:
    owner, name = split_repo(repo)
    for seen, data in enumerate(
        _gh().rest.paginate(
            _gh().rest.issues.list_comments,
            owner=owner,
            repo=name,
            issue_number=number,
            per_page=100,
        )
    ):
        if marker in (data.body or ""):
            return Comment(data.id, data.body or "", data.html_url)
        if seen >= MARKER_SCAN_LIMIT:
            break
    return None


@_forge_call("add labels in")
def add_labels(repo: str, number: int, labels: list[str]) -> tuple[str, ...]:
    owner, name = split_repo(repo)
    data = _gh().rest.issues.add_labels(owner, name, number, labels=labels).parsed_data
    return tuple(label.name for label in data or [])


@_forge_call("open or close an issue in")
def set_issue_state(repo: str, number: int, *, state: str, reason: str | None = None) -> Issue:
    """Open or close an issue; setting the state it already has changes nothing on GitHub."""
    owner, name = split_repo(repo)
    extra = {"state_reason": reason} if reason else {}
    data = _gh().rest.issues.update(owner, name, number, state=state, **extra)
    return _issue(data.parsed_data)


@_forge_call("check private vulnerability reporting of")
def private_vulnerability_reporting_enabled(repo: str) -> bool:
    owner, name = split_repo(repo)
    return bool(
        _gh().rest.repos.check_private_vulnerability_reporting(owner, name).parsed_data.enabled
    )


@_forge_call("report vulnerability to")
def create_vulnerability_report(repo: str, *, summary: str, description: str) -> Advisory:
    owner, name = split_repo(repo)
    response = _gh().rest.security_advisories.create_private_vulnerability_report(
        owner, name, summary=summary, description=description
    )
    # Read the two fields we need from the raw answer: the SDK's model of a repository advisory
    # is stricter than what GitHub sends (it rejects a non-null `author`), and a write that
    # succeeded must never look like a failure.
    data = response.json()
    return Advisory(data["ghsa_id"], data["html_url"])


# --- setting up a repository (onboarding) ------------------------------------------------------


@dataclass(frozen=True)
class RepoState:
    full_name: str
    private: bool
    default_branch: str
    html_url: str
    created_at: datetime
    head_sha: str | None  # None: no commit yet
    head_message: str


@_forge_call("get repository")
def get_repo_state(repo: str) -> RepoState | None:
    """The repository with its default branch's head, or None if there is no such repository."""
    owner, name = split_repo(repo)
    try:
        data = _gh().rest.repos.get(owner, name).parsed_data
    except GitHubException as exc:
        if classify(exc, what=f"get repository {repo}").status == 404:
            return None
        raise
    head_sha, head_message = None, ""
    try:
        head = _gh().rest.repos.get_commit(owner, name, data.default_branch).parsed_data
        head_sha, head_message = head.sha, head.commit.message
    except GitHubException as exc:
        if classify(exc, what=f"get head of {repo}").status not in (404, 409, 422):
            raise  # 409: empty repository; 404/422: no such branch yet
    return RepoState(
        data.full_name,
        data.private,
        data.default_branch,
        data.html_url,
        data.created_at,
        head_sha,
        head_message,
    )


@_forge_call("create repository")
def create_org_repo(repo: str, *, private: bool, description: str, homepage: str = "") -> Repo:
    """A new repository in the organisation, with GitHub's initial commit (the Git Data API,
    which pushes the first real commit, does not work on an empty repository)."""
    owner, name = split_repo(repo)
    extra = {"homepage": homepage} if homepage else {}
    data = (
        _gh()
        .rest.repos.create_in_org(
            owner,
            name=name,
            private=private,
            description=description,
            auto_init=True,
            has_wiki=False,
            **extra,
        )
        .parsed_data
    )
    return Repo(
        data.full_name, data.private, bool(data.has_issues), data.default_branch, data.html_url
    )


@_forge_call("push first commit to")
def replace_history_with(
    repo: str, *, branch: str, files: dict[str, str], message: str, author: dict[str, str]
) -> str:
    """Make `files` the only commit of `branch` (a root commit, force-set): the rendered
    template becomes the repository's first commit. Returns the commit's sha."""
    owner, name = split_repo(repo)
    tree = (
        _gh()
        .rest.git.create_tree(
            owner,
            name,
            tree=[
                {"path": path, "mode": "100644", "type": "blob", "content": content}
                for path, content in sorted(files.items())
            ],
        )
        .parsed_data
    )
    commit = (
        _gh()
        .rest.git.create_commit(
            owner, name, message=message, tree=tree.sha, parents=[], author=author
        )
        .parsed_data
    )
    _gh().rest.git.update_ref(owner, name, f"heads/{branch}", sha=commit.sha, force=True)
    return str(commit.sha)


@_forge_call("look up GitHub user")
def user_exists(login: str) -> bool:
    try:
        _gh().rest.users.get_by_username(login)
    except GitHubException as exc:
        if classify(exc, what=f"look up {login}").status == 404:
            return False
        raise
    return True


@_forge_call("invite collaborator to")
def add_collaborator(repo: str, login: str, *, permission: str) -> bool:
    """Give `login` `permission` on `repo`: True when GitHub sent an invitation that the person
    has yet to accept, False when they were a collaborator already. A login GitHub does not
    know is a NotFound naming it."""
    owner, name = split_repo(repo)
    try:
        response = _gh().rest.repos.add_collaborator(owner, name, login, permission=permission)
    except GitHubException as exc:
        error = classify(exc, what=f"invite {login} to {repo}")
        if error.status == 404:
            raise NotFound(
                f"GitHub has no user {login!r} (or cannot see {repo})", status=404
            ) from exc
        raise error from exc
    return response.status_code == 201


@_forge_call("list invitations of")
def pending_invitations(repo: str) -> dict[str, str]:
    """Open invitations to `repo`: login -> permission."""
    owner, name = split_repo(repo)
    return {
        data.invitee.login: data.permissions
        for data in _gh().rest.paginate(
            _gh().rest.repos.list_invitations, owner=owner, repo=name, per_page=100
        )
        if data.invitee
    }


def person(login: str, account_type: str | None) -> Person:
    """A GitHub account, bots (an app's account, "name[bot]") told apart."""
    return Person(login, is_bot=account_type == "Bot" or login.lower().endswith("[bot]"))


def _person(user: Any) -> Person | None:
    return person(user.login, user.type) if user and user.login else None


@_forge_call("list pull requests of")
def list_pull_requests(repo: str) -> list[PullRequest]:
    """Every pull request of `repo`, open or closed, oldest first."""
    owner, name = split_repo(repo)
    return [
        PullRequest(data.number, _person(data.user), data.created_at, data.merged_at)
        for data in _gh().rest.paginate(
            _gh().rest.pulls.list,
            owner=owner,
            repo=name,
            state="all",
            sort="created",
            direction="asc",
            per_page=100,
        )
    ]


@_forge_call("list reviews of")
def list_pull_reviews(repo: str, number: int) -> list[Review]:
    """The reviews of pull request `number`, in the order they were given."""
    owner, name = split_repo(repo)
    return [
        Review(data.id, _person(data.user), data.state, data.submitted_at or None)
        for data in _gh().rest.paginate(
            _gh().rest.pulls.list_reviews,
            owner=owner,
            repo=name,
            pull_number=number,
            per_page=100,
        )
    ]


@_forge_call("read the Actions public key of")
def actions_public_key(repo: str) -> tuple[str, str]:
    """(key id, base64 public key) to seal Actions secrets for `repo` with."""
    owner, name = split_repo(repo)
    data = _gh().rest.actions.get_repo_public_key(owner, name).parsed_data
    return data.key_id, data.key


@_forge_call("set Actions secret in")
def set_actions_secret(repo: str, name: str, *, encrypted_value: str, key_id: str) -> None:
    """Create or replace a secret, already sealed with the repository's key (so the plaintext
    never waits in Polise's outbox)."""
    owner, repo_name = split_repo(repo)
    _gh().rest.actions.create_or_update_repo_secret(
        owner, repo_name, name, encrypted_value=encrypted_value, key_id=key_id
    )


@_forge_call("set Actions variable in")
def set_actions_variable(repo: str, name: str, *, value: str) -> None:
    owner, repo_name = split_repo(repo)
    try:
        _gh().rest.actions.create_repo_variable(owner, repo_name, name=name, value=value)
    except GitHubException as exc:
        if classify(exc, what=f"create variable {name}").status != 409:
            raise
        _gh().rest.actions.update_repo_variable(owner, repo_name, name, value=value)


@_forge_call("create webhook in")
def ensure_hook(repo: str, *, url: str, events: list[str], secret: str) -> int:
    """The repository's webhook to `url`, created or brought in line (events, secret);
    returns its id. One hook per URL: GitHub refuses a second one anyway."""
    owner, name = split_repo(repo)
    config = {"url": url, "content_type": "json", "secret": secret, "insecure_ssl": "0"}
    for hook in _gh().rest.paginate(
        _gh().rest.repos.list_webhooks, owner=owner, repo=name, per_page=100
    ):
        if hook.config and hook.config.url == url:
            _gh().rest.repos.update_webhook(
                owner, name, hook.id, config=config, events=events, active=True
            )
            return int(hook.id)
    data = (
        _gh()
        .rest.repos.create_webhook(
            owner, name, name="web", config=config, events=events, active=True
        )
        .parsed_data
    )
    return int(data.id)


@_forge_call("protect branch of")
def protect_branch(repo: str, branch: str, *, required_checks: list[str]) -> None:
    """Require the checks, refuse force pushes and deletion; admins keep a way out."""
    owner, name = split_repo(repo)
    _gh().rest.repos.update_branch_protection(
        owner,
        name,
        branch,
        required_status_checks={"strict": True, "contexts": required_checks},
        enforce_admins=False,
        required_pull_request_reviews=None,
        restrictions=None,
        allow_force_pushes=False,
        allow_deletions=False,
    )


@_forge_call("enable private vulnerability reporting of")
def enable_private_vulnerability_reporting(repo: str) -> None:
    owner, name = split_repo(repo)
    _gh().rest.repos.enable_private_vulnerability_reporting(owner, name)
