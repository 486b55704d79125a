"""`polise deploy` and `polise rollback` as commands: the forms the workflow, the README and
docs/gitops.md write, and what a runner sees when Docker is not there."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from polise.gitops.cli import build_parser
from polise.gitops.render import render_new

ROOT = Path(__file__).resolve().parents[2]
STACK = 'version: "3.9"\nservices:\n  web:\n    image: r.lan/app:${IMAGE_TAG}\n'


def polise(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "polise.cli", *args], cwd=cwd, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), **env}, check=False, timeout=60,
    )  # fmt: skip


def test_an_unreachable_docker_daemon_is_one_line_naming_host_and_cause(tmp_path):
    (tmp_path / "docker-stack.yml").write_text(STACK)
    proc = polise("deploy", "--app", "app", "-c", "docker-stack.yml", "--no-report",
                  cwd=tmp_path, env={"DOCKER_HOST": "tcp://127.0.0.1:1", "IMAGE_TAG": "v1"})  # fmt: skip
    assert proc.returncode == 1
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    assert "docker_unreachable" in lines[0]
    assert "cannot reach the Docker daemon at tcp://127.0.0.1:1: Connection refused" in lines[0]


def test_the_old_workflow_line_still_deploys_with_a_deprecation_warning(tmp_path):
    (tmp_path / "docker-stack.yml").write_text(STACK)
    # The deploy line of templates before 1.2.0, as repos not yet updated still run it.
    proc = polise("deploy", "--app", "app", "docker-stack.yml", "--no-report",
                  cwd=tmp_path, env={"DOCKER_HOST": "tcp://127.0.0.1:1", "IMAGE_TAG": "v1"})  # fmt: skip
    assert proc.returncode == 1, proc.stderr  # got as far as Docker: not a usage error (2)
    assert "deprecated" in proc.stderr and "polise deploy -c docker-stack.yml" in proc.stderr
    assert "polise template update" in proc.stderr


def test_the_rendered_workflow_s_deploy_line_parses_without_the_old_form(tmp_path):
    repo = tmp_path / "simpeg"
    render_new(repo, tech="python", name="simpeg", init_git=False, versioned=False)
    workflow = (repo / ".github/workflows/deploy.yml").read_text()
    (line,) = re.findall(r"run: (polise deploy .*)", workflow)
    args = build_parser().parse_args(shlex.split(line)[1:])
    assert (args.app, args.compose_file, args.files) == ("simpeg", ["docker-stack.yml"], [])


def _documented_commands() -> list[str]:
    commands = []
    for doc in (ROOT / "README.md", ROOT / "docs" / "gitops.md"):
        text = doc.read_text().replace("\\\n", " ")
        for match in re.finditer(r"(?m)^[ \t]*(?:[A-Z_]+=\S+ +)*(polise (?:deploy|rollback)\b.*)$",
                                 text):  # fmt: skip
            command = match.group(1).split("#")[0].strip().strip("`")
            if "[" not in command:  # a synopsis, not a command line
                commands.append(command)
    return commands


@pytest.mark.parametrize("command", _documented_commands())
def test_documented_deploy_and_rollback_commands_parse_as_written(command):
    args = build_parser().parse_args(shlex.split(command)[1:])
    assert getattr(args, "files", []) == [], "documented with the deprecated positional form"


def test_the_docs_document_deploy_and_rollback():
    commands = _documented_commands()
    assert any(c.startswith("polise deploy") for c in commands)
    assert {"--before", "--to"} <= {w for c in commands for w in c.split()}
