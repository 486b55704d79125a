"""Live state of apps' stacks, read from the real swarm this machine runs."""

from __future__ import annotations

import secrets
import time

import docker
import pytest

from polise.deployments import live
from tests.conftest import service_unavailable

DOCKER = "unix:///var/run/docker.sock"


@pytest.fixture
def swarm(settings):
    try:
        client = docker.DockerClient(base_url=DOCKER, timeout=10)
        active = client.info()["Swarm"]["LocalNodeState"] == "active"
    except docker.errors.DockerException as exc:
        service_unavailable("docker swarm", f"docker does not answer ({exc}); source .ci/swarm.sh")
    if not active:
        service_unavailable("docker swarm", "this node is not in a swarm; source .ci/swarm.sh")
    if not client.images.list(name="busybox:1.36"):
        service_unavailable("base images", "busybox:1.36 is missing; source .ci/swarm.sh")
    settings.DOCKER_READ_URL = DOCKER
    made = []
    yield client, made
    for service in made:
        service.remove()
    client.close()


def _service(client, stack: str, name: str, command: list[str]):
    return client.services.create(
        "busybox:1.36",
        command=command,
        name=f"{stack}_{name}",
        labels={live.STACK_LABEL: stack},
        restart_policy=docker.types.RestartPolicy(condition="on-failure", max_attempts=1),
    )


def _until(condition, what: str, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)  # polling the swarm for a state, not waiting for a time
    raise AssertionError(f"{what} within {seconds:.0f}s")


def test_running_replicas_and_the_last_task_error_per_stack(swarm):
    client, made = swarm
    stack = f"t{secrets.token_hex(3)}"
    made.append(_service(client, stack, "web", ["sleep", "3600"]))
    made.append(_service(client, stack, "worker", ["sh", "-c", "exit 3"]))

    state = _until(
        lambda: (
            (s := live.stack_states([stack]).get(stack)) and s.running == 1 and s.last_error and s
        ),
        "one web task running and the worker's failure recorded",
    )

    web, worker = state.services
    assert (web.name, web.running, web.desired, web.healthy) == ("web", 1, 1, True)
    assert worker.name == "worker" and not worker.healthy
    assert "exit (3)" in worker.last_error
    assert state.last_error is worker and not state.healthy
    assert live.stack_states(["no-such-stack"]) == {}


def test_no_read_access_is_said_plainly(settings):
    settings.DOCKER_READ_URL = None
    with pytest.raises(live.SwarmUnreachable, match="POLISE_DOCKER_READ_URL"):
        live.stack_states(["x"])
    settings.DOCKER_READ_URL = "unix:///nonexistent/docker.sock"
    with pytest.raises(live.SwarmUnreachable):
        live.stack_states(["x"])
