"""One deploy from start to verdict: pin, `docker stack deploy`, watch, report.

A rollback is the same run on the stack a good deploy recorded (`ResolvedStack`): the same
files, the same variable values, the same image digests, whatever the runner's environment
says now.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from polise.gitops.deploy.record import DeployReport
from polise.gitops.deploy.report import PoliseAPI, ReportError
from polise.gitops.deploy.stack import (
    Stack,
    StackError,
    load_stack,
    pin_images,
    recorded_environ,
    resolve,
    split_digest,
    write_resolved,
)
from polise.gitops.deploy.watch import Baseline, Verdict, judge, runs_key, timeout_for

STACK_LABEL = "com.docker.stack.namespace"


@dataclass
class DeployOptions:
    stack: str
    app: str
    # The compose files of a deploy; empty for a rollback, which deploys `rollback_to`'s.
    files: list[Path] = field(default_factory=list)
    commit: str = ""
    deploy_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timeout: float | None = None  # None: from the stack's own update settings
    poll_seconds: float = 0.5
    docker_cli: str = "docker"
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    # A rollback: the earlier good deploy whose recorded stack is deployed again.
    rollback_to: DeployReport | None = None
    api: PoliseAPI | None = None
    out: TextIO = field(default_factory=lambda: sys.stdout)


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


def docker_host(environ: Mapping[str, str]) -> str:
    return environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def _root_cause(exc: BaseException) -> str:
    """The innermost reason of a chain of wrapped errors, e.g. "Connection refused"."""
    seen = exc
    while seen.__cause__ or seen.__context__:
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    for arg in (seen, *getattr(seen, "args", ())):
        if isinstance(arg, OSError) and arg.strerror:
            return arg.strerror
    text = str(seen)
    # urllib3 says "<connection object>: Failed to establish a new connection: [Errno 111] ..."
    return text.rsplit("] ", 1)[-1] if "[Errno" in text else text


@contextmanager
def _docker_errors(environ: Mapping[str, str]) -> Iterator[None]:
    """Any failure to talk to the Docker daemon as one StackError that names the host."""
    import docker.errors
    import requests.exceptions

    try:
        yield
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        if isinstance(exc, docker.errors.APIError) and exc.response is not None:
            raise StackError("docker_error", f"the Docker daemon refused: {exc}") from exc
        raise StackError(
            "docker_unreachable",
            f"cannot reach the Docker daemon at {docker_host(environ)}: {_root_cause(exc)}",
        ) from exc


class Swarm:
    """The Engine API calls a deploy needs, through the docker SDK."""

    def __init__(self, client: Any | None = None, environ: Mapping[str, str] | None = None) -> None:
        if client is None:
            import docker

            client = docker.from_env(version="auto", environment=environ)
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

    @contextmanager
    def changes(self, stack: str) -> Iterator[threading.Event]:
        """An event set whenever the Engine reports a change to one of the stack's services
        or containers (an update state, a task's container dying or turning unhealthy), so
        the watch looks again at once instead of at its next poll."""
        changed = threading.Event()
        stream = self.client.api.events(filters={"type": ["service", "container"]}, decode=True)

        def listen() -> None:
            try:
                for event in stream:
                    attributes = (event.get("Actor") or {}).get("Attributes") or {}
                    if attributes.get(STACK_LABEL) == stack or str(
                        attributes.get("name", "")
                    ).startswith(f"{stack}_"):
                        changed.set()
            except Exception:  # noqa: S110 - the stream closed: the poll goes on
                pass

        thread = threading.Thread(target=listen, name="polise-docker-events", daemon=True)
        thread.start()
        try:
            yield changed
        finally:
            stream.close()

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
                runs=runs_key(svc),
            )
        return result


def _say(opts: DeployOptions, started: float, text: str) -> None:
    opts.out.write(f"[{time.monotonic() - started:6.1f}s] {text}\n")
    opts.out.flush()


def run_deploy(opts: DeployOptions, swarm: Swarm | None = None) -> DeployReport:
    target = opts.rollback_to
    outcome = DeployReport(
        deploy_id=uuid.UUID(opts.deploy_id), app=opts.app, stack=opts.stack, commit=opts.commit,
        started_at=_now(), kind="rollback" if target else "deploy",
        rollback_of=target.deploy_id if target else None,
    )  # fmt: skip
    clock = time.monotonic()
    try:
        with _docker_errors(opts.environ), tempfile.TemporaryDirectory(prefix="polise-") as work:
            swarm = swarm or Swarm(environ=opts.environ)
            if target is not None:
                assert target.stack_spec is not None
                files = write_resolved(target.stack_spec, Path(work))
                environ = recorded_environ(target.stack_spec, opts.environ)
                stack = load_stack(files, environ, hash_files=False)
            else:
                stack = load_stack(opts.files, opts.environ)
            outcome.image = _main_image(stack, opts.app)[0]
            pin_images(stack, swarm.resolve)
            outcome.images = dict(stack.pinned)
            outcome.image, outcome.digest = _main_image(stack, opts.app)
            if target is not None:
                outcome.stack_spec = target.stack_spec
                argv_files = files
            else:
                outcome.stack_spec = resolve(stack, opts.stack)
                pinned = Path(work) / outcome.stack_spec.files[-1].name
                pinned.write_text(outcome.stack_spec.files[-1].text, encoding="utf-8")
                argv_files = [*stack.files, pinned]
            for name, ref in sorted(stack.pinned.items()):
                _say(opts, clock, f"{name}: {ref}")
            _report(opts, outcome)
            baseline = swarm.baseline(opts.stack)
            with swarm.changes(opts.stack) as changed:
                _stack_deploy(opts, argv_files, stack.environ)
                deployed_at = time.monotonic()
                _watch(opts, outcome, swarm, baseline, clock, deployed_at, changed)
    except StackError as exc:
        outcome.result, outcome.reason, outcome.message = "failed", exc.reason, str(exc)
    outcome.finished_at = _now()
    verdict = "succeeded" if outcome.ok else f"{outcome.result.upper()} ({outcome.reason})"
    _say(
        opts,
        clock,
        f"{outcome.kind} {opts.stack} {verdict}"
        + (f": {outcome.message}" if outcome.message else ""),
    )
    _report(opts, outcome)
    return outcome


def _stack_deploy(opts: DeployOptions, files: list[Path], environ: dict[str, str]) -> None:
    argv = [opts.docker_cli, "stack", "deploy", "--with-registry-auth", "--prune",
            # Images are pinned by digest already; a second lookup would only cost time.
            "--resolve-image", "never"]  # fmt: skip
    for path in files:
        argv += ["-c", str(path)]
    argv.append(opts.stack)
    try:
        proc = subprocess.run(  # noqa: S603 - argv built here, no shell
            argv, env=environ, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise StackError(
            "docker_cli_missing", f"cannot run {opts.docker_cli}: {exc.strerror or exc}"
        ) from exc
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
    outcome: DeployReport,
    swarm: Swarm,
    baseline: dict[str, Baseline],
    clock: float,
    deployed_at: float,
    changed: threading.Event,
) -> None:
    shown: dict[str, str] = {}
    ok_since: dict[str, float] = {}
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
        verdicts = {}
        for svc in services:
            name = svc["Spec"]["Name"]
            own = [t for t in tasks if t.get("ServiceID") == svc["ID"]]
            verdict = judge(svc, own, baseline.get(name), inspect=swarm.inspect_container)
            if verdict.status == "ok" and verdict.hold:
                since = ok_since.setdefault(name, time.monotonic())
                if time.monotonic() - since < verdict.hold:
                    text = f"{verdict.progress}, watching that it stays up {verdict.hold:.0f}s"
                    verdict = Verdict("pending", text)
            else:
                ok_since.pop(name, None)
            verdicts[name] = verdict
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
        # The next look: when the Engine reports a change, else after the poll interval
        # (tasks on other nodes send no container events to this daemon).
        changed.wait(opts.poll_seconds)
        changed.clear()
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


def _report(opts: DeployOptions, outcome: DeployReport) -> None:
    if opts.api is None:
        return
    try:
        opts.api.record(outcome.to_json())
    except ReportError as exc:
        # The swarm's state is the truth; a record that cannot be written is said loudly but
        # does not turn a good deploy into a failed one.
        opts.out.write(f"warning: deploy record not saved in Polise: {exc}\n")
