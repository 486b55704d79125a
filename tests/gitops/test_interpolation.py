"""Interpolation read exactly as Docker reads it: every case is put to the real
`docker stack config` and to `polise lint`, and their verdicts (and values) must agree."""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from polise.gitops.config import PlatformConfig
from polise.gitops.interpolation import (
    InterpolationError,
    find_required_read_as_default,
    interpolate_config,
    substitute,
)
from polise.gitops.lint import LintOptions, lint_paths
from tests.conftest import service_unavailable

ENV = {"A": "x", "E": "", "N": "2", "DOLLAR": "a$b"}  # U is never set

# A value for services.web.image, as written in the stack file.
IMAGE_CASES = [
    "$$", "$$A", "$A", "${A}", "${U}", "$A$A", "{$A}", "${A}}", "${_}", "${a}",
    "${E:-d}", "${E-d}", "${U-d}", "${U:-d}", "${A:-}", "${U:-}", "${U-}", "${A_1:-z}",
    "${A:?msg}", "${U:?msg}", "${E:?msg}", "${E?msg}", "${U?msg}", "${U:?}",
    "${A:+alt}", "${A+alt}", "${U:+alt}",
    "r/app:${IMAGE_TAG:latest", "${A", "$", "a$", "${}", "${1A}", "$1", "${ A}", "${A :-x}",
    "${A:-${U}}", "${U:-${A}}", "${E:-${A}}", "${U:-a-b}", "${A-:?}",
    "${U:?set by the deploy-workflow}", "${U:?set by the deploy workflow}",
    "$A:-x y", "${U:?x} ${A}", "${A} ${U:?x}", "${U:?x} $$", "${U:?x} $", "$DOLLAR",
    "r/app:${IMAGE_TAG:?IMAGE_TAG is set by the deploy workflow}",
    "${POLISE_REGISTRY}/app:${IMAGE_TAG}", "line1 $A\nline2",
]  # fmt: skip

# Whole documents, for the values Docker casts after interpolating.
DOCUMENT_CASES: list[dict[str, Any]] = [
    {"services": {"web": {"image": "i", "deploy": {"replicas": "${N}"}}}},
    {"services": {"web": {"image": "i", "deploy": {"replicas": "${U:-two}"}}}},
    {"services": {"web": {"image": "i", "deploy": {"replicas": "${N}0"}}}},
    {"services": {"web": {"image": "i", "read_only": "${U:-yes}"}}},
    {"services": {"web": {"image": "i", "read_only": "${U:-maybe}"}}},
    {"services": {"web": {"image": "i", "environment": {"X": "${A:+y}"}}}},
    {"services": {"web": {"image": "i", "environment": {"X": "$${A}"}}}},
    {"services": {"web": {"image": "i", "labels": {"a$b": "${A}"}}}},
    {"services": {"web": {"image": "i", "ports": [{"target": "${N}", "published": "80${N}"}]}}},
    {"services": {"web": {"image": "i"}}, "networks": {"n": {"external": "${U-true}"}}},
]


def _document(case: str | dict[str, Any]) -> dict[str, Any]:
    body = {"services": {"web": {"image": case}}} if isinstance(case, str) else case
    return {"version": "3.9", **body}


CASES = [_document(c) for c in IMAGE_CASES + DOCUMENT_CASES]
IDS = [repr(c)[:40] for c in IMAGE_CASES] + [f"document-{i}" for i in range(len(DOCUMENT_CASES))]


def _docker_cli() -> str:
    docker = shutil.which("docker")
    probe = (
        subprocess.run([docker, "stack", "config", "--help"], capture_output=True, check=False)
        if docker
        else None
    )
    if probe is None or probe.returncode != 0:
        service_unavailable(
            "docker CLI", "`docker stack config` (Docker CLI 23 or newer) is needed"
        )
    assert docker
    return docker


@pytest.fixture(scope="module")
def docker_verdicts(tmp_path_factory) -> list[tuple[bool, Any]]:
    """(accepted, the interpolated document) from `docker stack config`, for every case."""
    docker = _docker_cli()
    folder = tmp_path_factory.mktemp("interpolation")
    env = {"PATH": os.environ["PATH"], "HOME": str(folder), **ENV}

    def run(index: int) -> tuple[bool, Any]:
        path = folder / f"case-{index}.yml"
        path.write_text(yaml.safe_dump(CASES[index], default_style='"'))
        proc = subprocess.run(
            [docker, "stack", "config", "-c", str(path)],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            assert "interpolat" in proc.stderr, proc.stderr  # refused for this reason only
            return False, proc.stderr
        return True, yaml.safe_load(proc.stdout)

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(run, range(len(CASES))))


def _lint_refuses(path: Path) -> set[str]:
    # Exactly Docker's environment: no stand-ins for what a runner would set.
    config = PlatformConfig(registry_variables=(), runner_variables=())
    options = LintOptions(config=config, actionlint="off", environ=ENV)
    return {f.rule.id for f in lint_paths([path], options)} & {"PLS003", "PLS004"}


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_lint_agrees_with_docker_stack_config(index, docker_verdicts, tmp_path):
    accepted, docker_result = docker_verdicts[index]
    path = tmp_path / "docker-stack.yml"
    path.write_text(yaml.safe_dump(CASES[index], default_style='"'))
    refused_by = _lint_refuses(path)
    assert accepted == (not refused_by), (CASES[index], docker_result, refused_by)
    if not accepted:
        with pytest.raises(InterpolationError):
            interpolate_config(CASES[index], ENV)
        return
    ours = interpolate_config(CASES[index], ENV)
    web, docker_web = ours["services"]["web"], docker_result["services"]["web"]
    assert web["image"] == docker_web.get("image", "")  # Docker leaves an empty value out
    for key in ("deploy", "read_only", "environment", "labels"):
        if key in web:
            assert web[key] == docker_web.get(key)
    if "ports" in web:
        assert [(p["target"], p["published"]) for p in web["ports"]] == [
            (p["target"], p["published"]) for p in docker_web["ports"]
        ]
    if "networks" in ours:
        assert ours["networks"]["n"]["external"] == docker_result["networks"]["n"]["external"]


def test_the_issue_s_broken_tag_is_an_error_naming_the_place(tmp_path):
    stack = tmp_path / "docker-stack.yml"
    stack.write_text('services:\n  web:\n    image: "${POLISE_REGISTRY}/app:${IMAGE_TAG:latest"\n')
    findings = [f for f in lint_paths([stack], LintOptions(actionlint="off", environ={}))]
    broken = [f for f in findings if f.rule.id == "PLS003"]
    assert len(broken) == 1 and broken[0].line == 3
    assert "services.web.image" in broken[0].message_en
    assert "invalid interpolation format" in broken[0].message_en


def test_a_required_variable_unset_here_is_a_warning_and_the_schema_still_runs(tmp_path):
    stack = tmp_path / "docker-stack.yml"
    stack.write_text(
        "services:\n  web:\n    image: r/app:${APP_TAG:?set by the workflow}\n"
        "    deploy: {replicas: many}\n"
    )
    found = {f.rule.id: f for f in lint_paths([stack], LintOptions(actionlint="off", environ={}))}
    assert found["PLS004"].severity == "warning" and "APP_TAG" in found["PLS004"].message_en
    assert "PLS002" in found  # replicas: many


def test_a_dash_in_a_required_message_is_pointed_out():
    assert find_required_read_as_default("${U:?set by the deploy-workflow}") == [
        "${U:?set by the deploy-workflow}"
    ]
    assert find_required_read_as_default("${U:-a-b} ${U:?no dash}") == []
    # What Docker does with it: a default, so nothing is required.
    assert substitute("${U:?set by the deploy-workflow}", {}) == "workflow"
