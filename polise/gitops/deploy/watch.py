"""Judging a stack's services after `docker stack deploy`: converged, failed, or still going.

Pure functions over what the Engine API returns (service and task objects as dicts), so the
rules are testable without a swarm. The defect every tool we studied shipped (docker/cli
#6752): Swarm rolls a failed update back, the old tasks run again, and "running = desired"
looks like success. Here an updated service succeeds only on its own update reaching
`completed`; any `rollback_*` or `paused` state is a failure with the cause found in the
tasks this deploy started. Tasks that existed before the deploy are never counted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["pending", "ok", "failed"]
# Container ID -> the container's inspect data, or None where this daemon does not have it
# (a task on another node): the only place a health check's verdict and output are kept.
Inspect = Callable[[str], dict[str, Any] | None]

# What Swarm assumes when a stack leaves a value out.
_NS = 1_000_000_000
_DEFAULT_MONITOR = 5 * _NS
_DEFAULT_INTERVAL = 30 * _NS
_DEFAULT_RETRIES = 3
# Time allowed for a task to be scheduled, pull its image and start, before its health check
# is even asked: the one part of the budget the stack file does not state.
START_ALLOWANCE_SECONDS = 60.0


@dataclass(frozen=True)
class Baseline:
    """A service as it was just before the deploy."""

    service_id: str
    version: int
    update_started: str | None
    task_ids: frozenset[str]
    # What its tasks run (runs_key): when a deploy leaves it as it was, Swarm replaces no
    # task and reports no update of its own.
    runs: str = ""


def runs_key(service: dict[str, Any]) -> str:
    """The part of a service's spec whose change makes Swarm replace its tasks (swarmkit's
    IsTaskDirty: the task template and the published ports)."""
    spec = service.get("Spec") or {}
    return json.dumps([spec.get("TaskTemplate"), spec.get("EndpointSpec")], sort_keys=True)


@dataclass
class Verdict:
    status: Status
    progress: str
    reason: str = ""  # short code: rolled_back, health_check_failed, image_pull_failed, ...
    message: str = ""
    changed: bool = True
    # "ok" only once it has lasted this many seconds (a new service's tasks must stay up).
    hold: float = 0.0


@dataclass
class Cause:
    reason: str
    message: str


def _health(container: dict[str, Any] | None) -> tuple[str, str]:
    health = ((container or {}).get("State") or {}).get("Health") or {}
    log = health.get("Log") or []
    output = str(log[-1].get("Output", "")).strip() if log else ""
    return str(health.get("Status", "")), output.splitlines()[-1][:300] if output else ""


def _memory_limit(task: dict[str, Any]) -> str:
    limit = (((task.get("Spec") or {}).get("Resources") or {}).get("Limits") or {}).get(
        "MemoryBytes"
    )
    if not limit:
        return "no memory limit is set, so the node itself ran out of memory"
    mib, rest = divmod(int(limit), 1024 * 1024)
    return f"the service's memory limit is {mib} MiB" if not rest else f"its limit is {limit} B"


def classify_task_failure(task: dict[str, Any], inspect: Inspect | None = None) -> Cause:
    """Why a task failed, was rejected, or stopped while it should run, in words a developer
    can act on."""
    status = task.get("Status") or {}
    err = str(status.get("Err") or "")
    lowered = err.lower()
    container_status = status.get("ContainerStatus") or {}
    exit_code = container_status.get("ExitCode")
    slot = task.get("Slot")
    where = f"task {str(task.get('ID', ''))[:12]}" + (f" (slot {slot})" if slot else "")
    if status.get("State") == "failed" and exit_code not in (None, 0, 137, 143):
        # The process ended by itself: a crash, not a health check's verdict (Swarm stops
        # an unhealthy task with SIGTERM, exit 0 or 143, or SIGKILL, 137).
        return Cause("task_failed", f"{where}: exit code {exit_code}" + (f": {err}" if err else ""))
    container_id = container_status.get("ContainerID")
    container = inspect(container_id) if inspect and container_id else None
    # The kernel's OOM killer first: Docker also marks such a container unhealthy.
    if ((container or {}).get("State") or {}).get("OOMKilled"):
        return Cause(
            "oom_killed", f"{where}: killed out of memory (exit 137); {_memory_limit(task)}"
        )
    health, output = _health(container)
    if health == "unhealthy":
        return Cause(
            "health_check_failed",
            f"{where}: the health check failed" + (f": {output}" if output else ""),
        )
    if any(
        s in lowered
        for s in ("no such image", "pull access denied", "manifest unknown", "failed to resolve")
    ) or ("not found" in lowered and "image" in lowered):
        return Cause("image_pull_failed", f"{where}: the node could not get the image: {err}")
    if "unhealthy" in lowered:
        return Cause("health_check_failed", f"{where}: the health check failed ({err})")
    if exit_code == 137:
        # On another node the container cannot be inspected; 137 is SIGKILL, most often the
        # OOM killer at the limit.
        return Cause(
            "oom_killed",
            f"{where}: killed with exit 137, most likely out of memory; {_memory_limit(task)}",
        )
    if status.get("State") == "rejected":
        return Cause("task_rejected", f"{where}: rejected: {err or 'no reason given'}")
    if status.get("State") == "complete":
        # Swarm stops a task whose health check fails; the task then reads "complete, exit 0"
        # with no error, and only its container (on its node) still says "unhealthy".
        return Cause(
            "task_exited",
            f"{where}: stopped while it should run (exit code {exit_code}); a failing health "
            "check ends a task this way",
        )
    detail = f"exit code {exit_code}" if exit_code not in (None, 0) else "failed"
    return Cause("task_failed", f"{where}: {detail}" + (f": {err}" if err else ""))


def _health_test(service: dict[str, Any]) -> bool:
    spec = (service.get("Spec") or {}).get("TaskTemplate") or {}
    test = ((spec.get("ContainerSpec") or {}).get("Healthcheck") or {}).get("Test") or []
    return bool(test) and test[0] != "NONE"


def _monitor_seconds(service: dict[str, Any]) -> float:
    update = (service.get("Spec") or {}).get("UpdateConfig") or {}
    return float(update.get("Monitor") or _DEFAULT_MONITOR) / _NS


def _state(task: dict[str, Any]) -> str:
    return str((task.get("Status") or {}).get("State", ""))


def desired_count(service: dict[str, Any]) -> int:
    status = service.get("ServiceStatus") or {}
    if "DesiredTasks" in status:
        return int(status["DesiredTasks"])
    mode = (service.get("Spec") or {}).get("Mode") or {}
    return int((mode.get("Replicated") or {}).get("Replicas", 1))


def is_one_shot(service: dict[str, Any]) -> bool:
    spec = service.get("Spec") or {}
    mode = spec.get("Mode") or {}
    if "ReplicatedJob" in mode or "GlobalJob" in mode:
        return True
    policy = (spec.get("TaskTemplate") or {}).get("RestartPolicy") or {}
    return policy.get("Condition") in ("none", "on-failure")


def _one_shot_total(service: dict[str, Any]) -> int:
    mode = (service.get("Spec") or {}).get("Mode") or {}
    job = mode.get("ReplicatedJob")
    if job is not None:
        return int(job.get("TotalCompletions") or job.get("MaxConcurrent") or 1)
    return int((mode.get("Replicated") or {}).get("Replicas", 1))


def judge(
    service: dict[str, Any],
    tasks: list[dict[str, Any]],
    baseline: Baseline | None,
    *,
    inspect: Inspect | None = None,
) -> Verdict:
    """One service's state now, against the baseline taken just before the deploy."""
    new = baseline is None or baseline.service_id != service.get("ID")
    seen = frozenset() if new or baseline is None else baseline.task_ids
    fresh_tasks = [t for t in tasks if t.get("ID") not in seen]
    ended = ("failed", "rejected") if is_one_shot(service) else ("failed", "rejected", "complete")
    failed = [t for t in fresh_tasks if _state(t) in ended]
    failed.sort(key=lambda t: str(t.get("CreatedAt", "")))
    cause = classify_task_failure(failed[0], inspect) if failed else None
    running = [t for t in tasks if _state(t) == "running" and t.get("DesiredState") == "running"]
    desired = desired_count(service)

    if is_one_shot(service):
        return _judge_one_shot(service, fresh_tasks, failed, cause)
    if new:
        if cause:
            return Verdict("failed", f"failed: {cause.message}", cause.reason, cause.message)
        if desired > 0 and len(running) >= desired:
            # With a health check a task runs only once healthy. Without one, "running" says
            # only that the process started: watch it for the update monitor, as Swarm watches
            # an updated task, so a process that dies at once is not called a success.
            hold = 0.0 if _health_test(service) else _monitor_seconds(service)
            return Verdict("ok", f"created, {len(running)}/{desired} running", hold=hold)
        return Verdict("pending", f"creating, {len(running)}/{desired} running{_why(tasks)}")
    assert baseline is not None
    version = int((service.get("Version") or {}).get("Index", 0))
    if version == baseline.version:
        return Verdict("ok", "unchanged", changed=False)

    update = service.get("UpdateStatus") or {}
    state = update.get("State") if update.get("StartedAt") != baseline.update_started else None
    message = str(update.get("Message") or "")
    failure_action = ((service.get("Spec") or {}).get("UpdateConfig") or {}).get(
        "FailureAction"
    ) or "pause"
    cause_text = f": {cause.message}" if cause else ""
    if state == "paused":
        reason = cause.reason if cause else "update_paused"
        return Verdict("failed", f"update paused{cause_text}", reason,
                       f"update paused ({message}){cause_text}")  # fmt: skip
    if state == "rollback_started":
        return Verdict("pending", f"rolling back{cause_text}")
    if state == "rollback_completed":
        why = cause.reason if cause else "update_failed"
        return Verdict("failed", f"rolled back{cause_text}", f"rolled_back:{why}",
                       f"Swarm rolled the update back ({message}){cause_text}")  # fmt: skip
    if state == "rollback_paused":
        return Verdict("failed", f"rollback paused{cause_text}", "rollback_paused",
                       f"the rollback itself failed and paused ({message}){cause_text}")  # fmt: skip
    if cause and failure_action not in ("rollback", "pause"):
        # Swarm carries on past failed tasks here; Polise does not call that a success.
        return Verdict("failed", f"failed{cause_text}", cause.reason, cause.message)
    if state == "completed":
        if len(running) >= desired:
            return Verdict("ok", f"updated, {len(running)}/{desired} running")
        return Verdict("pending", f"update completed, {len(running)}/{desired} running")
    if state == "updating":
        return Verdict(
            "pending", f"updating, {len(running)}/{desired} running{cause_text or _why(tasks)}"
        )
    # No update of its own yet. If what the tasks run changed, Swarm will start one (however
    # long a busy manager takes): wait for it. If not (labels, replicas), none will come.
    if runs_key(service) != baseline.runs:
        return Verdict("pending", f"waiting for Swarm to start the update{_why(tasks)}")
    starting = [t for t in fresh_tasks if _state(t) not in ("running", "complete", "shutdown")]
    if not starting and not cause and len(running) >= desired:
        return Verdict("ok", f"updated in place, {len(running)}/{desired} running")
    return Verdict("pending", f"updating in place, {len(running)}/{desired} running")


def _judge_one_shot(
    service: dict[str, Any],
    fresh: list[dict[str, Any]],
    failed: list[dict[str, Any]],
    cause: Cause | None,
) -> Verdict:
    total = _one_shot_total(service)
    done = [t for t in fresh if _state(t) == "complete"]
    policy = ((service.get("Spec") or {}).get("TaskTemplate") or {}).get("RestartPolicy") or {}
    retries = policy.get("MaxAttempts") or 0
    gives_up = policy.get("Condition") == "none" or (retries and len(failed) > retries)
    if cause and gives_up:
        return Verdict("failed", f"one-shot failed: {cause.message}", cause.reason, cause.message)
    if len(done) >= total:
        return Verdict("ok", f"completed {len(done)}/{total}")
    extra = f"; last failure: {cause.message}" if cause else ""
    return Verdict("pending", f"running once, {len(done)}/{total} complete{extra}")


def _why(tasks: list[dict[str, Any]]) -> str:
    """The scheduler's or the node's word on a task that is not running yet."""
    for task in tasks:
        err = (task.get("Status") or {}).get("Err")
        if task.get("DesiredState") == "running" and _state(task) != "running" and err:
            return f" ({_state(task)}: {err})"
    return ""


@dataclass
class Budget:
    seconds: float
    explanation: list[str] = field(default_factory=list)


def timeout_for(services: list[dict[str, Any]]) -> Budget:
    """How long to wait, from each service's own update and rollback settings: per batch of
    `parallelism` tasks, start + health check window + monitor + delay; then the same again
    for a rollback when failure_action is rollback. Services update in parallel: the longest
    one sets the budget."""
    budget = Budget(START_ALLOWANCE_SECONDS)
    for service in services:
        spec = service.get("Spec") or {}
        health = ((spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}).get(
            "Healthcheck"
        ) or {}
        window = 0.0
        if health.get("Test") and health["Test"][0] != "NONE":
            interval = health.get("Interval") or _DEFAULT_INTERVAL
            retries = health.get("Retries") or _DEFAULT_RETRIES
            window = (health.get("StartPeriod", 0) + interval * retries) / _NS
        tasks = max(desired_count(service), 1)

        def phase(config: dict[str, Any], tasks: int = tasks, window: float = window) -> float:
            parallelism = config.get("Parallelism", 1) or tasks
            monitor = (config.get("Monitor") or _DEFAULT_MONITOR) / _NS
            delay = (config.get("Delay") or 0) / _NS
            batches = math.ceil(tasks / parallelism)
            return batches * (START_ALLOWANCE_SECONDS + window + monitor + delay)

        update = spec.get("UpdateConfig") or {}
        seconds = phase(update)
        if update.get("FailureAction") == "rollback":
            seconds += phase(spec.get("RollbackConfig") or {})
        name = spec.get("Name") or service.get("ID", "?")
        budget.explanation.append(f"{name}: {seconds:.0f}s")
        budget.seconds = max(budget.seconds, seconds)
    return budget
