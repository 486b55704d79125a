"""Which kind of work a changed file is: code, usage docs, database docs, tests, or excluded.

Plain Python, no Django: the `polise contributions scan` command runs it on any checkout.

The rules, first match wins:

1. **excluded**: binary files (git counts no lines for them), and files marked
   `linguist-generated` or `linguist-vendored` in `.gitattributes`; without a mark, lock files
   (`package-lock.json`, `uv.lock`, `go.sum`, ...), vendored folders (`vendor/`,
   `node_modules/`, `third_party/`) and well-known generated files (`*.min.js`, `*_pb2.py`,
   ...). A mark set to false (`-linguist-generated`) overrides the built-in guess.
2. **database_docs**: under one of `polise.yaml`'s `docs.database` paths (default
   `docs/database/**`).
3. **usage_docs**: under one of `docs.usage` paths (default `docs/usage/**`), any `README*`,
   or marked `linguist-documentation`.
4. **tests**: in a `tests/`, `test/`, `spec/` or `__tests__/` folder, or named like a test
   (`test_*.py`, `*_test.go`, `*.test.ts`, `*.spec.js`, `*Test.java`, ...).
5. **code**: everything else.

Patterns follow git's `.gitattributes` syntax: without a slash a pattern matches a file name
at any depth, with one it is anchored at the folder of the file that holds it; `**` spans
folders. A docs path without a wildcard (as `polise.yaml` writes it, `docs/usage`) means
that folder and everything in it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Category(StrEnum):
    CODE = "code"
    USAGE_DOCS = "usage_docs"
    DATABASE_DOCS = "database_docs"
    TESTS = "tests"
    EXCLUDED = "excluded"


CATEGORIES: tuple[Category, ...] = tuple(Category)
DEFAULT_USAGE = ("docs/usage/**", "README*")
DEFAULT_DATABASE = ("docs/database/**",)

LOCK_FILES = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "bun.lockb",
        "composer.lock",
        "Gemfile.lock",
        "poetry.lock",
        "Pipfile.lock",
        "uv.lock",
        "pdm.lock",
        "Cargo.lock",
        "go.sum",
        "mix.lock",
        "pubspec.lock",
        "packages.lock.json",
    }
)
VENDORED_DIRS = frozenset({"vendor", "node_modules", "third_party", "bower_components"})
GENERATED = (
    "*.min.js",
    "*.min.css",
    "*.js.map",
    "*.css.map",
    "*_pb2.py",
    "*_pb2_grpc.py",
    "*.pb.go",
    "*.generated.*",
)
TEST_DIRS = frozenset({"test", "tests", "spec", "specs", "__tests__", "testing"})
TEST_NAMES = (
    "test_*.py",
    "*_test.py",
    "*_test.go",
    "*.test.js",
    "*.test.jsx",
    "*.test.ts",
    "*.test.tsx",
    "*.spec.js",
    "*.spec.jsx",
    "*.spec.ts",
    "*.spec.tsx",
    "*Test.java",
    "*Test.php",
    "*_spec.rb",
)
ATTRIBUTES = ("linguist-generated", "linguist-vendored", "linguist-documentation")


def glob_regex(pattern: str, base: str = "") -> re.Pattern[str]:
    """A `.gitattributes` pattern (found in folder `base`, "" for the top) as a regex on the
    path from the top of the repository."""
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.strip("/")
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and (end := pattern.find("]", i + 2)) != -1:
            body = pattern[i + 1 : end]
            if body[:1] == "!":
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    prefix = re.escape(base.strip("/") + "/") if base.strip("/") else ""
    lead = prefix if anchored else prefix + "(?:.*/)?"
    return re.compile(lead + "".join(out) + r"\Z", re.DOTALL)


def path_regex(path: str) -> re.Pattern[str]:
    """A docs path from `polise.yaml`: a glob, or a folder (and all under it) / a file."""
    path = path.strip().strip("/")
    if any(ch in path for ch in "*?["):
        return glob_regex(path)
    return re.compile(re.escape(path) + r"(?:/.*)?\Z", re.DOTALL)


@dataclass(frozen=True)
class AttributeRule:
    regex: re.Pattern[str]
    values: dict[str, bool]  # attribute -> set (True) or unset (False)


def parse_gitattributes(text: str, base: str = "") -> list[AttributeRule]:
    """The linguist rules of one `.gitattributes` file in folder `base`."""
    rules = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("[attr]"):
            continue
        pattern, *attrs = line.split()
        values: dict[str, bool] = {}
        for attr in attrs:
            name, _, value = attr.lstrip("-!").partition("=")
            if name not in ATTRIBUTES:
                continue
            if attr.startswith(("-", "!")):
                values[name] = False
            else:
                values[name] = value.lower() not in {"false", "0", "no", "off"}
        if values and not pattern.startswith("!"):
            rules.append(AttributeRule(glob_regex(pattern, base), values))
    return rules


def _any(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{glob_regex(p).pattern})" for p in patterns), re.DOTALL)


_GENERATED = _any(GENERATED)
_TEST_NAME = _any(TEST_NAMES)


@dataclass
class Classifier:
    """Classify paths of one repository; remembers each path it has seen (memory grows with
    the number of distinct paths, never with the number of commits)."""

    usage: tuple[str, ...] = DEFAULT_USAGE
    database: tuple[str, ...] = DEFAULT_DATABASE
    attributes: list[AttributeRule] = field(default_factory=list)
    fingerprint_source: str = ""
    _cache: dict[str, Category] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._usage = [path_regex(p) for p in self.usage]
        self._database = [path_regex(p) for p in self.database]

    @property
    def fingerprint(self) -> str:
        """Changes whenever the rules do (a sync then starts over from the first commit)."""
        text = "\n".join(
            [*self.usage, "|", *self.database, "|", self.fingerprint_source, "|rules-v1"]
        )
        return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]

    def classify(self, path: str, *, binary: bool = False) -> Category:
        if binary:
            return Category.EXCLUDED
        found = self._cache.get(path)
        if found is None:
            found = self._cache[path] = self._classify(path)
        return found

    def _attributes(self, path: str) -> dict[str, bool]:
        values: dict[str, bool] = {}
        for rule in self.attributes:
            if rule.regex.match(path):
                values.update(rule.values)
        return values

    def _classify(self, path: str) -> Category:
        attrs = self._attributes(path) if self.attributes else {}
        parts = path.split("/")
        name = parts[-1]
        generated = attrs.get("linguist-generated")
        if generated is None:
            generated = name in LOCK_FILES or bool(_GENERATED.match(path))
        vendored = attrs.get("linguist-vendored")
        if vendored is None:
            vendored = any(part in VENDORED_DIRS for part in parts[:-1])
        if generated or vendored:
            return Category.EXCLUDED
        if any(regex.match(path) for regex in self._database):
            return Category.DATABASE_DOCS
        documentation = attrs.get("linguist-documentation")
        if documentation or (
            documentation is None and any(regex.match(path) for regex in self._usage)
        ):
            return Category.USAGE_DOCS
        if any(part in TEST_DIRS for part in parts[:-1]) or _TEST_NAME.match(path):
            return Category.TESTS
        return Category.CODE


def docs_paths(manifest: object) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """`docs.usage` and `docs.database` of a parsed `polise.yaml` (a string or a list each;
    None where the file says nothing)."""
    docs = manifest.get("docs") if isinstance(manifest, dict) else None
    if not isinstance(docs, dict):
        return None, None

    def paths(value: object) -> tuple[str, ...] | None:
        if isinstance(value, str) and value.strip():
            return (value,)
        if isinstance(value, list) and all(isinstance(v, str) for v in value) and value:
            return tuple(value)
        return None

    return paths(docs.get("usage")), paths(docs.get("database"))
