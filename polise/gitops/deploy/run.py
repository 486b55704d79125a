"""One deploy from start to verdict: pin, `docker stack deploy`, watch, report."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from polise.gitops.deploy.report import PoliseAPI, ReportError
from polise.gitops.deploy.stack import Stack, StackError, load_stack, pin_images, split_digest
from polise.gitops.deploy.watch import SETTLE_SECONDS, Baseline, Verdict, judge, timeout_for

STACK_LABEL = "com.docker.stack.namespace"


@dataclass
class DeployOptions:
    stack: str
    files: list[Path]
    app: str
    commit: str = ""
    deploy_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    kind: str = "deploy"  # or "rollback"
    timeout: float | None = None  # None: from the stack's own update settings
    poll_seconds: float = 0.5
    docker_cli: str = "docker"
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    # Service -> image reference already pinned (a rollback's recorded images).
    images: dict[str, str] = field(default_factory=dict)
    api: PoliseAPI | None = None
    out: TextIO = field(default_factory=lambda: sys.stdout)


@dataclass
class DeployOutcome:
    deploy_id: str
    app: str
    stack: str
    commit: str
    kind: str
    started_at: datetime
    finished_at: datetime | None = None
    result: str = "running"  # succeeded, failed, rolled_back, timed_out
    reason: str = ""
    message: str = ""
    image: str = ""
    digest: str = ""
    images: dict[str, str] = field(default_factory=dict)
    services: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.result == "succeeded"

    def payload(self) -> dict[str, Any]:
        return {
            "deploy_id": self.deploy_id,
            "app": self.app,
            "stack": self.stack,
            "kind": self.kind,
            "commit": self.commit,
            "image": self.image,
            "digest": self.digest,
            "images": self.images,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "result": self.result,
            "reason": self.reason,
            "message": self.message[:2000],
            "services": self.services,
        }


def _now() -> datetime:
    return datetime.now(UTC)


def _main_image(stack: Stack, app: str) -> tuple[str, str]:
    """The app's own image: the service whose repository is named after the app, else the
    first service; its reference without digest, and the digest."""
    refs = stack.pinned or stack.images
    for ref in refs.values():
        name = split_digest(ref)[0].rsplit("/", 1)[-1].split(":", 1)[0]
        if name == app:
            return split_digest(ref)
    return split_digest(next(iter(refs.values())))


class Swarm:
    """The Engine API calls a deploy needs, through the docker SDK."""

    def __init__(self, client: Any | None = None) -> None:
        if client is None:
            import docker

            client = docker.from_env(version="auto")
        self.client = client
        self._containers: dict[str, dict[str, Any] | None] = {}

    def inspect_container(self, container_id: str) -> dict[str, Any] | None:
        """Best effort: only containers on the node this daemon runs are visible."""
        import docker.errors

        if container_id not in self._containers:
            try:
                self._containers[container_id] = self.client.api.inspect_container(container_id)
            except docker.errors.APIError:
                self._containers[container_id] = None
        return self._containers[container_id]

    def resolve(self, ref: str) -> str:
        import docker.errors

        try:
            return str(self.client.images.get_registry_data(ref).id)
        except docker.errors.APIError as exc:
            raise StackError(
                "image_not_found",
                f"image {ref} cannot be resolved in its registry: {exc.explanation or exc}",
            ) from exc

    def services(self, stack: str) -> list[dict[str, Any]]:
        return list(
            self.client.api.services(filters={"label": f"{STACK_LABEL}={stack}"}, status=True)
        )

    def tasks(self, service_ids: list[str]) -> list[dict[str, Any]]:
        if not service_ids:
            return []
        return list(self.client.api.tasks(filters={"service": service_ids}))

    def baseline(self, stack: str) -> dict[str, Baseline]:
        services = self.services(stack)
        tasks = self.tasks([s["ID"] for s in services])
        result = {}
        for svc in services:
            result[svc["Spec"]["Name"]] = Baseline(
                service_id=svc["ID"],
                version=int(svc["Version"]["Index"]),
                update_started=(svc.get("UpdateStatus") or {}).get("StartedAt"),
                task_ids=frozenset(t["ID"] for t in tasks if t.get("ServiceID") == svc["ID"]),
            )
        return result


def _say(opts: DeployOptions, started: float, text: str) -> None:
    opts.out.write(f"[{time.monotonic() - started:6.1f}s] {text}\n")
    opts.out.flush()


def run_deploy(opts: DeployOptions, swarm: Swarm | None = None) -> DeployOutcome:
    outcome = DeployOutcome(
        deploy_id=opts.deploy_id, app=opts.app, stack=opts.stack, commit=opts.commit,
        kind=opts.kind, started_at=_now(),
    )  # fmt: skip
    clock = time.monotonic()
    try:
        swarm = swarm or Swarm()
        stack = load_stack(opts.files, opts.environ)
        for name, ref in opts.images.items():
            if name in stack.images:
                stack.pinned[name] = ref
        outcome.image = _main_image(stack, opts.app)[0]
        pin_images(stack, swarm.resolve)
        outcome.images = dict(stack.pinned)
        outcome.image, outcome.digest = _main_image(stack, opts.app)
        for name, ref in sorted(stack.pinned.items()):
            _say(opts, clock, f"{name}: {ref}")
        _report(opts, outcome)
        baseline = swarm.baseline(opts.stack)
        _stack_deploy(opts, stack)
        deployed_at = time.monotonic()
        _watch(opts, outcome, swarm, baseline, clock, deployed_at)
    except StackError as exc:
        outcome.result, outcome.reason, outcome.message = "failed", exc.reason, str(exc)
    outcome.finished_at = _now()
    verdict = "succeeded" if outcome.ok else f"{outcome.result.upper()} ({outcome.reason})"
    _say(
        opts,
        clock,
        f"deploy {opts.stack} {verdict}" + (f": {outcome.message}" if outcome.message else ""),
    )
    _report(opts, outcome)
    return outcome


def _stack_deploy(opts: DeployOptions, stack: Stack) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".pinned.yml", delete=False) as override:
        override.write(stack.override_yaml())
    argv = [opts.docker_cli, "stack", "deploy", "--with-registry-auth", "--prune",
            # Images are pinned by digest already; a second lookup would only cost time.
            "--resolve-image", "never"]  # fmt: skip
    for path in stack.files:
        argv += ["-c", str(path)]
    argv += ["-c", override.name, opts.stack]
    try:
        proc = subprocess.run(  # noqa: S603 - argv built here, no shell
            argv, env=stack.environ, capture_output=True, text=True, check=False
        )
    finally:
        os.unlink(override.name)
    for line in (proc.stdout + proc.stderr).splitlines():
        if line.strip():
            opts.out.write(f"  | {line}\n")
    if proc.returncode != 0:
        raise StackError(
            "stack_deploy_failed",
            f"docker stack deploy exited {proc.returncode}: {proc.stderr.strip()}",
        )


def _watch(
    opts: DeployOptions,
    outcome: DeployOutcome,
    swarm: Swarm,
    baseline: dict[str, Baseline],
    clock: float,
    deployed_at: float,
) -> None:
    shown: dict[str, str] = {}
    deadline: float | None = None
    verdicts: dict[str, Verdict] = {}
    while True:
        services = swarm.services(opts.stack)
        if deadline is None:
            budget = timeout_for(services)
            seconds = opts.timeout if opts.timeout is not None else budget.seconds
            deadline = deployed_at + seconds
            source = "--timeout" if opts.timeout is not None else ", ".join(budget.explanation)
            _say(
                opts, clock, f"watching {len(services)} service(s), up to {seconds:.0f}s ({source})"
            )
        tasks = swarm.tasks([s["ID"] for s in services])
        settled = time.monotonic() - deployed_at >= SETTLE_SECONDS
        verdicts = {}
        for svc in services:
            name = svc["Spec"]["Name"]
            own = [t for t in tasks if t.get("ServiceID") == svc["ID"]]
            verdicts[name] = judge(
                svc, own, baseline.get(name), settled=settled, inspect=swarm.inspect_container
            )
            if shown.get(name) != verdicts[name].progress:
                shown[name] = verdicts[name].progress
                _say(opts, clock, f"{name}: {verdicts[name].progress}")
        if all(v.status != "pending" for v in verdicts.values()):
            break
        if time.monotonic() >= deadline:
            for name, verdict in verdicts.items():
                if verdict.status == "pending":
                    verdicts[name] = Verdict(
                        "failed", verdict.progress, "timeout",
                        f"{name} did not converge in time: {verdict.progress}",
                    )  # fmt: skip
            break
        time.sleep(opts.poll_seconds)
    outcome.services = {name: v.progress for name, v in verdicts.items()}
    failed = {name: v for name, v in verdicts.items() if v.status == "failed"}
    if not failed:
        outcome.result = "succeeded"
        return
    reasons = sorted({v.reason for v in failed.values()})
    if any(r.startswith("rolled_back") for r in reasons):
        outcome.result = "rolled_back"
    elif reasons == ["timeout"]:
        outcome.result = "timed_out"
    else:
        outcome.result = "failed"
    outcome.reason = ",".join(reasons)
    outcome.message = "; ".join(f"{name}: {v.message}" for name, v in sorted(failed.items()))


def _report(opts: DeployOptions, outcome: DeployOutcome) -> None:
    if opts.api is None:
        return
    try:
        opts.api.record(outcome.payload())
    except ReportError as exc:
        # The swarm's state is the truth; a record that cannot be written is said loudly but
        # does not turn a good deploy into a failed one.
        opts.out.write(f"warning: deploy record not saved in Polise: {exc}\n")
