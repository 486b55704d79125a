"""A real single-node swarm and registry (.ci/swarm.sh sets them up), shared by the tests.

Images are built with the legacy builder (DOCKER_BUILDKIT=0, nothing is pulled) and
`--network host`, so a Dockerfile's own `pip install` reaches the package index.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import service_unavailable
from tests.gitops.conftest import _tools_dir_in_var, actionlint  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
REGISTRY = os.environ.get("POLISE_TEST_REGISTRY", "127.0.0.1:5000")

pytestmark = pytest.mark.service("docker")


def sh(*argv: str, cwd: Path | None = None, env: dict[str, str] | None = None,
       check: bool = True) -> subprocess.CompletedProcess[str]:  # fmt: skip
    proc = subprocess.run(
        argv, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def build_and_push(context: Path, tag: str, *extra: str) -> None:
    sh("docker", "build", "--network", "host", "-q", "-t", tag, *extra, str(context),
       env={"DOCKER_BUILDKIT": "0"})  # fmt: skip
    sh("docker", "push", "-q", tag)


def derive_and_push(base: str, tag: str, files: dict[str, str], workdir: Path, *extra: str) -> None:
    """`tag`: the image `base` with `files` (path in the image -> text) replaced. One layer on
    top of an image already built, instead of a whole build (each layer costs a full copy of
    the file system with the vfs storage driver)."""
    context = workdir / f"derive-{tag.rsplit(':', 1)[-1]}"
    context.mkdir()
    lines = [f"FROM {base}"]
    for i, (target, text) in enumerate(files.items()):
        (context / f"f{i}").write_text(text)
        lines.append(f"COPY f{i} {target}")
    (context / "Dockerfile").write_text("\n".join(lines) + "\n")
    build_and_push(context, tag, *extra)


def polise(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The real `polise` command in a subprocess, as a CI runner calls it."""
    proc = sh(sys.executable, "-m", "polise.cli", *args, cwd=cwd, env=env, check=False)
    print(proc.stdout, proc.stderr, sep="\n")
    return proc


def http_get(url: str, *, host: str | None = None, attempts: int = 30) -> tuple[int, str]:
    """GET through the host-mode published port, waiting a little for the port to open."""
    last: Exception | None = None
    for _ in range(attempts):
        request = urllib.request.Request(url, headers={"Host": host} if host else {})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last = exc
            time.sleep(1)
    raise AssertionError(f"{url} did not answer: {last}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Swarm:
    registry: str
    # Every stack and app of this test session is named with it, so runs from other
    # worktrees on the same swarm never touch each other's stacks.
    prefix: str

    def name(self, base: str) -> str:
        return f"{self.prefix}-{base}"

    def edge(self, name: str, target: str) -> str:
        """Publish `target` (tasks.SERVICE:PORT) on a free host port, as Traefik would."""
        port = free_port()
        stack = {
            "version": "3.9",
            "services": {"edge": {
                "image": f"{self.registry}/ci/edge:1",
                "environment": {"TARGET": target, "LISTEN_PORT": "8080"},
                "ports": [{"target": 8080, "published": port, "mode": "host"}],
                "networks": ["proxy", *(["databases"] if "polise" in target else [])],
            }},
            "networks": {
                "proxy": {"external": True, "name": "polise-proxy"},
                **({"databases": {"external": True, "name": "polise-db"}} if "polise" in target else {}),
            },
        }  # fmt: skip
        proc = subprocess.run(
            ["docker", "stack", "deploy", "--resolve-image", "never", "-c", "-", f"edge-{name}"],
            input=yaml.safe_dump(stack), capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def swarm() -> Iterator[Swarm]:
    if os.environ.get("POLISE_TEST_EXPECT_DB") == "sqlite":
        # CI runs the suite twice (PostgreSQL, then SQLite); the swarm does not care which
        # database the test process has, and its builds are the slowest part of CI.
        pytest.skip("the swarm tests run once per CI run, in the PostgreSQL pass")
    try:
        state = sh("docker", "info", "--format", "{{.Swarm.LocalNodeState}}").stdout.strip()
    except (AssertionError, FileNotFoundError) as exc:
        service_unavailable("docker swarm", f"docker does not answer ({exc}); source .ci/swarm.sh")
    if state != "active":
        service_unavailable("docker swarm", "this node is not in a swarm; source .ci/swarm.sh")
    try:
        urllib.request.urlopen(f"http://{REGISTRY}/v2/", timeout=3).close()
    except OSError as exc:
        service_unavailable("registry", f"{REGISTRY} does not answer ({exc}); source .ci/swarm.sh")
    for base in ("python:3.11-slim", "busybox:1.36", "debian:bookworm-slim"):
        if sh("docker", "image", "inspect", base, check=False).returncode != 0:
            service_unavailable("base images", f"{base} is missing; source .ci/swarm.sh")
    sh("docker", "network", "create", "--driver", "overlay", "--attachable", "polise-db",
       check=False)  # fmt: skip
    # Polise's read-only view of the swarm (infra/stacks/docker-stack.docker-api.yml).
    sh("docker", "network", "create", "--driver", "overlay", "--attachable", "--internal",
       "polise-docker", check=False)  # fmt: skip
    build_and_push(HERE / "images" / "edge", f"{REGISTRY}/ci/edge:1")
    session = Swarm(registry=REGISTRY, prefix=f"t{secrets.token_hex(3)}")
    yield session
    # This session's tags and repos go (vfs keeps a full copy of every layer); an image that
    # also has a stable tag (`-t NAME:ci`, see the tests) stays, so the next build is cached.
    names = sh("docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
    mine = [n for n in names if f"/{session.prefix}-" in n or f":{session.prefix}-" in n]
    if mine:
        sh("docker", "image", "rm", *mine, check=False)


def remove_stacks(*names: str) -> None:
    for name in names:
        sh("docker", "stack", "rm", name, check=False)
    # Networks and secrets go once the tasks are gone; wait so the next deploy starts clean.
    for name in names:
        for _ in range(60):
            left = sh("docker", "service", "ls", "-q", "--filter",
                      f"label=com.docker.stack.namespace={name}", check=False).stdout.split()  # fmt: skip
            if not left:
                break
            time.sleep(0.5)
    # Volumes outlive `docker stack rm`; a database volume from an earlier run would keep
    # that run's password. Containers go a little after their services, so retry.
    for _ in range(30):
        volumes = sh("docker", "volume", "ls", "-q", *[
            arg for n in names for arg in ("--filter", f"label=com.docker.stack.namespace={n}")
        ], check=False).stdout.split()  # fmt: skip
        volumes = [v for v in volumes if any(v.startswith(f"{n}_") for n in names)]
        if not volumes or sh("docker", "volume", "rm", *volumes, check=False).returncode == 0:
            break
        time.sleep(1)
