"""The convergence rules of `polise deploy`, on Engine API objects as Swarm returns them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from polise.gitops.deploy.stack import StackError, load_stack, pin_images
from polise.gitops.deploy.watch import (
    Baseline,
    classify_task_failure,
    judge,
    runs_key,
    timeout_for,
)

S = 1_000_000_000


def service(version=10, state=None, started="t1", replicas=2, **spec):
    svc = {
        "ID": "svc1",
        "Version": {"Index": version},
        "Spec": {
            "Name": "app_web",
            "Mode": {"Replicated": {"Replicas": replicas}},
            "UpdateConfig": {"FailureAction": "rollback", "Parallelism": 1, "Monitor": 60 * S},
            "TaskTemplate": {"RestartPolicy": {"Condition": "any"}},
            **spec,
        },
        "ServiceStatus": {"DesiredTasks": replicas},
    }
    if state:
        svc["UpdateStatus"] = {"State": state, "StartedAt": started, "Message": state}
    return svc


def task(id, state, desired="running", err="", exit_code=0):
    return {"ID": id, "ServiceID": "svc1", "Slot": 1, "DesiredState": desired,
            "Status": {"State": state, "Err": err,
                       "ContainerStatus": {"ContainerID": f"c-{id}", "ExitCode": exit_code}}}  # fmt: skip


OLD = Baseline(service_id="svc1", version=9, update_started="t0", task_ids=frozenset({"o1", "o2"}))


def test_rolled_back_update_is_a_failure_even_though_all_tasks_run():
    # docker/cli #6752: after a rollback the old tasks run again, 2/2, and it looks converged.
    tasks = [task("o1", "running"), task("o2", "running"), task("n1", "complete", "shutdown")]
    verdict = judge(service(state="rollback_completed"), tasks, OLD)
    assert verdict.status == "failed"
    assert verdict.reason == "rolled_back:task_exited"


def test_health_check_cause_comes_from_the_container():
    def inspect(container_id):
        return {"State": {"Health": {"Status": "unhealthy", "Log": [{"Output": "HTTP 500\n"}]}}}

    tasks = [task("o1", "running"), task("n1", "complete", "shutdown")]
    verdict = judge(service(state="rollback_started"), tasks, OLD, inspect=inspect)
    assert verdict.status == "pending" and "health check failed: HTTP 500" in verdict.progress


@pytest.mark.parametrize(
    ("state", "err", "exit_code", "reason"),
    [
        ("rejected", "No such image: registry.lan:5000/x:1", 0, "image_pull_failed"),
        ("failed", "task: non-zero exit (137)", 137, "oom_killed"),
        ("rejected", "invalid mount config", 0, "task_rejected"),
        ("failed", "task: non-zero exit (3)", 3, "task_failed"),
    ],
)
def test_task_failures_are_classified(state, err, exit_code, reason):
    assert classify_task_failure(task("n1", state, err=err, exit_code=exit_code)).reason == reason


def test_paused_update_fails():
    verdict = judge(service(state="paused"), [task("n1", "failed", err="x", exit_code=1)], OLD)  # fmt: skip
    assert (verdict.status, verdict.reason) == ("failed", "task_failed")


def test_completed_update_needs_desired_running():
    tasks = [task("n1", "running"), task("n2", "starting")]
    assert judge(service(state="completed"), tasks, OLD).status == "pending"
    tasks[1] = task("n2", "running")
    assert judge(service(state="completed"), tasks, OLD).status == "ok"


def test_a_stale_update_status_from_an_earlier_deploy_is_not_this_deploys():
    stale = Baseline(
        service_id="svc1", version=9, update_started="t1", task_ids=frozenset({"o1", "o2"})
    )
    tasks = [task("o1", "running"), task("o2", "running")]
    # What the tasks run changed: Swarm's own update must come, however long it takes.
    verdict = judge(service(state="completed", started="t1"), tasks, stale)
    assert verdict.status == "pending" and "waiting for Swarm" in verdict.progress
    # Nothing the tasks run changed (a label, say): no update will come, and none is needed.
    same = Baseline(service_id="svc1", version=9, update_started="t1",
                    task_ids=frozenset({"o1", "o2"}), runs=runs_key(service()))  # fmt: skip
    assert judge(service(state="completed", started="t1"), tasks, same).status == "ok"


def test_old_failed_tasks_are_ignored_and_unchanged_services_pass():
    tasks = [
        task("o1", "failed", err="old", exit_code=1),
        task("o2", "running"),
        task("n1", "running"),
    ]
    assert judge(service(state="updating"), tasks, OLD).status == "pending"
    unchanged = Baseline(service_id="svc1", version=10, update_started=None, task_ids=frozenset())
    assert judge(service(), [], unchanged).changed is False


def test_new_service_and_one_shot():
    assert judge(service(), [task("n1", "running"), task("n2", "running")], None).status == "ok"
    failed = judge(service(), [task("n1", "rejected", err="No such image: x")], None)
    assert (failed.status, failed.reason) == ("failed", "image_pull_failed")
    once = service(replicas=1, TaskTemplate={"RestartPolicy": {"Condition": "none"}})
    assert judge(once, [task("n1", "running")], None).status == "pending"
    assert judge(once, [task("n1", "complete", "shutdown")], None).status == "ok"
    assert judge(once, [task("n1", "failed", exit_code=1)], None).status == "failed"


def test_timeout_comes_from_update_and_rollback_settings():
    svc = service(
        replicas=2,
        UpdateConfig={"FailureAction": "rollback", "Parallelism": 1, "Monitor": 60 * S, "Delay": 10 * S},
        RollbackConfig={"Parallelism": 1, "Monitor": 60 * S},
        TaskTemplate={"ContainerSpec": {"Healthcheck": {
            "Test": ["CMD", "true"], "Interval": 10 * S, "Retries": 3, "StartPeriod": 20 * S}}},
    )  # fmt: skip
    # Update: 2 batches x (60 start + 50 health + 60 monitor + 10 delay); rollback: 2 x 170.
    assert timeout_for([svc]).seconds == 2 * 180 + 2 * 170


def test_stack_hashes_secrets_and_pins_images(tmp_path: Path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "key").write_text("hunter2")
    (tmp_path / "docker-stack.yml").write_text(
        "services:\n  web:\n    image: ${POLISE_REGISTRY}/app:${IMAGE_TAG}\n"
        "secrets:\n  key:\n    name: app_key_${POLISE_HASH_KEY:?x}\n    file: ./s/key\n"
    )
    (tmp_path / "o.yml").write_text("services:\n  web:\n    image: r/app:override\n")
    env = {"POLISE_REGISTRY": "r", "IMAGE_TAG": "v1"}
    stack = load_stack([tmp_path / "docker-stack.yml"], env)
    assert stack.environ["POLISE_HASH_KEY"] == hashlib.sha256(b"hunter2").hexdigest()[:12]
    assert stack.images == {"web": "r/app:v1"}
    assert load_stack([tmp_path / "docker-stack.yml", tmp_path / "o.yml"], env).images == {
        "web": "r/app:override"
    }
    pin_images(stack, lambda ref: "sha256:" + "a" * 64)
    assert stack.pinned == {"web": "r/app:v1@sha256:" + "a" * 64}
    assert "r/app:v1@sha256:" in stack.override_yaml()
    (tmp_path / "s" / "key").unlink()
    with pytest.raises(StackError) as missing:
        load_stack([tmp_path / "docker-stack.yml"], env)
    assert missing.value.reason == "secret_missing"
