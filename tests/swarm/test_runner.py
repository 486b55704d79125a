"""infra/runner/install.sh on this swarm manager: everything but downloading GitHub's runner
binary (which cannot be fetched here), then a job's commands as the runner user."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.swarm.conftest import ROOT, sh

pytestmark = pytest.mark.service("docker")
SCRIPT = ROOT / "infra" / "runner" / "install.sh"


@pytest.fixture
def runner_root(swarm):
    """Throwaway places for the runner's user, home, tools and unit, removed afterwards."""
    if os.geteuid() != 0 or not shutil.which("useradd"):
        pytest.skip("installing a runner needs root and useradd")
    # Under /var/tmp, not pytest's private (0700) temporary folder: the user must reach it.
    base = Path(tempfile.mkdtemp(prefix="polise-runner-", dir="/var/tmp"))
    base.chmod(0o755)
    user = f"pr-{swarm.prefix}"
    yield user, base
    subprocess.run(["userdel", user], capture_output=True, check=False)
    subprocess.run(["groupdel", user], capture_output=True, check=False)
    shutil.rmtree(base, ignore_errors=True)


def as_runner(user: str, home: Path, command: str) -> subprocess.CompletedProcess[str]:
    """A job's shell as the runner gives it: its user, the .path PATH, the .env variables."""
    runner = home / "actions-runner"
    path = (runner / ".path").read_text().strip()
    return subprocess.run(
        ["runuser", "-u", user, "--", "env", "-i", f"PATH={path}", f"HOME={home}",
         "bash", "-c", f"set -a; . {runner}/.env; set +a; {command}"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


def test_the_runner_installs_with_polise_its_env_and_nothing_but_docker(
    runner_root, swarm, tmp_path
):
    user, base = runner_root
    home, tools, units = base / "home", base / "tools", base / "units"
    uv = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(uv).parent), os.environ["PATH"]]),
        "POLISE_REGISTRY": swarm.registry, "POLISE_URL": "https://polise.apps.lan",
        "RUNNER_USER": user, "RUNNER_HOME": str(home), "RUNNER_TOOLS": str(tools),
        "SYSTEMD_UNIT_DIR": str(units), "POLISE_RUNNER_DOWNLOAD": "0",
    }  # fmt: skip
    for attempt in ("install", "again: nothing breaks"):
        proc = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True,
                              check=False, timeout=900)  # fmt: skip
        assert proc.returncode == 0, f"{attempt}\n{proc.stdout}\n{proc.stderr}"

    # Least privilege: its own group and docker, no shell, a private home; tools it cannot
    # change.
    assert sorted(sh("id", "-nG", user).stdout.split()) == sorted([user, "docker"])
    assert sh("getent", "passwd", user).stdout.strip().endswith(":/usr/sbin/nologin")
    assert stat.S_IMODE(home.stat().st_mode) == 0o750 and home.owner() == user
    assert (tools / "bin" / "polise").owner() == "root"
    assert as_runner(user, home, f"touch {tools}/bin/polise").returncode != 0
    unit = (units / "polise-runner.service").read_text()
    for line in (f"User={user}", "SupplementaryGroups=docker", "NoNewPrivileges=yes",
                 "CapabilityBoundingSet=", "ProtectSystem=strict", f"ReadWritePaths={home}",
                 f"ExecStart={home}/actions-runner/run.sh"):  # fmt: skip
        assert line in unit.splitlines(), line

    # What the deploy workflow needs from the runner: the LAN facts and polise on PATH.
    dotenv = (home / "actions-runner" / ".env").read_text()
    assert f"POLISE_REGISTRY={swarm.registry}\n" in dotenv
    assert "POLISE_URL=https://polise.apps.lan\n" in dotenv
    assert as_runner(user, home, "command -v polise").stdout.strip() == f"{tools}/bin/polise"
    assert as_runner(user, home, "docker info --format '{{.Swarm.ControlAvailable}}'"
                     ).stdout.strip() == "true"  # fmt: skip

    # A rendered repo lints clean as a job, actionlint included (already installed: the
    # job's user could not install it into the root-owned tools).
    repo = base / "repo"
    subprocess.run([str(tools / "bin" / "polise"), "new", "--tech", "static", "--name",
                    "runner-check", str(repo)], check=True, capture_output=True)  # fmt: skip
    shutil.chown(repo, user)
    lint = as_runner(user, home, f"cd {repo} && polise lint .")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "actionlint skipped" not in lint.stderr and "installing" not in lint.stderr
    assert lint.stdout.startswith("0 galat/errors")
