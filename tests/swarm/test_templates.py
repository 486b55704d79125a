"""Rendered template repos, built and deployed on the real swarm with `polise deploy`, broken
in the ways a release breaks, and rolled back with `polise rollback`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from polise.catalog.models import Technology
from polise.deployments.models import DeployRecord
from polise.deployments.services import deploy_token_create
from tests.factories import make_app
from tests.swarm.conftest import (
    HERE,
    build_and_push,
    derive_and_push,
    http_get,
    polise,
    remove_stacks,
    sh,
)

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


def service_image(service: str) -> str:
    return sh("docker", "service", "inspect", service, "--format",
              "{{.Spec.TaskTemplate.ContainerSpec.Image}}").stdout.strip()  # fmt: skip


def test_python_app_deploys_rolls_back_on_failing_health_check_and_rolls_back_by_hand(
    swarm, live_server, tmp_path
):
    # The repo's name stays the same from run to run, so its image build is cached; the stack
    # and the image tags carry this session's prefix.
    app, name = "hello-py", swarm.name("hello-py")
    repo = render(tmp_path, "python", app)
    tag = {v: f"{swarm.prefix}-{v}" for v in ("v1", "v2", "bad", "no-such-tag")}
    env = deploy_env(swarm, live_server, app, tag["v1"])
    image = f"{swarm.registry}/{app}"
    good = (repo / "app" / "main.py").read_text()
    deploy = ("deploy", "--stack", name, "-c", "docker-stack.yml", "-c", FAST)
    try:
        # v1: first deploy creates the service; the app answers through the published port.
        build_and_push(repo, f"{image}:{tag['v1']}", "-t", f"{image}:ci")
        run = polise(*deploy, "--commit", "c1", cwd=repo, env=env)
        assert run.returncode == 0, run.stdout
        url = swarm.edge(name, f"tasks.{name}_web:8080")
        assert http_get(url + "/healthz") == (200, "ok")
        title = re.search(r"<h1>(.*?)</h1>", http_get(url + "/")[1]).group(1)

        # v2: a good update.
        app_file = "/srv/app/main.py"
        v2_main = good.replace(f"<h1>{title}</h1>", f"<h1>{title} v2</h1>")
        derive_and_push(f"{image}:{tag['v1']}", f"{image}:{tag['v2']}", {app_file: v2_main},
                        tmp_path, "-t", f"{image}:ci-v2")  # fmt: skip
        run = polise(*deploy, "--commit", "c2", cwd=repo, env={**env, "IMAGE_TAG": tag["v2"]})
        assert run.returncode == 0, run.stdout
        assert f"{title} v2" in http_get(url + "/")[1]

        # A version whose health check fails: Swarm rolls it back, polise deploy says so.
        broken = good.replace('    return "ok"', '    raise RuntimeError("broken")')
        derive_and_push(f"{image}:{tag['v1']}", f"{image}:{tag['bad']}", {app_file: broken},
                        tmp_path, "-t", f"{image}:ci-bad")  # fmt: skip
        run = polise(*deploy, "--commit", "c3", cwd=repo, env={**env, "IMAGE_TAG": tag["bad"]})
        assert run.returncode == 1, run.stdout
        assert "ROLLED_BACK" in run.stdout and "health check failed" in run.stdout
        assert f"{title} v2" in http_get(url + "/")[1], "the old version must still answer"

        # An image the registry does not have: refused before Swarm is asked.
        missing = {**env, "IMAGE_TAG": tag["no-such-tag"]}
        run = polise(*deploy, "--commit", "c4", cwd=repo, env=missing)
        assert run.returncode == 1
        assert "image_not_found" in run.stdout and tag["no-such-tag"] in run.stdout
        assert f"{title} v2" in http_get(url + "/")[1]

        v1 = DeployRecord.objects.get(commit="c1")
        v2 = DeployRecord.objects.get(commit="c2")

        # polise rollback, with IMAGE_TAG naming the live version: back to v1 all the same,
        # the recorded stack with v1's digest, not whatever the environment says.
        run = polise("rollback", cwd=repo, env={**env, "IMAGE_TAG": tag["v2"]})
        assert run.returncode == 0, run.stdout
        assert f"back to deploy {v1.deploy_id}" in run.stdout
        body = http_get(url + "/")[1]
        assert title in body and "v2" not in body
        assert service_image(f"{name}_web").endswith(f"@{v1.digest}")

        # --to a given deploy, without IMAGE_TAG (nor the repo's files: the record is enough).
        run = polise("rollback", "--to", str(v2.deploy_id), cwd=tmp_path,
                     env={k: v for k, v in env.items() if k != "IMAGE_TAG"})  # fmt: skip
        assert run.returncode == 0, run.stdout
        assert service_image(f"{name}_web").endswith(f"@{v2.digest}")
        assert f"{title} v2" in http_get(url + "/")[1]

        # And plain `polise rollback` with IMAGE_TAG unset: back to v1 again.
        run = polise("rollback", cwd=repo, env={k: v for k, v in env.items() if k != "IMAGE_TAG"})
        assert run.returncode == 0, run.stdout
        assert service_image(f"{name}_web").endswith(f"@{v1.digest}")
        body = http_get(url + "/")[1]
        assert title in body and "v2" not in body
    finally:
        remove_stacks(name, f"edge-{name}")

    records = list(DeployRecord.objects.order_by("started_at"))
    assert [(r.kind, r.commit, r.result) for r in records] == [
        ("deploy", "c1", "succeeded"),
        ("deploy", "c2", "succeeded"),
        ("deploy", "c3", "rolled_back"),
        ("deploy", "c4", "failed"),
        ("rollback", "c1", "succeeded"),
        ("rollback", "c2", "succeeded"),
        ("rollback", "c1", "succeeded"),
    ]
    assert records[2].reason == "rolled_back:health_check_failed"
    assert records[3].reason == "image_not_found"
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", records[0].digest)
    assert [r.rollback_of for r in records[4:]] == [records[0], records[1], records[4]]
    assert records[4].digest == records[6].digest == records[0].digest
    assert all(r.finished_at and r.finished_at >= r.started_at for r in records)


def test_static_site_deploys_and_answers(swarm, live_server, tmp_path):
    app, name, tag = "hello-static", swarm.name("hello-static"), f"{swarm.prefix}-v1"
    repo = render(tmp_path, "static", app)
    env = deploy_env(swarm, live_server, app, tag)
    try:
        build_and_push(repo, f"{swarm.registry}/{app}:{tag}", "-t", f"{swarm.registry}/{app}:ci")
        run = polise("deploy", "--stack", name, "-c", "docker-stack.yml", "-c", FAST,
                     "--commit", "s1", cwd=repo, env=env)  # fmt: skip
        assert run.returncode == 0, run.stdout
        url = swarm.edge(name, f"tasks.{name}_web:8080")
        assert http_get(url + "/healthz") == (200, "ok\n")
        status, body = http_get(url + "/")
        assert status == 200 and "<html" in body.lower()
    finally:
        remove_stacks(name, f"edge-{name}")
    record = DeployRecord.objects.get()
    assert (record.result, record.image) == ("succeeded", f"{swarm.registry}/{app}:{tag}")


def test_a_task_killed_out_of_memory_is_named_so_with_the_limit(swarm, tmp_path):
    name = swarm.name("oom")
    image = f"{swarm.registry}/ci/busybox:1.36"
    sh("docker", "tag", "busybox:1.36", image)
    sh("docker", "push", "-q", image)
    stack = {
        "version": "3.9",
        "services": {"eat": {
            "image": image,
            # `tail` holds a whole line in memory: 100 MiB of zeros without a newline.
            "command": ["sh", "-c", "head -c 100m /dev/zero | tail"],
            "deploy": {"resources": {"limits": {"memory": "16M"}}},
        }},
    }  # fmt: skip
    (tmp_path / "docker-stack.yml").write_text(yaml.safe_dump(stack))
    try:
        run = polise("deploy", "--no-report", "--app", name, "-c", "docker-stack.yml",
                     cwd=tmp_path, env={})  # fmt: skip
    finally:
        remove_stacks(name)
    assert run.returncode == 1, run.stdout
    assert "FAILED (oom_killed)" in run.stdout
    assert "killed out of memory (exit 137); the service's memory limit is 16 MiB" in run.stdout
