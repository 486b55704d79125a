"""Platform rules for GitHub Actions workflows (actionlint's own checks run beside them)."""

from __future__ import annotations

import re
from typing import Any

from polise.gitops.lint.context import Check, LintContext, Report
from polise.gitops.lint.document import mapping

_PINNED = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")
_BUILDS = re.compile(r"\bdocker\s+(?:buildx\s+)?(?:build|push)\b|\bpolise\s+deploy\b")
_BUILD_ACTIONS = ("docker/build-push-action",)
_DEPLOY = re.compile(r"\bpolise\s+deploy\b")
_LINT = re.compile(r"\bpolise\s+lint\b")


def _jobs(report: Report) -> list[tuple[str, dict[str, Any]]]:
    return [(name, mapping(job)) for name, job in mapping(report.doc.data.get("jobs")).items()]


def _steps(job: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    steps = job.get("steps")
    return [(i, mapping(s)) for i, s in enumerate(steps)] if isinstance(steps, list) else []


def check_pinned_actions(report: Report, ctx: LintContext) -> None:
    for name, job in _jobs(report):
        uses_sites: list[tuple[tuple[str | int, ...], Any]] = [
            (("jobs", name, "uses"), job.get("uses"))
        ]
        uses_sites += [(("jobs", name, "steps", i, "uses"), s.get("uses")) for i, s in _steps(job)]
        for where, uses in uses_sites:
            if not isinstance(uses, str) or uses.startswith("./"):
                continue
            if uses.startswith("docker://"):
                if "@sha256:" not in uses:
                    report.add("PLS201", *where, uses=uses)
            elif not _PINNED.match(uses):
                report.add("PLS201", *where, uses=uses)


def check_permissions(report: Report, ctx: LintContext) -> None:
    data = report.doc.data
    jobs = _jobs(report)
    every_job_scoped = bool(jobs) and all("permissions" in job for _, job in jobs)
    if "permissions" not in data and not every_job_scoped:
        report.add("PLS202", "on")
    scopes: list[tuple[tuple[str, ...], Any]] = [(("permissions",), data.get("permissions"))]
    scopes += [(("jobs", n, "permissions"), j.get("permissions")) for n, j in jobs]
    for where, permissions in scopes:
        if permissions == "write-all":
            report.add("PLS203", *where, detail="write-all")
        elif isinstance(permissions, dict) and permissions.get("contents") == "write":
            report.add("PLS203", *where, "contents", detail="contents: write")


def _self_hosted(runs_on: Any) -> bool:
    if isinstance(runs_on, str):
        return runs_on == "self-hosted"
    if isinstance(runs_on, list):
        return "self-hosted" in runs_on
    # A runner group ({group: ...}) holds only self-hosted runners.
    return isinstance(runs_on, dict) and "group" in runs_on


def _runs(job: dict[str, Any]) -> list[tuple[int, str, str]]:
    return [(i, str(s.get("run", "")), str(s.get("uses", ""))) for i, s in _steps(job)]


def check_runners(report: Report, ctx: LintContext) -> None:
    for name, job in _jobs(report):
        builds = any(
            _BUILDS.search(run) or uses.startswith(_BUILD_ACTIONS) for _, run, uses in _runs(job)
        )
        if builds and not _self_hosted(job.get("runs-on")):
            report.add("PLS204", "jobs", name, "runs-on", job=name)


def check_deploy_flow(report: Report, ctx: LintContext) -> None:
    for name, job in _jobs(report):
        linted = deploys = False
        for i, run, _uses in _runs(job):
            linted = linted or bool(_LINT.search(run))
            if _DEPLOY.search(run):
                deploys = True
                if not linted:
                    report.add("PLS206", "jobs", name, "steps", i, job=name)
        if deploys and "concurrency" not in job and "concurrency" not in report.doc.data:
            report.add("PLS205", "jobs", name)


WORKFLOW_CHECKS: list[Check] = [
    check_pinned_actions,
    check_permissions,
    check_runners,
    check_deploy_flow,
]
