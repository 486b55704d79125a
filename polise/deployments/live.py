"""Each app's live state on the swarm (replicas running/desired, the last task error, an update
rolled back), read through the read-only Docker API socket proxy (infra/stacks/
docker-stack.docker-api.yml, POLISE_DOCKER_READ_URL). Two calls per page, whatever the number
of apps: all services with their status, all tasks. Without the setting, or when the proxy
does not answer, pages say so instead of failing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import docker
import docker.errors
import requests
from django.conf import settings

STACK_LABEL = "com.docker.stack.namespace"
FAILED_TASK_STATES = {"failed", "rejected", "orphaned"}
ROLLED_BACK = {"rollback_started", "rollback_paused", "rollback_completed", "paused"}


@dataclass(frozen=True)
class ServiceState:
    name: str
    running: int
    desired: int
    update_state: str  # "" when the service was never updated
    last_error: str
    last_error_at: str

    @property
    def healthy(self) -> bool:
        return self.running >= self.desired and self.update_state not in ROLLED_BACK


@dataclass(frozen=True)
class StackState:
    stack: str
    services: list[ServiceState] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return bool(self.services) and all(s.healthy for s in self.services)

    @property
    def running(self) -> int:
        return sum(s.running for s in self.services)

    @property
    def desired(self) -> int:
        return sum(s.desired for s in self.services)

    @property
    def last_error(self) -> ServiceState | None:
        failing = [s for s in self.services if s.last_error]
        return max(failing, key=lambda s: s.last_error_at) if failing else None


class SwarmUnreachable(Exception):
    pass


def _last_errors(tasks: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """service id -> (error, timestamp) of its newest failed task."""
    errors: dict[str, tuple[str, str]] = {}
    for task in tasks:
        status = task.get("Status") or {}
        message = status.get("Err") or ""
        if status.get("State") not in FAILED_TASK_STATES and not message:
            continue
        stamp = status.get("Timestamp") or ""
        message = message or f"task {status.get('State')}: {status.get('Message', '')}".strip()
        service = task.get("ServiceID", "")
        if stamp >= errors.get(service, ("", ""))[1]:
            errors[service] = (message, stamp)
    return errors


def stack_states(stacks: Iterable[str]) -> dict[str, StackState]:
    """The state of each named stack that runs on the swarm (missing ones are left out).
    Raises SwarmUnreachable when Polise has no read access to the Docker API."""
    url = settings.DOCKER_READ_URL
    if not url:
        raise SwarmUnreachable("POLISE_DOCKER_READ_URL is not set")
    wanted = set(stacks)
    try:
        client: Any = docker.APIClient(base_url=url, timeout=5)
        services = client.services(filters={"label": STACK_LABEL}, status=True)
        tasks = client.tasks()
        client.close()
    except (docker.errors.DockerException, requests.RequestException) as exc:
        raise SwarmUnreachable(str(exc)) from exc
    errors = _last_errors(tasks)
    states: dict[str, StackState] = {}
    for service in services:
        spec = service.get("Spec") or {}
        stack = (spec.get("Labels") or {}).get(STACK_LABEL)
        if stack not in wanted:
            continue
        status = service.get("ServiceStatus") or {}
        error, stamp = errors.get(service.get("ID", ""), ("", ""))
        states.setdefault(stack, StackState(stack)).services.append(
            ServiceState(
                name=spec.get("Name", "").removeprefix(f"{stack}_"),
                running=int(status.get("RunningTasks", 0)),
                desired=int(status.get("DesiredTasks", 0)),
                update_state=(service.get("UpdateStatus") or {}).get("State", ""),
                last_error=error,
                last_error_at=stamp,
            )
        )
    for state in states.values():
        state.services.sort(key=lambda s: s.name)
    return states
