"""`polise deploy` beside `docker stack deploy --detach=false`: same stack, same update, same run.

Renders the static template (the smallest image), builds two good versions and one whose
health check fails, pushes them to the CI registry, then alternates good updates
(v1 -> v2 -> v1 ...) with each tool, timing the wall clock of the whole command. Last, each
tool deploys the failing version once: the exit code shows who reports the rollback.

    source .ci/swarm.sh && uv run python bench/deploy/bench.py [ROUNDS]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = os.environ.get("POLISE_TEST_REGISTRY", "127.0.0.1:5000")
FAST = ROOT / "tests" / "swarm" / "fast.override.yml"
NAME = "bench-static"


def sh(*argv, cwd=None, env=None, check=True):
    proc = subprocess.run(argv, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, check=False)  # fmt: skip
    if check and proc.returncode:
        sys.exit(f"{' '.join(map(str, argv))}: {proc.stdout}{proc.stderr}")
    return proc


def timed(*argv, cwd, env):
    started = time.monotonic()
    proc = sh(*argv, cwd=cwd, env=env, check=False)
    return time.monotonic() - started, proc


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
    times: dict[str, list[float]] = {"docker stack deploy --detach=false": [], "polise deploy": []}
    tag = "v1"
    for _ in range(rounds):
        for label, argv in (("docker stack deploy --detach=false", raw), ("polise deploy", ours)):
            tag = "v2" if tag == "v1" else "v1"
            seconds, proc = timed(*argv, cwd=repo, env={**env, "IMAGE_TAG": tag})
            assert proc.returncode == 0, proc.stdout + proc.stderr
            times[label].append(seconds)
    failing = {}
    for label, argv in (("docker stack deploy --detach=false", raw), ("polise deploy", ours)):
        seconds, proc = timed(*argv, cwd=repo, env={**env, "IMAGE_TAG": "bad"})
        state = sh("docker", "service", "inspect", f"{NAME}_web", "--format",
                   "{{.UpdateStatus.State}}").stdout.strip()  # fmt: skip
        failing[label] = (seconds, proc.returncode, state)
    sh("docker", "stack", "rm", NAME, check=False)

    base = statistics.median(times["docker stack deploy --detach=false"])
    print(f"good update (v1 <-> v2), {rounds} rounds each, alternating, wall seconds:\n")
    print("| command | median | min | max | vs. docker |\n|---|---:|---:|---:|---:|")
    for label, values in times.items():
        med = statistics.median(values)
        print(
            f"| {label} | {med:.1f} | {min(values):.1f} | {max(values):.1f} | {med / base:.2f}x |"
        )
    print("\nupdate whose health check fails (Swarm rolls it back):\n")
    print("| command | wall s | exit code | UpdateStatus after |\n|---|---:|---:|---|")
    for label, (seconds, code, state) in failing.items():
        print(f"| {label} | {seconds:.1f} | {code} | {state} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
