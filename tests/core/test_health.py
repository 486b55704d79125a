import json
import logging

import pytest
from django.db import connection

from polise.core import health
from polise.core.logging import JsonFormatter


def test_healthz_answers_without_touching_the_database(client):
    # No django_db mark: any query would raise here.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ok_when_migrated(client):
    health._migrated = False
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_readyz_reports_pending_migrations(client, monkeypatch):
    health._migrated = False
    monkeypatch.setattr(
        health.MigrationExecutor, "migration_plan", lambda self, targets: [("fake", False)]
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["pending_migrations"] == 1


@pytest.mark.django_db
def test_readyz_reports_an_unreachable_database(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no database")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("unreachable")


def test_json_log_lines_carry_extra_fields():
    record = logging.makeLogRecord(
        {
            "name": "polise.test",
            "levelname": "INFO",
            "msg": "deploy %s",
            "args": ("done",),
            "app": "simpeg",
        }
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "deploy done"
    assert line["app"] == "simpeg"
    assert line["level"] == "INFO"
    assert "time" in line
