"""One deploy record contract: what `polise deploy` and `polise rollback` send, the API takes,
stores and gives back, and the CLI reads again (polise.gitops.deploy.record)."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import Client

from polise.deployments.models import DeployRecord
from polise.deployments.selectors import deploy_report
from polise.deployments.services import deploy_token_create
from polise.gitops.deploy.record import SCHEMA_VERSION, DeployReport
from polise.gitops.deploy.report import PoliseAPI, ReportError
from polise.gitops.deploy.run import DeployOptions, run_deploy
from tests.factories import make_app, make_user

pytestmark = pytest.mark.django_db(transaction=True)
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


class ConvergedSwarm:
    """The Engine API as a deploy of a new one-service stack sees it: the service runs."""

    def __init__(self, digests: dict[str, str]) -> None:
        self.digests = digests

    def resolve(self, ref: str) -> str:
        return self.digests[ref]

    def baseline(self, stack: str) -> dict:
        return {}

    def services(self, stack: str) -> list[dict]:
        return [{"ID": "s1", "Version": {"Index": 1}, "ServiceStatus": {"DesiredTasks": 1},
                 "Spec": {"Name": f"{stack}_web", "Mode": {"Replicated": {"Replicas": 1}}}}]  # fmt: skip

    def tasks(self, service_ids: list[str]) -> list[dict]:
        return [{"ID": "t1", "ServiceID": "s1", "DesiredState": "running",
                 "Status": {"State": "running"}}]  # fmt: skip

    def inspect_container(self, container_id: str) -> None:
        return None

    @contextlib.contextmanager
    def changes(self, stack: str):
        yield threading.Event()


def test_records_made_by_the_cli_are_accepted_stored_and_read_back(live_server, tmp_path: Path):
    app = make_app(slug="kontrak")
    _, token = deploy_token_create(app=app, label="CI")
    api = PoliseAPI(live_server.url, token, attempts=1)
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "key").write_text("hunter2")
    stack_file = tmp_path / "docker-stack.yml"
    stack_file.write_text(
        'version: "3.9"\nservices:\n  web:\n    image: ${POLISE_REGISTRY}/kontrak:${IMAGE_TAG}\n'
        "    secrets: [key]\nsecrets:\n  key:\n    name: kontrak_key_${POLISE_HASH_KEY:?x}\n"
        "    file: ${POLISE_SECRETS_DIR:-./s}/key\n"
    )
    swarm = ConvergedSwarm({"r.lan/kontrak:v1": "sha256:" + "1" * 64,
                            "r.lan/kontrak:v2": "sha256:" + "2" * 64})  # fmt: skip

    def deploy(tag: str, **extra) -> DeployReport:
        options = DeployOptions(
            stack="kontrak", app="kontrak", files=[stack_file], commit=f"commit-{tag}",
            docker_cli="true", environ={"POLISE_REGISTRY": "r.lan", "IMAGE_TAG": tag},
            api=api, out=io.StringIO(), **extra,
        )  # fmt: skip
        return run_deploy(options, swarm=swarm)  # type: ignore[arg-type]

    first, second = deploy("v1"), deploy("v2")
    assert first.ok and second.ok
    stored = DeployRecord.objects.get(deploy_id=first.deploy_id)
    # Every field the CLI sent comes back unchanged through the API's own reading.
    assert deploy_report(record=stored).to_json() == first.to_json()
    assert first.to_json()["schema_version"] == SCHEMA_VERSION
    assert stored.resolved_stack["environment"]["IMAGE_TAG"] == "v1"
    hashed = "kontrak_key_f52fbd32b2b3"  # the first 12 hex of sha256("hunter2")
    assert stored.resolved_stack["external"] == {"secrets": {"key": hashed}}

    # The rollback target comes back from the API in the same schema, and a rollback of it
    # is recorded as such, linked to it.
    target = api.previous("kontrak")
    assert target.deploy_id == first.deploy_id and target.stack_spec == first.stack_spec
    rollback = deploy("ignored", rollback_to=target)
    assert rollback.ok and rollback.kind == "rollback"
    assert rollback.images == first.images  # v1's digest, whatever IMAGE_TAG said
    stored = DeployRecord.objects.get(deploy_id=rollback.deploy_id)
    assert (stored.kind, stored.rollback_of_id) == ("rollback", DeployRecord.objects.get(
        deploy_id=first.deploy_id).pk)  # fmt: skip
    assert api.record_of(str(second.deploy_id)).commit == "commit-v2"
    with pytest.raises(ReportError, match="no deploy"):
        api.record_of(str(uuid.uuid4()))

    # What the CLI recorded is what the app's owners read on its page.
    client = Client()
    client.force_login(make_user(is_staff=True))
    page = client.get(f"/apps/{app.slug}/").content.decode()
    for report in (first, second, rollback):
        record = DeployRecord.objects.get(deploy_id=report.deploy_id)
        assert f'id="deploy-{record.pk}"' in page
    assert "commit-v2"[:12] in page


def test_rollback_refuses_a_target_it_cannot_deploy_exactly(live_server, tmp_path: Path):
    app = make_app(slug="lama")
    _, token = deploy_token_create(app=app, label="CI")
    api = PoliseAPI(live_server.url, token, attempts=1)
    old = DeployReport(deploy_id=uuid.uuid4(), app="lama", stack="lama", commit="c0",
                       started_at=T0, finished_at=T0, result="succeeded", schema_version=1)  # fmt: skip
    body = old.to_json()
    del body["schema_version"], body["resolved_stack"], body["rollback_of"]  # as polise 0.1 sent
    api.record(body)
    env = {"PATH": "/usr/bin:/bin", "POLISE_URL": live_server.url, "POLISE_DEPLOY_TOKEN": token}

    def rollback(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "polise.cli", "rollback", *args],
                              cwd=tmp_path, env=env, capture_output=True, text=True, check=False)  # fmt: skip

    refused = rollback("--to", str(old.deploy_id))
    assert refused.returncode == 1
    assert "recorded by an older polise, without its stack" in refused.stderr
    none = rollback()  # records without a stack are not offered as targets at all
    assert none.returncode == 1 and "no earlier good deploy of lama" in none.stderr
