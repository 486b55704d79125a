"""From a commit to a news item: Conventional Commits parsing, skip rules and categories.

Plain Python (no Django), so the rules can be read and tested on their own.

- Conventional Commits 1.0: `type(scope)!: description`, a body, footers (`Token: value` or
  `Token #value`), `BREAKING CHANGE:` (or `BREAKING-CHANGE:`) in a footer. A message that is
  not conventional still makes news: its first line is the title, its category "Other".
- Skip rules per app come from the repository's `polise.yaml` (`news.types`,
  `news.skip_marker`, `news.skip_paths`); without them, merge commits, bot authors, the skip
  marker and the types chore, ci, test, style and build make no news. A breaking change always
  does: users must hear of it.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import yaml

TITLE_MAX = 300
BODY_MAX = 20_000
DEFAULT_SKIP_MARKER = "[no-news]"
DEFAULT_SKIPPED_TYPES = frozenset({"chore", "ci", "test", "tests", "style", "build"})
BOT_EMAILS = frozenset(
    {
        "action@github.com",
        "actions@github.com",
        "noreply@github.com",
        "support@dependabot.com",
        "bot@renovateapp.com",
    }
)

_HEADER = re.compile(
    r"^(?P<type>[A-Za-z][A-Za-z0-9_-]*)(?:\((?P<scope>[^()\r\n]*)\))?(?P<bang>!)?:[ \t]+(?P<desc>\S.*)$"
)
_FOOTER = re.compile(r"^(?P<token>BREAKING[ -]CHANGE|[A-Za-z][A-Za-z0-9-]*)(?:: | #)(?P<value>.*)$")


class Category(StrEnum):
    """In the order an update shows them: what can break first."""

    BREAKING = "breaking"
    FEATURE = "feature"
    FIX = "fix"
    PERFORMANCE = "performance"
    DOCS = "docs"
    OTHER = "other"


ORDER = {category: position for position, category in enumerate(Category)}
_TYPE_CATEGORY = {
    "feat": Category.FEATURE,
    "feature": Category.FEATURE,
    "fix": Category.FIX,
    "bugfix": Category.FIX,
    "perf": Category.PERFORMANCE,
    "docs": Category.DOCS,
    "doc": Category.DOCS,
}


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    type: str = ""  # lower case; "" for a free-form message
    scope: str = ""
    breaking: bool = False
    breaking_note: str = ""
    footers: tuple[tuple[str, str], ...] = ()
    truncated: bool = False


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(text: str) -> str:
    # NUL and other C0 controls (but tab and newline) have no place in a page or a feed.
    return _CONTROL.sub("", text.replace("\r\n", "\n")).strip()


def parse_message(message: str) -> Message:
    text = message.strip()
    if _CONTROL.search(text) or "\r" in text:
        text = _clean(text)
    truncated = len(text) > BODY_MAX + TITLE_MAX
    if truncated:
        text = text[: BODY_MAX + TITLE_MAX]
    first, _, rest = text.partition("\n")
    first = first.strip()
    paragraphs = [p.strip("\n") for p in re.split(r"\n[ \t]*\n", rest.strip("\n")) if p.strip()]
    footers: list[tuple[str, str]] = []
    if paragraphs and all(
        _FOOTER.match(line) or line.startswith((" ", "\t")) for line in paragraphs[-1].splitlines()
    ):
        for line in paragraphs.pop().splitlines():
            if match := _FOOTER.match(line):
                footers.append((match["token"], match["value"].strip()))
            elif footers:  # a continuation line of the footer above
                token, value = footers[-1]
                footers[-1] = (token, f"{value}\n{line.strip()}")
    body = "\n\n".join(paragraphs)[:BODY_MAX]
    breaking_note = next(
        (value for token, value in footers if token in ("BREAKING CHANGE", "BREAKING-CHANGE")), ""
    )
    header = _HEADER.match(first)
    if header is None:
        return Message(
            title=first[:TITLE_MAX],
            body=body,
            breaking=bool(breaking_note),
            breaking_note=breaking_note,
            footers=tuple(footers),
            truncated=truncated,
        )
    return Message(
        title=header["desc"].strip()[:TITLE_MAX],
        body=body,
        type=header["type"].lower(),
        scope=header["scope"].strip()[:60] if header["scope"] else "",
        breaking=bool(header["bang"] or breaking_note),
        breaking_note=breaking_note,
        footers=tuple(footers),
        truncated=truncated,
    )


@functools.lru_cache(maxsize=256)
def _matcher(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One regular expression for a list of paths: a folder (and all below it), a file, or a
    shell pattern (`README*`)."""
    parts = []
    for pattern in (p.strip("/") for p in patterns):
        if pattern:
            glob = fnmatch.translate(pattern).removesuffix(r"\Z")
            parts.append(f"(?:{glob}(?:/.*)?)")
    return re.compile("(?:" + "|".join(parts) + r")\Z" if parts else r"(?!)", re.DOTALL)


def _matches(path: str, patterns: tuple[str, ...]) -> bool:
    return bool(_matcher(patterns).match(path))


@dataclass(frozen=True)
class Rules:
    """What makes news for one app, from its `polise.yaml` (`news`, `docs`)."""

    types: frozenset[str] | None = None  # None: every type but DEFAULT_SKIPPED_TYPES
    skip_marker: str = DEFAULT_SKIP_MARKER
    skip_paths: tuple[str, ...] = ()
    usage_docs: tuple[str, ...] = ("docs/usage", "README*")
    database_docs: tuple[str, ...] = ("docs/database",)
    problems: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_manifest(
        cls,
        text: str | None,
        *,
        usage_docs: str = "docs/usage",
        database_docs: str = "docs/database",
    ) -> Rules:
        """The rules in a `polise.yaml` (None: the repository has none). A file that cannot be
        read keeps the defaults and says why in `problems`."""
        defaults = cls(usage_docs=(usage_docs, "README*"), database_docs=(database_docs,))
        if not text:
            return defaults
        try:
            data: Any = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            return cls(**{**defaults.__dict__, "problems": (f"polise.yaml: {exc}",)})
        if not isinstance(data, dict):
            return cls(**{**defaults.__dict__, "problems": ("polise.yaml is not a mapping",)})
        news: dict[str, Any] = data["news"] if isinstance(data.get("news"), dict) else {}
        docs: dict[str, Any] = data["docs"] if isinstance(data.get("docs"), dict) else {}
        types = news.get("types")
        marker = news.get("skip_marker")
        skip_paths = news.get("skip_paths")
        return cls(
            types=frozenset(str(t).lower() for t in types) if isinstance(types, list) else None,
            skip_marker=marker if isinstance(marker, str) and marker else DEFAULT_SKIP_MARKER,
            skip_paths=tuple(str(p) for p in skip_paths) if isinstance(skip_paths, list) else (),
            usage_docs=(str(docs.get("usage") or usage_docs), "README*"),
            database_docs=(str(docs.get("database") or database_docs),),
        )

    def skip_reason(
        self,
        message: Message,
        *,
        raw_message: str,
        author_name: str,
        author_email: str,
        is_merge: bool,
        paths: Sequence[str],
    ) -> str:
        """Why this commit makes no news, or "" when it does."""
        if is_merge:
            return "merge commit"
        if not message.title:
            return "empty message"
        if is_bot(author_name, author_email):
            return "bot author"
        if self.skip_marker and self.skip_marker in raw_message:
            return "skip marker"
        if message.breaking:
            return ""
        if message.type:
            if self.types is not None and message.type not in self.types:
                return f"type {message.type} not in news.types"
            if self.types is None and message.type in DEFAULT_SKIPPED_TYPES:
                return f"type {message.type}"
        if paths and self.skip_paths and all(_matches(p, self.skip_paths) for p in paths):
            return "only news.skip_paths changed"
        return ""

    def docs_touched(self, paths: Sequence[str]) -> tuple[bool, bool]:
        """Whether the commit changed usage docs, database docs."""
        usage = any(_matches(p, self.usage_docs) for p in paths)
        database = any(_matches(p, self.database_docs) for p in paths)
        return usage, database

    def category(self, message: Message, paths: Sequence[str]) -> Category:
        if message.breaking:
            return Category.BREAKING
        if message.type:
            return _TYPE_CATEGORY.get(message.type, Category.OTHER)
        usage, database = self.docs_touched(paths)
        if (
            paths
            and (usage or database)
            and all(_matches(p, self.usage_docs + self.database_docs) for p in paths)
        ):
            return Category.DOCS
        return Category.OTHER


def is_bot(name: str, email: str) -> bool:
    email = email.lower()
    return (
        name.endswith("[bot]")
        or "[bot]@" in email
        or email in BOT_EMAILS
        or email.startswith("github-actions")
    )


def display_title(title: str) -> str:
    """A title as a sentence: the first letter up (`tambah ekspor` -> `Tambah ekspor`)."""
    return title[:1].upper() + title[1:] if title else title
