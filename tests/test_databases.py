"""The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL says so; the
migrations also apply cleanly on MariaDB."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection

from tests.conftest import mariadb_server


@pytest.mark.django_db
def test_suite_runs_on_the_database_ci_asked_for():
    expected = os.environ.get("POLISE_TEST_EXPECT_DB")
    if expected is None:
        pytest.skip("POLISE_TEST_EXPECT_DB is not set; CI sets it to prove which database ran")
    assert connection.vendor == expected


def test_migrations_apply_cleanly_on_mariadb(tmp_path):
    server, parts = mariadb_server()
    url, name = parts.geturl(), parts.path.lstrip("/")
    with server.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLISE_")}
    env.update(DATABASE_URL=url, POLISE_DATA_DIR=str(tmp_path))
    try:
        migrate = subprocess.run(
            [sys.executable, "-m", "polise.cli", "migrate", "--no-input"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert migrate.returncode == 0, migrate.stderr
        check = subprocess.run(
            [sys.executable, "-m", "polise.cli", "migrate", "--check"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert check.returncode == 0, check.stdout + check.stderr
        with server.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM `{name}`.catalog_app")
            assert cursor.fetchone() == (0,)
    finally:
        with server.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        server.close()
