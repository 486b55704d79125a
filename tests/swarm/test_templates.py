"""Rendered template repos, built and deployed on the real swarm with `polise deploy`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from polise.catalog.models import Technology
from polise.deployments.models import DeployRecord
from polise.deployments.services import deploy_token_create
from tests.factories import make_app
from tests.swarm.conftest import HERE, build_and_push, http_get, polise, remove_stacks

pytestmark = [pytest.mark.service("docker"), pytest.mark.django_db(transaction=True)]
FAST = str(HERE / "fast.override.yml")


def render(tmp_path: Path, tech: str, name: str) -> Path:
    repo = tmp_path / name
    proc = polise("new", "--tech", tech, "--name", name, str(repo), cwd=tmp_path, env={})
    assert proc.returncode == 0, proc.stderr
    (repo / ".secrets").mkdir()
    (repo / ".secrets" / "secret_key").write_text("not-a-real-secret-" * 4)
    return repo


def deploy_env(swarm, live_server, app_slug: str, tag: str) -> dict[str, str]:
    app = make_app(slug=app_slug, technology=Technology.PYTHON)
    _, token = deploy_token_create(app=app, label="CI")
    return {
        "POLISE_REGISTRY": swarm.registry,
        "IMAGE_TAG": tag,
        "POLISE_URL": live_server.url,
        "POLISE_DEPLOY_TOKEN": token,
    }


def test_python_app_deploys_rolls_back_on_failing_health_check_and_rolls_back_by_hand(
    swarm, live_server, tmp_path
):
    name = "hello-py"
    repo = render(tmp_path, "python", name)
    env = deploy_env(swarm, live_server, name, "v1")
    image = f"{swarm.registry}/{name}"
    main = repo / "app" / "main.py"
    good = main.read_text()
    try:
        # v1: first deploy creates the service; the app answers through the published port.
        build_and_push(repo, f"{image}:v1")
        run = polise(
            "deploy", "-c", "docker-stack.yml", "-c", FAST, "--commit", "c1", cwd=repo, env=env
        )
        assert run.returncode == 0, run.stdout
        url = swarm.edge(name, f"tasks.{name}_web:8080", 18081)
        assert http_get(url + "/healthz") == (200, "ok")
        assert "Hello Py" in http_get(url + "/")[1]

        # v2: a good update.
        main.write_text(good.replace("<h1>Hello Py</h1>", "<h1>Hello Py v2</h1>"))
        build_and_push(repo, f"{image}:v2")
        run = polise("deploy", "-c", "docker-stack.yml", "-c", FAST, "--commit", "c2", cwd=repo,
                     env={**env, "IMAGE_TAG": "v2"})  # fmt: skip
        assert run.returncode == 0, run.stdout
        assert "Hello Py v2" in http_get(url + "/")[1]

        # A version whose health check fails: Swarm rolls it back, polise deploy says so.
        main.write_text(good.replace('    return "ok"', '    raise RuntimeError("broken")'))
        build_and_push(repo, f"{image}:bad")
        run = polise("deploy", "-c", "docker-stack.yml", "-c", FAST, "--commit", "c3", cwd=repo,
                     env={**env, "IMAGE_TAG": "bad"})  # fmt: skip
        assert run.returncode == 1, run.stdout
        assert "ROLLED_BACK" in run.stdout and "health check failed" in run.stdout
        assert "Hello Py v2" in http_get(url + "/")[1], "the old version must still answer"

        # An image the registry does not have: refused before Swarm is asked.
        run = polise("deploy", "-c", "docker-stack.yml", "-c", FAST, "--commit", "c4", cwd=repo,
                     env={**env, "IMAGE_TAG": "no-such-tag"})  # fmt: skip
        assert run.returncode == 1
        assert "image_not_found" in run.stdout and "no-such-tag" in run.stdout
        assert "Hello Py v2" in http_get(url + "/")[1]

        # polise rollback: back to the previous good image, v1, by its recorded digest.
        run = polise("rollback", "-c", "docker-stack.yml", "-c", FAST, cwd=repo, env=env)
        assert run.returncode == 0, run.stdout
        body = http_get(url + "/")[1]
        assert "Hello Py" in body and "v2" not in body
    finally:
        remove_stacks(name, f"edge-{name}")

    records = list(DeployRecord.objects.order_by("started_at"))
    assert [(r.kind, r.commit, r.result) for r in records] == [
        ("deploy", "c1", "succeeded"),
        ("deploy", "c2", "succeeded"),
        ("deploy", "c3", "rolled_back"),
        ("deploy", "c4", "failed"),
        ("rollback", "c1", "succeeded"),
    ]
    assert records[2].reason == "rolled_back:health_check_failed"
    assert records[3].reason == "image_not_found"
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", records[0].digest)
    assert records[4].digest == records[0].digest
    assert all(r.finished_at and r.finished_at >= r.started_at for r in records)


def test_static_site_deploys_and_answers(swarm, live_server, tmp_path):
    name = "hello-static"
    repo = render(tmp_path, "static", name)
    env = deploy_env(swarm, live_server, name, "v1")
    try:
        build_and_push(repo, f"{swarm.registry}/{name}:v1")
        run = polise(
            "deploy", "-c", "docker-stack.yml", "-c", FAST, "--commit", "s1", cwd=repo, env=env
        )
        assert run.returncode == 0, run.stdout
        url = swarm.edge(name, f"tasks.{name}_web:8080", 18082)
        assert http_get(url + "/healthz") == (200, "ok\n")
        status, body = http_get(url + "/")
        assert status == 200 and "<html" in body.lower()
    finally:
        remove_stacks(name, f"edge-{name}")
    record = DeployRecord.objects.get()
    assert (record.result, record.image) == ("succeeded", f"{swarm.registry}/{name}:v1")
