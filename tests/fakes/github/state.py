"""In-memory state of the GitHub fake and its JSON representations.

The representations follow the schemas of GitHub's REST description (`full-repository`,
`issue`, ...); the contract check validates every one of them on the way out, so a missing
field here shows up as a failing test rather than as a surprise in production.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def git_sha(*parts: object) -> str:
    return hashlib.sha1("\0".join(map(str, parts)).encode()).hexdigest()


def node_id(prefix: str, number: int) -> str:
    return prefix + "_" + base64.b64encode(f"fake:{number}".encode()).decode().rstrip("=")


@dataclass
class User:
    id: int
    login: str
    type: str = "User"  # User, Bot, Organization
    name: str | None = None
    email: str | None = None


@dataclass
class Label:
    id: int
    name: str
    color: str = "ededed"
    description: str | None = None
    default: bool = False


@dataclass
class Comment:
    id: int
    issue_number: int
    body: str
    user: User
    created_at: str
    updated_at: str


@dataclass
class Issue:
    id: int
    number: int
    title: str
    body: str | None
    user: User
    created_at: str
    updated_at: str
    labels: list[Label] = field(default_factory=list)
    assignees: list[User] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    state: str = "open"
    state_reason: str | None = None
    closed_at: str | None = None
    closed_by: User | None = None
    locked: bool = False


@dataclass
class Review:
    id: int
    user: User
    state: str  # APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
    body: str
    commit_id: str
    submitted_at: str | None  # None while PENDING


@dataclass
class PullRequest:
    id: int
    number: int
    title: str
    user: User
    head_ref: str
    head_sha: str
    created_at: str
    updated_at: str
    state: str = "open"
    closed_at: str | None = None
    merged_at: str | None = None
    merge_commit_sha: str | None = None
    reviews: list[Review] = field(default_factory=list)


@dataclass
class Hook:
    id: int
    events: list[str]
    config: dict[str, Any]
    active: bool
    created_at: str
    updated_at: str
    name: str = "web"
    last_response: dict[str, Any] = field(
        default_factory=lambda: {"code": None, "status": "unused", "message": None}
    )


@dataclass
class Secret:
    name: str
    encrypted_value: str
    key_id: str
    value: bytes  # decrypted with the repo key: lets tests check what was really sent
    created_at: str
    updated_at: str


@dataclass
class Variable:
    name: str
    value: str
    created_at: str
    updated_at: str


@dataclass
class Commit:
    sha: str
    tree_sha: str
    message: str
    author: dict[str, Any]  # name, email, date, and the GitHub login if known ("login")
    committer: dict[str, Any]
    parents: list[str]
    files: dict[str, bytes]  # full tree snapshot after this commit
    added: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass
class Repo:
    id: int
    owner: User
    name: str
    created_at: str
    updated_at: str
    private: bool = False
    description: str | None = None
    homepage: str | None = None
    has_issues: bool = True
    has_projects: bool = True
    has_wiki: bool = True
    has_discussions: bool = False
    is_template: bool = False
    archived: bool = False
    default_branch: str = "main"
    topics: list[str] = field(default_factory=list)
    pushed_at: str | None = None
    collaborators: dict[str, str] = field(default_factory=dict)  # login -> permission
    invitations: list[dict[str, Any]] = field(default_factory=list)
    hooks: dict[int, Hook] = field(default_factory=dict)
    secrets: dict[str, Secret] = field(default_factory=dict)
    variables: dict[str, Variable] = field(default_factory=dict)
    protections: dict[str, dict[str, Any]] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    pulls: dict[int, PullRequest] = field(default_factory=dict)  # numbered with the issues
    labels: dict[str, Label] = field(default_factory=dict)  # lower-case name -> label
    next_number: int = 1
    private_vulnerability_reporting: bool = False
    advisories: list[dict[str, Any]] = field(default_factory=list)
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)  # branch -> head sha
    trees: dict[str, dict[str, bytes]] = field(default_factory=dict)  # Git Data API trees

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"

    @property
    def visibility(self) -> str:
        return "private" if self.private else "public"

    def head(self, ref: str | None = None) -> Commit | None:
        ref = ref or self.default_branch
        sha = self.branches.get(ref.removeprefix("refs/heads/"), ref)
        if sha in self.commits:
            return self.commits[sha]
        # abbreviated sha
        matches = [c for s, c in self.commits.items() if len(ref) >= 4 and s.startswith(ref)]
        return matches[0] if len(matches) == 1 else None

    def history(self, ref: str | None = None) -> list[Commit]:
        """Commits reachable from ref, newest first (first-parent walk is enough here)."""
        out = []
        commit = self.head(ref)
        while commit is not None:
            out.append(commit)
            commit = self.commits.get(commit.parents[0]) if commit.parents else None
        return out


class State:
    """All repositories, users and counters. Guarded by one lock: the fake is not a benchmark."""

    def __init__(self, base_url: str, html_url: str = "https://github.com") -> None:
        self.base_url = base_url.rstrip("/")
        self.html_base = html_url.rstrip("/")
        self.lock = threading.RLock()
        self._ids = itertools.count(1000)
        self.users: dict[str, User] = {}
        self.repos: dict[tuple[str, str], Repo] = {}
        # counts of successful creates, by kind ("issue", "comment", "repo", ...)
        self.created: dict[str, int] = {}
        # Logins GitHub does not know (lower case): inviting one is a 404, as on GitHub.
        self.unknown_logins: set[str] = set()

    def next_id(self) -> int:
        return next(self._ids)

    def count_create(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1

    def user(self, login: str, kind: str = "User") -> User:
        key = login.lower()
        if key not in self.users:
            self.users[key] = User(self.next_id(), login, kind)
        return self.users[key]

    def repo(self, owner: str, name: str) -> Repo | None:
        return self.repos.get((owner.lower(), name.lower()))

    # --- inspection helpers for tests -------------------------------------------------------

    def accept_invitation(self, owner: str, name: str, login: str) -> None:
        """The invited developer accepts on GitHub."""
        repo = self.repo(owner, name)
        assert repo is not None, f"no repository {owner}/{name}"
        for invitation in [i for i in repo.invitations if i["login"].lower() == login.lower()]:
            repo.collaborators[invitation["login"]] = invitation["permissions"]
            repo.invitations.remove(invitation)

    def pending_invitations(self, repo: Repo) -> list[dict[str, Any]]:
        members = {c.lower() for c in repo.collaborators}
        return [i for i in repo.invitations if i["login"].lower() not in members]

    def issues(self, owner: str, name: str) -> list[Issue]:
        repo = self.repo(owner, name)
        return [] if repo is None else sorted(repo.issues.values(), key=lambda i: i.number)

    def issue(self, owner: str, name: str, number: int) -> Issue:
        repo = self.repo(owner, name)
        if repo is None or number not in repo.issues:
            raise KeyError(f"{owner}/{name}#{number}")
        return repo.issues[number]

    # --- representations --------------------------------------------------------------------

    def simple_user(self, user: User) -> dict[str, Any]:
        api = f"{self.base_url}/users/{user.login}"
        return {
            "login": user.login,
            "id": user.id,
            "node_id": node_id("U", user.id),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{user.id}?v=4",
            "gravatar_id": "",
            "url": api,
            "html_url": f"{self.html_base}/{user.login}",
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events",
            "type": user.type,
            "site_admin": False,
        }

    def _repo_urls(self, repo: Repo) -> dict[str, Any]:
        api = f"{self.base_url}/repos/{repo.full_name}"
        html = f"{self.html_base}/{repo.full_name}"
        simple = {
            "archive_url": "/{archive_format}{/ref}",
            "assignees_url": "/assignees{/user}",
            "blobs_url": "/git/blobs{/sha}",
            "branches_url": "/branches{/branch}",
            "collaborators_url": "/collaborators{/collaborator}",
            "comments_url": "/comments{/number}",
            "commits_url": "/commits{/sha}",
            "compare_url": "/compare/{base}...{head}",
            "contents_url": "/contents/{+path}",
            "contributors_url": "/contributors",
            "deployments_url": "/deployments",
            "downloads_url": "/downloads",
            "events_url": "/events",
            "forks_url": "/forks",
            "git_commits_url": "/git/commits{/sha}",
            "git_refs_url": "/git/refs{/sha}",
            "git_tags_url": "/git/tags{/sha}",
            "hooks_url": "/hooks",
            "issue_comment_url": "/issues/comments{/number}",
            "issue_events_url": "/issues/events{/number}",
            "issues_url": "/issues{/number}",
            "keys_url": "/keys{/key_id}",
            "labels_url": "/labels{/name}",
            "languages_url": "/languages",
            "merges_url": "/merges",
            "milestones_url": "/milestones{/number}",
            "notifications_url": "/notifications{?since,all,participating}",
            "pulls_url": "/pulls{/number}",
            "releases_url": "/releases{/id}",
            "stargazers_url": "/stargazers",
            "statuses_url": "/statuses/{sha}",
            "subscribers_url": "/subscribers",
            "subscription_url": "/subscription",
            "tags_url": "/tags",
            "teams_url": "/teams",
            "trees_url": "/git/trees{/sha}",
        }
        out = {key: api + suffix for key, suffix in simple.items()}
        out.update(
            {
                "url": api,
                "html_url": html,
                "git_url": f"git://github.com/{repo.full_name}.git",
                "ssh_url": f"git@github.com:{repo.full_name}.git",
                "clone_url": f"{html}.git",
                "svn_url": html,
            }
        )
        return out

    def minimal_repository(self, repo: Repo) -> dict[str, Any]:
        return {
            "id": repo.id,
            "node_id": node_id("R", repo.id),
            "name": repo.name,
            "full_name": repo.full_name,
            "owner": self.simple_user(repo.owner),
            "private": repo.private,
            "description": repo.description,
            "fork": False,
            **self._repo_urls(repo),
        }

    def full_repository(self, repo: Repo) -> dict[str, Any]:
        open_issues = sum(1 for i in repo.issues.values() if i.state == "open")
        out = self.minimal_repository(repo)
        out.update(
            {
                "homepage": repo.homepage,
                "language": None,
                "size": 0,
                "default_branch": repo.default_branch,
                "visibility": repo.visibility,
                "forks": 0,
                "forks_count": 0,
                "stargazers_count": 0,
                "watchers": 0,
                "watchers_count": 0,
                "open_issues": open_issues,
                "open_issues_count": open_issues,
                "network_count": 0,
                "subscribers_count": 0,
                "has_issues": repo.has_issues,
                "has_projects": repo.has_projects,
                "has_wiki": repo.has_wiki,
                "has_pages": False,
                "has_downloads": True,
                "has_discussions": repo.has_discussions,
                "archived": repo.archived,
                "disabled": False,
                "is_template": repo.is_template,
                "mirror_url": None,
                "license": None,
                "topics": list(repo.topics),
                "allow_forking": True,
                "web_commit_signoff_required": False,
                "created_at": repo.created_at,
                "updated_at": repo.updated_at,
                "pushed_at": repo.pushed_at or repo.created_at,
                "permissions": {
                    "admin": True,
                    "maintain": True,
                    "push": True,
                    "triage": True,
                    "pull": True,
                },
            }
        )
        return out

    def repository(self, repo: Repo) -> dict[str, Any]:
        """The `repository` schema (nested in other objects)."""
        out = self.full_repository(repo)
        for key in ("network_count", "subscribers_count", "template_repository"):
            out.pop(key, None)
        return out

    def label(self, repo: Repo, label: Label) -> dict[str, Any]:
        return {
            "id": label.id,
            "node_id": node_id("LA", label.id),
            "url": f"{self.base_url}/repos/{repo.full_name}/labels/{label.name}",
            "name": label.name,
            "color": label.color,
            "description": label.description,
            "default": label.default,
        }

    def issue_json(self, repo: Repo, issue: Issue) -> dict[str, Any]:
        api = f"{self.base_url}/repos/{repo.full_name}"
        url = f"{api}/issues/{issue.number}"
        return {
            "id": issue.id,
            "node_id": node_id("I", issue.id),
            "url": url,
            "repository_url": api,
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "html_url": f"{self.html_base}/{repo.full_name}/issues/{issue.number}",
            "number": issue.number,
            "state": issue.state,
            "state_reason": issue.state_reason,
            "title": issue.title,
            "body": issue.body,
            "user": self.simple_user(issue.user),
            "labels": [self.label(repo, lb) for lb in issue.labels],
            "assignee": self.simple_user(issue.assignees[0]) if issue.assignees else None,
            "assignees": [self.simple_user(u) for u in issue.assignees],
            "milestone": None,
            "locked": issue.locked,
            "active_lock_reason": None,
            "comments": len(issue.comments),
            "closed_at": issue.closed_at,
            "created_at": issue.created_at,
            "updated_at": issue.updated_at,
            "closed_by": self.simple_user(issue.closed_by) if issue.closed_by else None,
            "author_association": self.association(repo, issue.user),
            "timeline_url": f"{url}/timeline",
            "reactions": self.reactions(f"{url}/reactions"),
        }

    def pull_json(self, repo: Repo, pull: PullRequest) -> dict[str, Any]:
        """The `pull-request-simple` schema (what listing pull requests returns)."""
        api = f"{self.base_url}/repos/{repo.full_name}"
        url = f"{api}/pulls/{pull.number}"
        html = f"{self.html_base}/{repo.full_name}/pull/{pull.number}"
        issue = f"{api}/issues/{pull.number}"

        def side(ref: str, sha: str) -> dict[str, Any]:
            return {
                "label": f"{repo.owner.login}:{ref}",
                "ref": ref,
                "repo": self.repository(repo),
                "sha": sha,
                "user": self.simple_user(repo.owner),
            }

        base_sha = repo.branches.get(repo.default_branch) or git_sha("base", pull.number)
        links = {
            "comments": issue + "/comments",
            "commits": url + "/commits",
            "statuses": f"{api}/statuses/{pull.head_sha}",
            "html": html,
            "issue": issue,
            "review_comments": url + "/comments",
            "review_comment": f"{api}/pulls/comments{{/number}}",
            "self": url,
        }
        return {
            "url": url,
            "id": pull.id,
            "node_id": node_id("PR", pull.id),
            "html_url": html,
            "diff_url": html + ".diff",
            "patch_url": html + ".patch",
            "issue_url": issue,
            "commits_url": links["commits"],
            "review_comments_url": links["review_comments"],
            "review_comment_url": links["review_comment"],
            "comments_url": links["comments"],
            "statuses_url": links["statuses"],
            "number": pull.number,
            "state": pull.state,
            "locked": False,
            "title": pull.title,
            "user": self.simple_user(pull.user),
            "body": None,
            "labels": [],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": pull.created_at,
            "updated_at": pull.updated_at,
            "closed_at": pull.closed_at,
            "merged_at": pull.merged_at,
            "merge_commit_sha": pull.merge_commit_sha,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": side(pull.head_ref, pull.head_sha),
            "base": side(repo.default_branch, base_sha),
            "_links": {name: {"href": href} for name, href in links.items()},
            "author_association": self.association(repo, pull.user),
            "auto_merge": None,
            "draft": False,
        }

    def review_json(self, repo: Repo, pull: PullRequest, review: Review) -> dict[str, Any]:
        url = f"{self.base_url}/repos/{repo.full_name}/pulls/{pull.number}"
        html = f"{self.html_base}/{repo.full_name}/pull/{pull.number}"
        out = {
            "id": review.id,
            "node_id": node_id("PRR", review.id),
            "user": self.simple_user(review.user),
            "body": review.body,
            "state": review.state,
            "html_url": f"{html}#pullrequestreview-{review.id}",
            "pull_request_url": url,
            "_links": {"html": {"href": f"{html}#pullrequestreview-{review.id}"},
                       "pull_request": {"href": url}},
            "commit_id": review.commit_id,
            "author_association": self.association(repo, review.user),
        }  # fmt: skip
        if review.submitted_at:
            out["submitted_at"] = review.submitted_at
        return out

    def association(self, repo: Repo, user: User) -> str:
        if user.login.lower() == repo.owner.login.lower():
            return "OWNER"
        if user.login.lower() in {c.lower() for c in repo.collaborators}:
            return "COLLABORATOR"
        return "NONE"

    @staticmethod
    def reactions(url: str) -> dict[str, Any]:
        return {
            "url": url,
            "total_count": 0,
            "+1": 0,
            "-1": 0,
            "laugh": 0,
            "hooray": 0,
            "confused": 0,
            "heart": 0,
            "rocket": 0,
            "eyes": 0,
        }

    def comment_json(self, repo: Repo, comment: Comment) -> dict[str, Any]:
        api = f"{self.base_url}/repos/{repo.full_name}"
        return {
            "id": comment.id,
            "node_id": node_id("IC", comment.id),
            "url": f"{api}/issues/comments/{comment.id}",
            "html_url": f"{self.html_base}/{repo.full_name}/issues/{comment.issue_number}"
            f"#issuecomment-{comment.id}",
            "issue_url": f"{api}/issues/{comment.issue_number}",
            "body": comment.body,
            "user": self.simple_user(comment.user),
            "created_at": comment.created_at,
            "updated_at": comment.updated_at,
            "author_association": self.association(repo, comment.user),
            "performed_via_github_app": None,
            "reactions": self.reactions(f"{api}/issues/comments/{comment.id}/reactions"),
        }

    def hook_json(self, repo: Repo, hook: Hook) -> dict[str, Any]:
        api = f"{self.base_url}/repos/{repo.full_name}/hooks/{hook.id}"
        config = {k: v for k, v in hook.config.items() if k != "secret"}
        if "secret" in hook.config:
            config["secret"] = "********"  # GitHub never echoes the secret
        return {
            "type": "Repository",
            "id": hook.id,
            "name": hook.name,
            "active": hook.active,
            "events": list(hook.events),
            "config": config,
            "updated_at": hook.updated_at,
            "created_at": hook.created_at,
            "url": api,
            "test_url": f"{api}/test",
            "ping_url": f"{api}/pings",
            "deliveries_url": f"{api}/deliveries",
            "last_response": dict(hook.last_response),
        }

    def commit_json(self, repo: Repo, commit: Commit) -> dict[str, Any]:
        api = f"{self.base_url}/repos/{repo.full_name}"

        def person(p: dict[str, Any]) -> dict[str, Any]:
            return {"name": p["name"], "email": p["email"], "date": p["date"]}

        def account(p: dict[str, Any]) -> dict[str, Any] | None:
            login = p.get("login")
            return self.simple_user(self.user(login)) if login else None

        parent = repo.commits.get(commit.parents[0]) if commit.parents else None
        old = parent.files if parent else {}
        files = []
        for status, paths in (
            ("added", commit.added),
            ("modified", commit.modified),
            ("removed", commit.removed),
        ):
            for path in paths:
                new_lines = commit.files.get(path, b"").count(b"\n")
                old_lines = old.get(path, b"").count(b"\n")
                files.append(
                    {
                        "sha": git_sha("blob", commit.files.get(path, b"")),
                        "filename": path,
                        "status": status,
                        "additions": new_lines if status != "removed" else 0,
                        "deletions": old_lines if status != "added" else 0,
                        "changes": new_lines + old_lines,
                        "blob_url": f"{self.html_base}/{repo.full_name}/blob/{commit.sha}/{path}",
                        "raw_url": f"{self.html_base}/{repo.full_name}/raw/{commit.sha}/{path}",
                        "contents_url": f"{api}/contents/{path}?ref={commit.sha}",
                    }
                )
        additions = sum(f["additions"] for f in files)
        deletions = sum(f["deletions"] for f in files)
        return {
            "url": f"{api}/commits/{commit.sha}",
            "sha": commit.sha,
            "node_id": node_id("C", int(commit.sha[:8], 16)),
            "html_url": f"{self.html_base}/{repo.full_name}/commit/{commit.sha}",
            "comments_url": f"{api}/commits/{commit.sha}/comments",
            "commit": {
                "url": f"{api}/git/commits/{commit.sha}",
                "author": person(commit.author),
                "committer": person(commit.committer),
                "message": commit.message,
                "comment_count": 0,
                "tree": {"sha": commit.tree_sha, "url": f"{api}/git/trees/{commit.tree_sha}"},
                "verification": {
                    "verified": False,
                    "reason": "unsigned",
                    "payload": None,
                    "signature": None,
                    "verified_at": None,
                },
            },
            "author": account(commit.author),
            "committer": account(commit.committer),
            "parents": [
                {
                    "sha": p,
                    "url": f"{api}/commits/{p}",
                    "html_url": f"{self.html_base}/{repo.full_name}/commit/{p}",
                }
                for p in commit.parents
            ],
            "stats": {
                "additions": additions,
                "deletions": deletions,
                "total": additions + deletions,
            },
            "files": files,
        }

    def content_entry(
        self, repo: Repo, ref: str, path: str, kind: str, data: bytes | None
    ) -> dict[str, Any]:
        api = f"{self.base_url}/repos/{repo.full_name}"
        sha = git_sha("blob", data) if data is not None else git_sha("tree", repo.id, path)
        html = (
            f"{self.html_base}/{repo.full_name}/{'blob' if kind == 'file' else 'tree'}/{ref}/{path}"
        )
        git = f"{api}/git/{'blobs' if kind == 'file' else 'trees'}/{sha}"
        self_url = f"{api}/contents/{path}?ref={ref}"
        return {
            "type": kind,
            "size": len(data) if data is not None else 0,
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": sha,
            "url": self_url,
            "git_url": git,
            "html_url": html,
            "download_url": (
                f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{path}"
                if kind == "file"
                else None
            ),
            "_links": {"self": self_url, "git": git, "html": html},
        }
