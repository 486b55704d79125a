"""Per-commit and per-identity contribution figures from a git repository, streamed.

Plain Python, no Django (an import-linter contract keeps it so): the portal's sync and the
`polise contributions scan PATH` command run the same code, so anyone can check the portal's
figures against git.

- One `git log --numstat --no-merges` process (polise.forge.mirrors.gitread.log), parsed as
  it runs: memory grows with the number of people and distinct paths, never with the history.
- Merge commits are left out: their changes are their parents' and would count twice.
- Names and e-mails go through `.mailmap` (as `git shortlog -sne` shows them); an identity is
  a mailmapped e-mail, compared caselessly. Co-authors (`Co-authored-by:`) are credited with
  the commit; its lines stay with the author, so an author's lines equal what
  `git log --numstat` says for that author.
- Bots (`name[bot]`, `...[bot]@users.noreply.github.com`) are left out.
- Binary files count no lines (git says `-`); they are "excluded" work.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import yaml

from polise.forge.mirrors import gitread
from polise.forge.mirrors.gitread import GitDir, Person

from .classify import (
    CATEGORIES,
    DEFAULT_DATABASE,
    DEFAULT_USAGE,
    Category,
    Classifier,
    docs_paths,
    parse_gitattributes,
)

_NOREPLY = re.compile(r"^(?:\d+\+)?(?P<login>[A-Za-z0-9-]+)@users\.noreply\.github\.com$", re.I)
_BOT_EMAILS = frozenset({"noreply@github.com", "action@github.com"})

Lines = dict[Category, list[int]]  # category -> [added, removed]


def github_login(email: str) -> str | None:
    """The GitHub login a noreply address names (`123+login@users.noreply.github.com`)."""
    match = _NOREPLY.match(email.strip())
    return match["login"].lower() if match else None


@functools.lru_cache(maxsize=4096)
def is_bot(person: Person) -> bool:
    name, email = person.name.lower(), person.email.lower()
    return (
        "[bot]" in name
        or "[bot]" in email
        or email in _BOT_EMAILS
        or name.endswith("-bot")
        or email.split("@", 1)[0].endswith("-bot")
    )


def rules_at(git_dir: GitDir, rev: str = "HEAD") -> Classifier:
    """The classification rules the repository states at `rev`: `polise.yaml` docs paths and
    every `.gitattributes` file (the defaults where there is none, or no commit yet)."""
    sha = gitread.resolve(git_dir, rev)
    if sha is None:
        return Classifier()
    usage: tuple[str, ...] = DEFAULT_USAGE
    database: tuple[str, ...] = DEFAULT_DATABASE
    attributes = []
    sources: list[str] = []
    entries = gitread.tree(git_dir, sha)
    wanted = [
        e
        for e in entries
        if e.kind == "blob"
        and (e.path == "polise.yaml" or e.path.rsplit("/", 1)[-1] == ".gitattributes")
    ]
    with gitread.BlobReader(git_dir) as blobs:
        for entry in sorted(wanted, key=lambda e: (e.path.count("/"), e.path)):
            blob = blobs.read(entry.sha, max_bytes=1 << 20)
            if blob is None or blob.data is None:
                continue
            text = blob.data.decode("utf-8", "replace")
            if entry.path == "polise.yaml":
                try:
                    found_usage, found_database = docs_paths(yaml.safe_load(text))
                except yaml.YAMLError:
                    continue
                if found_usage:
                    usage = (*found_usage, *(p for p in DEFAULT_USAGE if p.startswith("README")))
                if found_database:
                    database = found_database
            else:
                base = entry.path.rpartition("/")[0]
                attributes += parse_gitattributes(text, base)
                sources.append(f"{entry.path}:{entry.sha}")
    return Classifier(
        usage=tuple(usage),
        database=tuple(database),
        attributes=attributes,
        fingerprint_source=" ".join(sources),
    )


@dataclass(frozen=True, slots=True)
class CommitFigures:
    sha: str
    authored_at: datetime
    author: Person
    co_authors: tuple[Person, ...]
    lines: Lines  # the author's lines by category (only categories the commit touched)

    @property
    def key(self) -> str:
        return self.author.key


def scan(
    git_dir: GitDir,
    *,
    tip: str = "HEAD",
    exclude: Iterable[str] = (),
    classifier: Classifier | None = None,
    reverse: bool = False,
    skip: int = 0,
) -> Iterator[CommitFigures]:
    """The non-merge commits of `tip` (less `exclude`'s history) with their lines by category,
    bots' commits left out (they still advance a caller's count: see `counted`)."""
    classify = (classifier or rules_at(git_dir, tip)).classify
    for commit in gitread.log(
        git_dir,
        tip=tip,
        exclude=exclude,
        files=gitread.Files.NUMSTAT,
        merges=False,
        reverse=reverse,
        skip=skip,
    ):
        lines: Lines = {}
        for change in commit.files:
            category = classify(change.path, binary=change.binary)
            slot = lines.get(category)
            if slot is None:
                slot = lines[category] = [0, 0]
            slot[0] += change.added
            slot[1] += change.removed
        yield CommitFigures(
            sha=commit.sha,
            authored_at=commit.authored_at,
            author=commit.author,
            co_authors=tuple(p for p in commit.co_authors if not is_bot(p)),
            lines=lines,
        )


def count(git_dir: GitDir, *, tip: str = "HEAD", exclude: Iterable[str] = ()) -> int:
    """How many commits `scan` walks (merges left out), for a progress display."""
    return gitread.count(git_dir, tip=tip, exclude=exclude, merges=False)


@dataclass
class IdentityTotals:
    email: str
    name: str
    commits: int = 0  # authored, plus co-authored
    authored: int = 0
    co_authored: int = 0
    lines: dict[Category, list[int]] = field(
        default_factory=lambda: {category: [0, 0] for category in CATEGORIES}
    )

    def as_json(self) -> dict[str, object]:
        return {
            "email": self.email,
            "name": self.name,
            "commits": self.commits,
            "lines": {
                str(category): {"added": added, "removed": removed}
                for category, (added, removed) in self.lines.items()
            },
        }


def totals(
    commits: Iterable[CommitFigures], *, on_commit: Callable[[], None] | None = None
) -> list[IdentityTotals]:
    """Per-identity sums of `commits` (bots left out), most commits first."""
    people: dict[str, IdentityTotals] = {}

    def person(who: Person) -> IdentityTotals:
        found = people.get(who.key)
        if found is None:
            found = people[who.key] = IdentityTotals(email=who.email, name=who.name)
        return found

    for figures in commits:
        if on_commit:
            on_commit()
        if not is_bot(figures.author):
            author = person(figures.author)
            author.commits += 1
            author.authored += 1
            for category, (added, removed) in figures.lines.items():
                slot = author.lines[category]
                slot[0] += added
                slot[1] += removed
        for co_author in figures.co_authors:
            other = person(co_author)
            other.commits += 1
            other.co_authored += 1
    return sorted(people.values(), key=lambda t: (-t.commits, t.email.lower()))
