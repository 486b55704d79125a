"""`polise deploy` beside `docker stack deploy --detach=false`: same stack, same update, same run.

Renders the static template (the smallest image), builds two good versions and one whose
health check fails, pushes them to the CI registry, then alternates good updates
(v1 -> v2 -> v1 ...) with each tool. For each run it takes the command's wall time and the
moment Swarm itself reports the update completed (`UpdateStatus.CompletedAt`), both from the
command's start: a command that returns before Swarm has finished has not seen the update
through. Last, each tool deploys the failing version once: the exit code shows who reports
the rollback.

    source .ci/swarm.sh && uv run python bench/deploy/bench.py [ROUNDS]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = os.environ.get("POLISE_TEST_REGISTRY", "127.0.0.1:5000")
FAST = ROOT / "tests" / "swarm" / "fast.override.yml"
NAME = "bench-static"
DOCKER = "docker stack deploy --detach=false"
POLISE = "polise deploy"


def sh(*argv, cwd=None, env=None, check=True):
    proc = subprocess.run(argv, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, check=False)  # fmt: skip
    if check and proc.returncode:
        sys.exit(f"{' '.join(map(str, argv))}: {proc.stdout}{proc.stderr}")
    return proc


def update_status() -> dict:
    out = sh("docker", "service", "inspect", f"{NAME}_web", "--format", "{{json .UpdateStatus}}")
    return json.loads(out.stdout) or {}


def _when(stamp: str) -> datetime:
    # Go's RFC 3339 with nanoseconds; Python's parser takes microseconds.
    head, _, rest = stamp.partition(".")
    digits = "".join(c for c in rest if c.isdigit())[:6].ljust(6, "0")
    return datetime.fromisoformat(f"{head}.{digits}+00:00")


def timed(argv, cwd, env) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(command seconds, seconds until Swarm said completed, process), both from the start."""
    started, wall = time.monotonic(), datetime.now(UTC)
    proc = sh(*argv, cwd=cwd, env=env, check=False)
    command = time.monotonic() - started
    status = update_status()
    while status.get("State") != "completed" or _when(status["CompletedAt"]) < wall:
        if status.get("State", "").startswith("rollback") or time.monotonic() - started > 300:
            sys.exit(f"the update did not complete: {status}")
        time.sleep(0.2)
        status = update_status()
    return command, (_when(status["CompletedAt"]) - wall).total_seconds(), proc


def main(rounds: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    repo = work / NAME
    sh(sys.executable, "-m", "polise.cli", "new", "--tech", "static", "--name", NAME, str(repo))
    index = repo / "site" / "index.html"
    original = index.read_text()
    for tag, text in (("v1", "one"), ("v2", "two")):
        index.write_text(original.replace("</body>", f"<p>{text}</p></body>"))
        sh("docker", "build", "--network", "host", "-q", "-t", f"{REGISTRY}/{NAME}:{tag}", str(repo),
           env={"DOCKER_BUILDKIT": "0"})  # fmt: skip
        sh("docker", "push", "-q", f"{REGISTRY}/{NAME}:{tag}")
    index.write_text(original)
    dockerfile = (repo / "Dockerfile").read_text()
    assert "printf 'ok\\n' > /out/healthz && " in dockerfile, "the static template changed"
    (repo / "Dockerfile").write_text(dockerfile.replace("printf 'ok\\n' > /out/healthz && ", ""))
    sh("docker", "build", "--network", "host", "-q", "-t", f"{REGISTRY}/{NAME}:bad", str(repo),
       env={"DOCKER_BUILDKIT": "0"})  # fmt: skip
    sh("docker", "push", "-q", f"{REGISTRY}/{NAME}:bad")
    (repo / "Dockerfile").write_text(dockerfile)

    env = {"POLISE_REGISTRY": REGISTRY}
    raw = ["docker", "stack", "deploy", "--detach=false", "--with-registry-auth", "--prune",
           "-c", "docker-stack.yml", "-c", str(FAST), NAME]  # fmt: skip
    ours = [sys.executable, "-m", "polise.cli", "deploy", "--no-report", "-c", "docker-stack.yml",
            "-c", str(FAST)]  # fmt: skip
    sh(*ours, cwd=repo, env={**env, "IMAGE_TAG": "v1"})  # create the service first
    runs: dict[str, list[tuple[float, float]]] = {DOCKER: [], POLISE: []}
    tag = "v1"
    for _ in range(rounds):
        for label, argv in ((DOCKER, raw), (POLISE, ours)):
            tag = "v2" if tag == "v1" else "v1"
            command, swarm, proc = timed(argv, cwd=repo, env={**env, "IMAGE_TAG": tag})
            assert proc.returncode == 0, proc.stdout + proc.stderr
            runs[label].append((command, swarm))
    failing = {}
    for label, argv in ((DOCKER, raw), (POLISE, ours)):
        started = time.monotonic()
        proc = sh(*argv, cwd=repo, env={**env, "IMAGE_TAG": "bad"}, check=False)
        seconds = time.monotonic() - started
        while (state := update_status().get("State")) not in ("rollback_completed", "paused"):
            time.sleep(0.2)
        failing[label] = (seconds, proc.returncode, state)
        # Back to a good version before the next tool's try.
        sh(*ours, cwd=repo, env={**env, "IMAGE_TAG": "v1"}, check=False)
    sh("docker", "stack", "rm", NAME, check=False)

    print(f"good update (v1 <-> v2), {rounds} rounds each, alternating; seconds from the "
          "command's start, median (min-max):\n")  # fmt: skip
    print("| command | command returned | Swarm: update completed | returned after completed |")
    print("|---|---:|---:|---:|")
    for label, values in runs.items():
        command = [c for c, _ in values]
        swarm = [s for _, s in values]
        after = [c - s for c, s in values]
        print(f"| {label} | {_spread(command)} | {_spread(swarm)} | {_spread(after, sign=True)} |")
    print("\nupdate whose health check fails (Swarm rolls it back):\n")
    print("| command | wall s | exit code | UpdateStatus after |\n|---|---:|---:|---|")
    for label, (seconds, code, state) in failing.items():
        print(f"| {label} | {seconds:.1f} | {code} | {state} |")


def _spread(values: list[float], *, sign: bool = False) -> str:
    form = "{:+.2f}" if sign else "{:.2f}"
    median, low, high = statistics.median(values), min(values), max(values)
    return f"{form.format(median)} ({form.format(low)} to {form.format(high)})"


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
