"""Polise's own image, built from the repo's Dockerfile, on the swarm with PostgreSQL, deployed
from infra/stacks with `polise deploy`."""

from __future__ import annotations

import json
import secrets
import shutil
import time
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.swarm.conftest import HERE, ROOT, build_and_push, http_get, polise, remove_stacks

pytestmark = pytest.mark.service("docker")


def single_node_copy(source: Path, dest: Path) -> Path:
    """The stack as written, except what one test node cannot do: every role lives on the
    one node (labelled app), and PostgreSQL's host port would clash with the CI's own."""
    data = yaml.safe_load(source.read_text())
    for service in data["services"].values():
        placement = service["deploy"]["placement"]
        placement["constraints"] = [
            "node.labels.role == app" if c.startswith("node.labels.role") else c
            for c in placement["constraints"]
        ]
        service.pop("ports", None)
    # A fresh database volume per run: `docker stack rm` keeps volumes, and an old one would
    # keep an earlier run's password.
    for name in data.get("volumes") or {}:
        data["volumes"][name] = {"name": f"ci-{name}-{secrets.token_hex(4)}"}
    dest.write_text(yaml.safe_dump(data, sort_keys=False))
    return dest


def write_secrets(folder: Path) -> None:
    folder.mkdir()
    password = secrets.token_urlsafe(16)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    files = {
        "postgres_password": password,
        "polise_database_url": f"postgres://postgres:{password}@postgresql:5432/postgres",
        "polise_secret_key": secrets.token_urlsafe(50),
        "polise_github_webhook_secret": secrets.token_urlsafe(20),
        "polise_github_token": "github_pat_" + secrets.token_urlsafe(30),
        "polise_oidc_private_key": pem,
    }
    for name, value in files.items():
        (folder / name).write_text(value)


def test_polise_image_serves_readyz_on_swarm_with_postgresql(swarm, tmp_path):
    build_and_push(HERE / "images" / "postgres", f"{swarm.registry}/platform/postgres:15")
    build_and_push(ROOT, f"{swarm.registry}/polise:ci")
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    shutil.copytree(ROOT / "infra" / "config", tmp_path / "config")
    db = single_node_copy(ROOT / "infra/stacks/docker-stack.postgresql.yml", stacks / "db.yml")
    web = single_node_copy(ROOT / "infra/stacks/docker-stack.polise.yml", stacks / "polise.yml")
    write_secrets(tmp_path / "secrets")
    env = {
        "POLISE_REGISTRY": swarm.registry,
        "IMAGE_TAG": "ci",
        "POLISE_SECRETS_DIR": str(tmp_path / "secrets"),
    }
    db_stack, web_stack = swarm.name("postgresql"), swarm.name("polise")
    try:
        run = polise("deploy", "--no-report", "--app", "postgresql", "--stack", db_stack,
                     "-c", str(db), cwd=stacks, env=env)  # fmt: skip
        assert run.returncode == 0, run.stdout
        run = polise("deploy", "--no-report", "--app", "polise", "--stack", web_stack,
                     "-c", str(web), "-c", str(HERE / "polise.override.yml"), cwd=stacks,
                     env=env)  # fmt: skip
        assert run.returncode == 0, run.stdout
        assert f"{web_stack}_migrate: completed 1/1" in run.stdout

        url = swarm.edge(web_stack, f"tasks.{web_stack}_web:8000")
        status, body = 0, ""
        for _ in range(30):  # migrate has completed; a fresh web process may still be warming
            status, body = http_get(url + "/readyz", host="polise.apps.lan")
            if status == 200:
                break
            time.sleep(1)
        assert status == 200, body
        assert json.loads(body) == {"status": "ok", "database": "ok"}
    finally:
        remove_stacks(web_stack, f"edge-{web_stack}", db_stack)
