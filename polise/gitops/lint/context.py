"""What a rule may know beyond the file itself: platform config and the app's own polise.yaml."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from polise.gitops.config import PlatformConfig
from polise.gitops.lint.document import Document
from polise.gitops.lint.rules import RULES, Finding


@dataclass(frozen=True)
class LintContext:
    config: PlatformConfig = field(default_factory=PlatformConfig)
    # From the polise.yaml beside the stack file, when there is one.
    app: str | None = None
    sso: str | None = None
    # The variables stack files are interpolated with (default: this process's environment).
    environ: Mapping[str, str] | None = None


@dataclass
class Report:
    """Collects findings for one document, placing each at the line of the key it concerns."""

    doc: Document
    findings: list[Finding] = field(default_factory=list)

    def add(self, rule_id: str, *where: str | int, **params: Any) -> None:
        line, column = self.doc.where(*where)
        self.findings.append(Finding(RULES[rule_id], self.doc.path, line, column, params))


Check = Callable[[Report, LintContext], None]


def run_checks(doc: Document, ctx: LintContext, checks: Iterable[Check]) -> list[Finding]:
    report = Report(doc)
    if doc.error is not None:
        report.findings.append(
            Finding(RULES["PLS001"], doc.path, doc.error_line, None, {"detail": doc.error})
        )
        return report.findings
    if not isinstance(doc.data, dict):
        report.add("PLS001", detail="the top level must be a mapping")
        return report.findings
    for check in checks:
        check(report, ctx)
    return report.findings
