"""Handing a generated credential to the app without anyone reading it: as a Swarm secret made
through the Docker API, or as an Actions secret sealed with the repository's public key (the
deploy workflow writes it to a file and `polise deploy` makes the Swarm secret from it).

A Swarm secret is immutable and named by its content, as `polise deploy` names the secrets
of a stack (`<app>_<what>_<first 12 hex of SHA-256>`): the app's stack file refers to it with
the same `${POLISE_HASH_...}` variable, and a new password is a new secret, never an edit.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import docker
import docker.errors
from nacl.public import PublicKey, SealedBox

LABEL_APP = "polise.app"
LABEL_WHAT = "polise.credential"


class DeliveryError(Exception):
    retryable = False


class DockerUnavailable(DeliveryError):
    retryable = True


def content_name(prefix: str, value: str) -> str:
    return f"{prefix}_{hashlib.sha256(value.encode()).hexdigest()[:12]}"


def docker_secret_ensure(*, docker_url: str, prefix: str, value: str, app: str, what: str) -> str:
    """Create the Swarm secret holding `value` (once: its name is its content); returns its name."""
    name = content_name(prefix, value)
    try:
        client: Any = docker.DockerClient(base_url=docker_url, timeout=10)
    except docker.errors.DockerException as exc:
        raise DockerUnavailable(f"Docker API at {docker_url}: {exc}") from exc
    try:
        client.secrets.create(
            name=name, data=value.encode(), labels={LABEL_APP: app, LABEL_WHAT: what}
        )
    except docker.errors.APIError as exc:
        if exc.status_code == 409:  # made by an earlier attempt with this very value
            return name
        error = DockerUnavailable if (exc.status_code or 500) >= 500 else DeliveryError
        raise error(f"Swarm secret {name}: {exc.explanation or exc}") from exc
    except docker.errors.DockerException as exc:
        raise DockerUnavailable(f"Swarm secret {name}: {exc}") from exc
    finally:
        client.close()
    return name


def seal(value: str, public_key_b64: str) -> str:
    """`value` sealed for GitHub Actions (libsodium sealed box with the repo's public key)."""
    key = PublicKey(base64.b64decode(public_key_b64))
    return base64.b64encode(SealedBox(key).encrypt(value.encode())).decode()
