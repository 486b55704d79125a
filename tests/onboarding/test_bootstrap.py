"""infra/bootstrap.sh makes Polise's own PostgreSQL role and database, run as an operator runs
it (on the swarm this machine runs), with Polise's Python in place of the Polise image."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from polise.onboarding import databases
from tests.conftest import service_unavailable

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def admin_url() -> str:
    url = os.environ.get("POLISE_TEST_POSTGRES_URL")
    if not url:
        service_unavailable("postgresql", "POLISE_TEST_POSTGRES_URL is not set")
    if (
        not shutil.which("docker")
        or subprocess.run(
            ["docker", "info", "--format", "{{.Swarm.LocalNodeState}}"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        != "active"
    ):
        service_unavailable(
            "docker swarm", "bootstrap.sh runs on a swarm manager; source .ci/swarm.sh"
        )
    return url


def test_bootstrap_makes_polises_own_database_once(admin_url, tmp_path):
    name = f"t_polise_{secrets.token_hex(3)}"
    nodes = tmp_path / "nodes.yaml"
    nodes.write_text("# no nodes to label in this test\n")
    env = {
        **os.environ,
        "STACKS": "polise-database",
        "NODES": str(nodes),
        "POLISE_REGISTRY": "127.0.0.1:5000",
        "POLISE_SECRETS_DIR": str(tmp_path / "secrets"),
        "POLISE_DB_RUN": sys.executable,
        "POLISE_DB_ADMIN_URL": admin_url,
        "POLISE_DB_NAME": name,
    }
    try:
        first = subprocess.run(
            ["bash", "infra/bootstrap.sh"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert first.returncode == 0, first.stdout + first.stderr
        assert f"{name}: created user and database" in first.stdout
        password = (tmp_path / "secrets" / "polise_database_password").read_text()
        server = urlsplit(admin_url)
        with psycopg.connect(
            host=server.hostname, port=server.port, user=name, password=password, dbname=name
        ) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == (name,)

        again = subprocess.run(
            ["bash", "infra/bootstrap.sh"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert again.returncode == 0, again.stdout + again.stderr
        assert f"{name}: already there" in again.stdout
    finally:
        databases.drop(admin_url, databases.Target("postgresql", name, name, name))
