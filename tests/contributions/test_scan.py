"""The contribution scan against git's own figures on a generated history (tests/contributions/
history.py): per-author commits equal `git shortlog -sne --no-merges`, per-author lines equal
the sums of `git log --numstat --no-merges`, and each file lands in the category the generator
meant for it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from polise.contributions.classify import Category, Classifier, glob_regex, parse_gitattributes
from polise.contributions.scan import github_login, is_bot, rules_at, scan, totals
from polise.forge.mirrors.gitread import Person
from tests.contributions.history import BOT, History, build

POLISE = Path(sys.executable).with_name("polise")


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> History:
    return build(tmp_path_factory.mktemp("scan") / "simpeg", 700)


def _git(path: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(path), *args], capture_output=True, check=True).stdout


def shortlog(path: Path) -> Counter[str]:
    """Commits per mailmapped e-mail (caseless), as `git shortlog -sne --no-merges` counts."""
    counts: Counter[str] = Counter()
    for line in (
        _git(path, "shortlog", "-sne", "--no-merges", "HEAD")
        .decode("utf-8", "surrogateescape")
        .splitlines()
    ):
        match = re.fullmatch(r"\s*(\d+)\t.*<([^<>]+)>", line)
        assert match, line
        counts[match[2].lower()] += int(match[1])
    return counts


def numstat(path: Path, categories: dict[str, str]) -> dict[str, dict[str, list[int]]]:
    """Lines per mailmapped e-mail and intended category from `git log --numstat --no-merges`
    (binary files, `-` in git's output, count nothing and are excluded)."""
    raw = _git(
        path, "-c", "diff.renames=true", "log", "--numstat", "--no-merges", "--use-mailmap",
        "-z", "--format=tformat:@@%aE", "HEAD",
    )  # fmt: skip
    sums: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    email = ""
    tokens = iter(raw.decode("utf-8", "surrogateescape").split("\0"))
    for token in tokens:
        token = token.removeprefix("\n")
        if token.startswith("@@"):
            email = token[2:].lower()
            continue
        if not token:
            continue
        added, removed, name = token.split("\t", 2)
        if not name:  # a rename: the old name, then the new one
            next(tokens)
            name = next(tokens)
        slot = sums[email][categories[name] if added != "-" else "excluded"]
        slot[0] += 0 if added == "-" else int(added)
        slot[1] += 0 if removed == "-" else int(removed)
    return sums


def test_the_generated_history_has_what_the_scan_must_handle(history):
    """The fixture is what the test claims: merges, renames, binaries, aliases, a bot, a
    non-UTF-8 name, co-authors."""
    log = _git(history.path, "log", "--no-merges", "-M", "--summary", "--format=%an", "HEAD")
    assert b"rename " in log
    assert b"Jos\xe9" in log  # stored as written, not UTF-8
    assert history.merges >= 5
    assert int(_git(history.path, "rev-list", "--count", "--merges", "HEAD")) >= 5
    assert b"Bin 0 -> " in _git(history.path, "log", "--stat", "--format=", "HEAD")
    raw_authors = _git(history.path, "log", "--no-use-mailmap", "--format=%ae", "HEAD").decode()
    assert "BUDI@old-vendor.example.com" in raw_authors
    assert BOT[1] in raw_authors
    assert sum(history.co_authored.values()) >= 20
    assert set(history.categories.values()) == set(Category)


def test_commits_and_lines_per_author_equal_git(history):
    people = totals(scan(history.path))
    expected_commits = shortlog(history.path)
    expected_lines = numstat(history.path, history.categories)
    got = {p.email.lower(): p for p in people}

    humans = {email for email in expected_commits if "[bot]" not in email}
    assert set(got) == humans  # aliases folded by .mailmap, the bot left out
    for email in humans:
        person = got[email]
        assert person.authored == expected_commits[email], email
        assert person.co_authored == history.co_authored[email], email
        assert person.commits == person.authored + person.co_authored
        lines = {str(c): v for c, v in person.lines.items() if v != [0, 0]}
        want = {c: v for c, v in expected_lines[email].items() if v != [0, 0]}
        assert lines == want, email
    # Across everyone, nothing is lost between the categories: the sums equal git's own.
    total = _git(history.path, "log", "--numstat", "--no-merges", "--format=", "HEAD").decode()
    git_added = sum(
        int(a) for a, *_ in (ln.split("\t") for ln in total.splitlines() if ln) if a != "-"
    )
    bot_added = sum(v[0] for v in expected_lines[BOT[1].lower()].values())
    assert sum(sum(v[0] for v in p.lines.values()) for p in people) == git_added - bot_added


def test_the_command_prints_the_documented_json(history):
    """`polise contributions scan PATH --json` as docs/contributions.md shows it."""
    proc = subprocess.run(
        [str(POLISE), "contributions", "scan", str(history.path), "--json"],
        capture_output=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
    )
    data = json.loads(proc.stdout)
    assert proc.stderr == b""  # no progress bar when stderr is not a terminal
    expected_commits = shortlog(history.path)
    expected_lines = numstat(history.path, history.categories)
    assert {entry["email"].lower() for entry in data} == {
        e for e in expected_commits if "[bot]" not in e
    }
    for entry in data:
        assert set(entry) == {"email", "name", "commits", "lines"}
        assert set(entry["lines"]) == {str(c) for c in Category}
        email = entry["email"].lower()
        assert entry["commits"] >= expected_commits[email]
        for category, figures in entry["lines"].items():
            assert set(figures) == {"added", "removed"}
            assert [figures["added"], figures["removed"]] == expected_lines[email].get(
                category, [0, 0]
            )
    names = {entry["email"]: entry["name"] for entry in data}
    assert names["jose@vendor-dua.example.co.id"] == "Jos\ufffd Mart\ufffdnez"
    assert names["budi@vendor-satu.example.co.id"] == "Budi Santoso"


def test_the_command_shows_a_progress_bar_on_a_terminal(history):
    """Under a pseudo-terminal the command draws `commits N/TOTAL` on stderr."""
    import pty

    primary, secondary = pty.openpty()
    proc = subprocess.run(
        [str(POLISE), "contributions", "scan", str(history.path)],
        stdout=subprocess.PIPE,
        stderr=secondary,
        check=True,
    )
    os.close(secondary)
    shown = os.read(primary, 1 << 16).decode()
    os.close(primary)
    total = int(_git(history.path, "rev-list", "--count", "--no-merges", "HEAD"))
    assert f"commits {total}/{total}" in shown
    assert b"Ayu Lestari" in proc.stdout


def test_a_path_that_is_no_repository_is_a_clear_error(tmp_path):
    proc = subprocess.run(
        [str(POLISE), "contributions", "scan", str(tmp_path), "--json"],
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 2
    assert b"not a git repository" in proc.stderr.lower()
    assert proc.stdout == b""


def test_the_rules_come_from_polise_yaml_and_gitattributes(history):
    rules = rules_at(history.path)
    assert rules.classify("docs/usage/bab1/a.md") == Category.USAGE_DOCS
    assert rules.classify("README.md") == Category.USAGE_DOCS
    assert rules.classify("guides/x/y.md") == Category.USAGE_DOCS  # linguist-documentation
    assert rules.classify("docs/database/t.md") == Category.DATABASE_DOCS
    assert rules.classify("generated/api1/a.json") == Category.EXCLUDED
    assert rules.classify("static/lib/x.js") == Category.EXCLUDED
    assert rules.classify("vendor/keep/u.go") == Category.CODE  # -linguist-vendored
    assert rules.classify("vendor/other/u.go") == Category.EXCLUDED  # built-in guess
    assert rules.classify("src/a.png", binary=True) == Category.EXCLUDED


@pytest.mark.parametrize(
    ("path", "category"),
    [
        ("src/app.py", Category.CODE),
        ("README", Category.USAGE_DOCS),
        ("pkg/README.rst", Category.USAGE_DOCS),
        ("docs/usage", Category.CODE),  # a file named like the folder is not in it
        ("docs/usage/a/b.md", Category.USAGE_DOCS),
        ("docs/usagex/a.md", Category.CODE),
        ("docs/database/schema.sql", Category.DATABASE_DOCS),
        ("tests/test_app.py", Category.TESTS),
        ("app/foo_test.go", Category.TESTS),
        ("web/src/x.spec.ts", Category.TESTS),
        ("package-lock.json", Category.EXCLUDED),
        ("api/uv.lock", Category.EXCLUDED),
        ("node_modules/x/index.js", Category.EXCLUDED),
        ("static/app.min.js", Category.EXCLUDED),
        ("proto/a_pb2.py", Category.EXCLUDED),
    ],
)
def test_default_classification(path, category):
    assert Classifier().classify(path) == category


def test_gitattributes_patterns_follow_git():
    rules = parse_gitattributes("*.gen.ts linguist-generated\n/top/** linguist-vendored\n", "web")
    classifier = Classifier(attributes=rules)
    assert classifier.classify("web/a/b.gen.ts") == Category.EXCLUDED
    assert classifier.classify("b.gen.ts") == Category.CODE  # outside the file's folder
    assert classifier.classify("web/top/x.js") == Category.EXCLUDED
    assert classifier.classify("web/a/top/x.js") == Category.CODE  # anchored
    assert glob_regex("a/**/b").match("a/b")
    assert glob_regex("a/**/b").match("a/x/y/b")
    assert not glob_regex("a/*.md").match("a/x/b.md")


def test_identities_noreply_and_bots():
    assert github_login("81234+SariW@users.noreply.github.com") == "sariw"
    assert github_login("dimas@users.noreply.github.com") == "dimas"
    assert github_login("dimas@example.com") is None
    assert is_bot(Person("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"))
    assert is_bot(Person("renovate-bot", "bot@renovateapp.com"))
    assert not is_bot(Person("Ayu", "ayu@example.com"))


def test_an_incremental_scan_adds_up_to_the_full_one(history):
    """Scanning up to an older commit, then from it to the tip, gives the full figures."""
    middle = _git(history.path, "rev-parse", "HEAD~150").decode().strip()
    first = list(scan(history.path, tip=middle))
    rest = list(scan(history.path, exclude=[middle]))
    full = list(scan(history.path))
    assert sorted(c.sha for c in first + rest) == sorted(c.sha for c in full)
    assert len(rest) > 0


def test_a_time_zone_no_calendar_has_does_not_stop_the_scan(tmp_path):
    """Old histories hold dates like `+51800` that git accepted (psf/requests has one)."""
    git = ["git", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    tree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # the empty tree
    subprocess.run([*git, "hash-object", "-t", "tree", "-w", "--stdin"], input=b"", check=True)
    raw = (
        f"tree {tree}\nauthor A <a@example.com> 1315449530 +51800\n"
        "committer A <a@example.com> 1315449530 +51800\n\nodd zone\n"
    ).encode()
    sha = subprocess.run(
        [*git, "hash-object", "-t", "commit", "-w", "--stdin", "--literally"],
        input=raw, capture_output=True, check=True,
    ).stdout.decode().strip()  # fmt: skip
    subprocess.run([*git, "update-ref", "HEAD", sha], check=True)
    (figures,) = list(scan(tmp_path))
    assert figures.authored_at.year == 2011
    assert totals([figures])[0].commits == 1
