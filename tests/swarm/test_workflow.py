"""The rendered deploy workflow, run as written: each `run:` step of
`.github/workflows/deploy.yml`, in order, in the shell GitHub uses, with the environment GitHub
and the office runner give (its `.env`: POLISE_REGISTRY, POLISE_URL), against the CI swarm,
registry and a running Polise.

python and static go all the way: lint, build, push, deploy, record. node, php and go have no
base images on this machine (nothing can be pulled), so they run every step but build and
push: lint passes, and the deploy step gets through its arguments and the stack to the
registry, which does not have the image.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from polise.catalog.models import Technology
from polise.deployments.models import DeployRecord
from polise.deployments.services import deploy_token_create
from tests.factories import make_app
from tests.swarm.conftest import remove_stacks

CHECKOUT = "actions/checkout@"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
# GitHub runs `run:` with bash this way when the workflow names no shell.
SHELL = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
BUILT_HERE = {"python", "static"}


def _expand(text: str, context: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        assert expression in context, f"the workflow uses ${{{{ {expression} }}}}"
        return context[expression]

    return EXPRESSION.sub(value, text)


def _read_github_env(path: Path) -> dict[str, str]:
    """NAME=value lines and NAME<<DELIMITER blocks, as a step appends them to $GITHUB_ENV."""
    found: dict[str, str] = {}
    lines = iter(path.read_text().splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            found[name] = "\n".join(iter(lines.__next__, delimiter))
        elif "=" in line:
            name, value = line.split("=", 1)
            found[name] = value
    path.write_text("")
    return found


def docker_shim(folder: Path) -> Path:
    """`docker` as the runner has it, except that builds use the host's network: this CI's
    dockerd has no bridge network (no iptables), which an office node has."""
    real = shutil.which("docker")
    shim = folder / "docker"
    shim.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = build ]; then shift; exec {real} build --network host "$@"; fi\n'
        f'exec {real} "$@"\n'
    )
    shim.chmod(0o755)
    return folder


def run_workflow(repo: Path, env: dict[str, str], secrets_: dict[str, str], *,
                 skip_build: bool) -> list[tuple[str, subprocess.CompletedProcess[str]]]:  # fmt: skip
    workflow = yaml.safe_load((repo / ".github/workflows/deploy.yml").read_text())
    (job,) = workflow["jobs"].values()
    assert "self-hosted" in job["runs-on"]
    context = {"github.sha": env["GITHUB_SHA"], **{f"secrets.{k}": v for k, v in secrets_.items()}}
    job_env = {k: _expand(str(v), context) for k, v in (job.get("env") or {}).items()}
    from_steps: dict[str, str] = {}
    results = []
    for step in job["steps"]:
        if "uses" in step:
            # The office runner has no marketplace actions but checkout (the repo is here).
            assert step["uses"].startswith(CHECKOUT), f"step uses {step['uses']}"
            continue
        script = _expand(step["run"], context)
        if skip_build and re.match(r"docker (build|push) ", script):
            continue
        step_env = {k: _expand(str(v), context) for k, v in (step.get("env") or {}).items()}
        proc = subprocess.run(
            [*SHELL, "-c", script], cwd=repo, capture_output=True, text=True, check=False,
            env={**env, **from_steps, **job_env, **step_env}, timeout=900,
        )  # fmt: skip
        print(f"$ {script}\n{proc.stdout}{proc.stderr}")
        results.append((script, proc))
        from_steps.update(_read_github_env(Path(env["GITHUB_ENV"])))
        if proc.returncode != 0:
            break
    return results


@pytest.mark.service("docker")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("tech", ["python", "static", "node", "php", "go"])
def test_the_rendered_workflow_runs_as_written(tech, swarm, live_server, actionlint, tmp_path):
    name = swarm.name(f"wf-{tech}")
    repo = tmp_path / "repo"
    subprocess.run([sys.executable, "-m", "polise.cli", "new", "--tech", tech, "--name", name,
                    str(repo)], check=True, capture_output=True)  # fmt: skip
    git = ["git", "-C", str(repo), "-c", "user.name=Dev", "-c", "user.email=dev@example.org"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "Rendered by polise new"], check=True)
    sha = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True,
                         text=True).stdout.strip()  # fmt: skip

    app = make_app(slug=name, technology=Technology(tech))
    _, token = deploy_token_create(app=app, label="GitHub Actions")
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    (tmp_path / "github_env").write_text("")
    bin_dirs = [str(Path(sys.executable).parent), str(docker_shim(tmp_path))]
    env = {
        # GitHub's
        "GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_SHA": sha,
        "GITHUB_REF": "refs/heads/main", "GITHUB_REPOSITORY": f"diskominfo/{name}",
        "GITHUB_WORKSPACE": str(repo), "GITHUB_ENV": str(tmp_path / "github_env"),
        "RUNNER_TEMP": str(runner_temp), "RUNNER_OS": "Linux", "HOME": str(tmp_path),
        "PATH": os.pathsep.join([*bin_dirs, "/usr/local/bin", "/usr/bin", "/bin"]),
        # the office runner's .env (infra/runner); the legacy builder and actionlint's cache
        # are this machine's
        "POLISE_REGISTRY": swarm.registry, "POLISE_URL": live_server.url,
        "POLISE_TOOLS_DIR": os.environ["POLISE_TOOLS_DIR"], "DOCKER_BUILDKIT": "0",
    }  # fmt: skip
    repo_secrets = {
        "APP_SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_PASSWORD": secrets.token_urlsafe(16),
        "POLISE_DEPLOY_TOKEN": token,
    }
    try:
        results = run_workflow(repo, env, repo_secrets, skip_build=tech not in BUILT_HERE)
    finally:
        remove_stacks(name)

    scripts = [script for script, _ in results]
    assert scripts[0] == "polise lint ."
    assert scripts[-1] == f"polise deploy --app {name} -c docker-stack.yml"
    *before, (_, deploy) = results
    for script, proc in before:
        assert proc.returncode == 0, f"{script}: {proc.stdout}{proc.stderr}"
    record = DeployRecord.objects.get(app=app)
    assert record.commit == sha and record.token is not None
    if tech in BUILT_HERE:
        assert any(s.startswith("docker build") for s in scripts)
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        assert record.result == "succeeded"
        assert record.image == f"{swarm.registry}/{name}:{sha}"
        assert record.resolved_stack["environment"]["IMAGE_TAG"] == sha
    else:
        # Not built here: the deploy got as far as asking the registry for the image.
        assert deploy.returncode == 1, deploy.stdout + deploy.stderr
        assert f"FAILED (image_not_found): image {swarm.registry}/{name}:{sha}" in deploy.stdout
        assert (record.result, record.reason) == ("failed", "image_not_found")
    assert "deprecated" not in deploy.stderr


def test_a_step_that_uses_an_action_other_than_checkout_fails_the_run(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".github/workflows").mkdir(parents=True)
    (repo / ".github/workflows/deploy.yml").write_text(yaml.safe_dump({
        "on": "push",
        "jobs": {"deploy": {"runs-on": ["self-hosted"], "steps": [
            {"uses": "actions/checkout@v4"},
            {"uses": "docker/build-push-action@v6"},
        ]}},
    }))  # fmt: skip
    env = {"GITHUB_SHA": "0" * 40, "GITHUB_ENV": str(tmp_path / "env")}
    with pytest.raises(AssertionError, match="docker/build-push-action"):
        run_workflow(repo, env, {}, skip_build=False)


def test_github_env_lines_and_blocks_are_read(tmp_path):
    path = tmp_path / "env"
    path.write_text("A=1\nB<<EOF\nline one\nline=two\nEOF\nC=x=y\n")
    assert _read_github_env(path) == {"A": "1", "B": "line one\nline=two", "C": "x=y"}
    assert path.read_text() == ""
