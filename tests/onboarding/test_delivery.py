"""Credentials handed over as Swarm secrets on the real swarm, or sealed for GitHub Actions."""

from __future__ import annotations

import base64
import hashlib
import secrets

import docker
import pytest
from nacl.public import PrivateKey, SealedBox

from polise.onboarding import delivery
from tests.conftest import service_unavailable

DOCKER_URL = "unix:///var/run/docker.sock"


@pytest.fixture
def swarm_client():
    try:
        client = docker.DockerClient(base_url=DOCKER_URL, timeout=10)
        state = client.info()["Swarm"]["LocalNodeState"]
    except docker.errors.DockerException as exc:
        service_unavailable("docker swarm", f"docker does not answer ({exc}); source .ci/swarm.sh")
    if state != "active":
        service_unavailable("docker swarm", "this node is not in a swarm; source .ci/swarm.sh")
    made: list[str] = []
    yield client, made
    for name in made:
        for secret in client.secrets.list(filters={"name": name}):
            secret.remove()
    client.close()


def test_a_password_becomes_a_swarm_secret_named_by_its_content(swarm_client):
    client, made = swarm_client
    prefix = f"t{secrets.token_hex(3)}_database_password"
    password = secrets.token_urlsafe(24)

    name = delivery.docker_secret_ensure(
        docker_url=DOCKER_URL, prefix=prefix, value=password, app="simpeg", what="postgresql"
    )
    made.append(name)
    again = delivery.docker_secret_ensure(
        docker_url=DOCKER_URL, prefix=prefix, value=password, app="simpeg", what="postgresql"
    )

    # The very name polise deploy computes for a stack secret with this file content.
    assert name == again == f"{prefix}_{hashlib.sha256(password.encode()).hexdigest()[:12]}"
    [secret] = client.secrets.list(filters={"name": name})
    assert secret.attrs["Spec"]["Labels"] == {
        "polise.app": "simpeg",
        "polise.credential": "postgresql",
    }
    assert "Data" not in secret.attrs["Spec"]  # Swarm never gives the value back


def test_docker_out_of_reach_is_retryable():
    with pytest.raises(delivery.DockerUnavailable):
        delivery.docker_secret_ensure(
            docker_url="unix:///nonexistent/docker.sock",
            prefix="x",
            value="y",
            app="a",
            what="b",
        )


def test_a_sealed_secret_opens_only_with_the_repositorys_key():
    key = PrivateKey.generate()
    public = base64.b64encode(bytes(key.public_key)).decode()

    sealed = delivery.seal("hunter2-but-longer", public)

    assert SealedBox(key).decrypt(base64.b64decode(sealed)) == b"hunter2-but-longer"
    assert "hunter2" not in sealed
