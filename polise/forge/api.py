"""Named GitHub operations: the only way the rest of Polise talks to GitHub.

Each function takes plain values, returns plain dataclasses and raises a ForgeError
(retryable or permanent) with a message that says what failed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from githubkit.exception import GitHubException

from . import client
from .errors import ForgeError, PermanentForgeError, classify

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
class Commit:
    sha: str
    message: str
    author_name: str
    author_email: str
    author_login: str | None
    committed_at: str
    html_url: str


@dataclass(frozen=True)
class Advisory:
    ghsa_id: str
    html_url: str


def _gh() -> Any:
    # The named functions below are the typed surface; the SDK's generated overloads add
    # little here and confuse the type checker on pagination.
    return client.github()


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


@_forge_call("create repository from template")
def create_repo_from_template(
    template: str, *, owner: str, name: str, description: str = "", private: bool = True
) -> Repo:
    template_owner, template_name = split_repo(template)
    data = (
        _gh()
        .rest.repos.create_using_template(
            template_owner,
            template_name,
            owner=owner,
            name=name,
            description=description,
            private=private,
        )
        .parsed_data
    )
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


@_forge_call("get issue in")
def get_issue(repo: str, number: int) -> Issue:
    owner, name = split_repo(repo)
    return _issue(_gh().rest.issues.get(owner, name, number).parsed_data)


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


@_forge_call("create label in")
def ensure_label(repo: str, label: str, *, color: str = "0b5394", description: str = "") -> None:
    owner, name = split_repo(repo)
    try:
        _gh().rest.issues.create_label(
            owner, name, name=label, color=color, description=description
        )
    except GitHubException as exc:
        error = classify(exc, what=f"create label in {repo}")
        if error.status != 422:  # 422: the label exists already, which is what we want
            raise error from exc


@_forge_call("list commits of")
def list_commits(
    repo: str, *, sha: str | None = None, since: datetime | None = None, limit: int = 1000
) -> Iterator[Commit]:
    owner, name = split_repo(repo)
    commits = []
    pages = _gh().rest.paginate(
        _gh().rest.repos.list_commits,
        owner=owner,
        repo=name,
        sha=sha,
        since=_iso(since),
        per_page=100,
    )
    for data in pages:
        author = data.commit.author
        commits.append(
            Commit(
                sha=data.sha,
                message=data.commit.message,
                author_name=author.name if author else "",
                author_email=(author.email or "") if author else "",
                author_login=data.author.login
                if data.author and hasattr(data.author, "login")
                else None,
                committed_at=(author.date or "") if author else "",
                html_url=data.html_url,
            )
        )
        if len(commits) >= limit:
            break
    return iter(commits)


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
