import hashlib
import hmac
import json
import uuid

import pytest

from polise.forge import webhooks
from polise.forge.models import Delivery, HookSecret
from polise.forge.webhooks import handles, signature_matches

SECRET = "global-hook-secret"


def test_signature_matches_githubs_documented_test_vector():
    header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert signature_matches("It's a Secret to Everybody", b"Hello, World!", header)
    assert not signature_matches("It's a Secret to Everybody", b"Hello, World?", header)
    assert not signature_matches("another secret", b"Hello, World!", header)
    assert not signature_matches(
        "It's a Secret to Everybody", b"Hello, World!", header.replace("sha256", "sha1")
    )
    assert not signature_matches("It's a Secret to Everybody", b"Hello, World!", "sha256=")


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def issues_payload(number: int = 7, action: str = "closed") -> dict:
    return {
        "action": action,
        "issue": {"number": number, "state": "closed", "title": "Tombol simpan tidak berfungsi"},
        "repository": {"full_name": "pemprov-demo/simpeg"},
    }


@pytest.fixture
def post(client, settings):
    settings.GITHUB_WEBHOOK_SECRET = SECRET

    def post(
        event: str,
        payload,
        *,
        delivery: str | None = None,
        signature: str | None = "auto",
        hook_id="",
        raw=None,
        content_type="application/json",
    ):
        body = raw if raw is not None else json.dumps(payload).encode()
        headers = {
            "HTTP_X_GITHUB_EVENT": event,
            "HTTP_X_GITHUB_DELIVERY": delivery or str(uuid.uuid4()),
        }
        if signature == "auto":
            headers["HTTP_X_HUB_SIGNATURE_256"] = sign(body)
        elif signature is not None:
            headers["HTTP_X_HUB_SIGNATURE_256"] = signature
        if hook_id:
            headers["HTTP_X_GITHUB_HOOK_ID"] = hook_id
        return client.generic("POST", "/hooks/github", body, content_type=content_type, **headers)

    return post


@pytest.fixture
def issue_events():
    """Subscribe a recording handler to `issues` for one test."""
    seen: list[int] = []

    def record(delivery: Delivery) -> str:
        seen.append(delivery.payload["issue"]["number"])
        return "recorded"

    handles("issues")(record)
    yield seen
    webhooks._handlers["issues"].remove(record)


@pytest.mark.django_db(transaction=True)
def test_a_signed_delivery_is_stored_answered_and_processed_in_a_job(post, issue_events, run_jobs):
    response = post("issues", issues_payload(number=7), delivery="d-1")
    assert response.status_code == 202
    delivery = Delivery.objects.get(delivery_id="d-1")
    assert (delivery.event, delivery.action, delivery.repo) == (
        "issues",
        "closed",
        "pemprov-demo/simpeg",
    )
    assert issue_events == []  # nothing ran inside the request
    run_jobs()
    assert issue_events == [7]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PROCESSED
    assert "recorded" in delivery.outcome


@pytest.mark.django_db(transaction=True)
def test_a_redelivery_is_acknowledged_but_processed_once(post, issue_events, run_jobs):
    assert post("issues", issues_payload(), delivery="same").status_code == 202
    again = post("issues", issues_payload(), delivery="same")
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    run_jobs()
    assert issue_events == [7]
    assert Delivery.objects.get().redeliveries == 1


@pytest.mark.django_db
def test_a_push_is_stored_with_the_paths_each_commit_touched_and_not_its_text(post):
    person = {"name": "Ayu", "email": "ayu@example.go.id", "username": "ayu"}
    commit = {
        "id": "a" * 40,
        "distinct": True,
        "message": "feat: laporan bulanan\n\nPanjang sekali.",
        "author": person,
        "committer": person,
        "url": "https://github.com/pemprov-demo/simpeg/commit/" + "a" * 40,
        "added": ["polise.yaml"],
        "removed": [],
        "modified": ["src/app.py"],
    }
    push = {
        "ref": "refs/heads/main",
        "before": "0" * 40,
        "after": "a" * 40,
        "commits": [commit],
        "head_commit": commit,
        "repository": {"full_name": "pemprov-demo/simpeg", "default_branch": "main"},
    }
    assert post("push", push, delivery="p-1").status_code == 202
    stored = Delivery.objects.get(delivery_id="p-1").payload
    assert stored["commits"] == [
        {"id": "a" * 40, "distinct": True, "added": ["polise.yaml"], "removed": [],
         "modified": ["src/app.py"]}
    ]  # fmt: skip
    assert {key: stored[key] for key in ("ref", "before", "after", "repository")} == {
        key: push[key] for key in ("ref", "before", "after", "repository")
    }


@pytest.mark.django_db
def test_ping_is_answered(post):
    response = post("ping", {"zen": "Keep it logically awesome.", "hook_id": 12})
    assert response.status_code == 200
    assert response.json() == {"status": "pong", "zen": "Keep it logically awesome."}
    assert Delivery.objects.get().status == Delivery.Status.PROCESSED


@pytest.mark.django_db
def test_an_event_nobody_handles_is_stored_as_ignored(post):
    assert (
        post("star", {"action": "created", "repository": {"full_name": "a/b"}}).status_code == 202
    )
    assert Delivery.objects.get().status == Delivery.Status.IGNORED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"signature": None}, 401, "missing X-Hub-Signature-256"),
        ({"signature": "sha256=" + "0" * 64}, 403, "signature does not match"),
        ({"signature": "sha1=abc"}, 403, "signature does not match"),
        ({"raw": b"{not json", "signature": "auto"}, 400, "malformed JSON"),
        ({"raw": b"[1, 2]"}, 400, "not a JSON object"),
        ({"content_type": "application/x-www-form-urlencoded"}, 400, "application/json"),
    ],
)
def test_bad_deliveries_are_refused_with_a_clear_message(post, kwargs, status, message):
    response = post("issues", issues_payload(), **kwargs)
    assert response.status_code == status
    assert message in response.json()["error"]
    assert not Delivery.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("event", "payload", "message"),
    [
        (
            "issues",
            {"action": "closed", "repository": {"full_name": "a/b"}},
            "missing issue.number",
        ),
        (
            "issues",
            {
                "action": "closed",
                "issue": {"number": "7", "state": "open"},
                "repository": {"full_name": "a/b"},
            },
            "issue.number has the wrong type",
        ),
        ("push", {"ref": "refs/heads/main", "repository": {"full_name": "a/b"}}, "missing before"),
        (
            "issue_comment",
            {"action": "created", "issue": {"number": 1}, "repository": {"full_name": "a/b"}},
            "missing comment.id",
        ),
    ],
)
def test_an_unknown_event_shape_is_refused(post, event, payload, message):
    response = post(event, payload)
    assert response.status_code == 400
    assert message in response.json()["error"]


@pytest.mark.django_db
def test_a_body_over_25_mb_is_refused_before_reading(client, settings):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    response = client.generic(
        "POST",
        "/hooks/github",
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(25 * 1024 * 1024 + 1),
        HTTP_X_GITHUB_EVENT="push",
        HTTP_X_GITHUB_DELIVERY="big",
    )
    assert response.status_code == 413


@pytest.mark.django_db
def test_without_any_secret_every_delivery_is_refused(post, settings):
    settings.GITHUB_WEBHOOK_SECRET = None
    response = post("issues", issues_payload())
    assert response.status_code == 403
    assert "no webhook secret" in response.json()["error"]


@pytest.mark.django_db
def test_a_per_repo_secret_takes_precedence_over_the_global_one(post):
    HookSecret.objects.create(hook_id="4242", repo="pemprov-demo/simpeg", secret="repo-secret")
    body = json.dumps(issues_payload()).encode()
    signed_by_repo = sign(body, "repo-secret")
    assert (
        post("issues", None, raw=body, signature=signed_by_repo, hook_id="4242").status_code == 202
    )
    # The global secret no longer opens this hook's door.
    assert post("issues", None, raw=body, signature=sign(body), hook_id="4242").status_code == 403
    # Other hooks still use the global secret.
    assert post("issues", None, raw=body, signature=sign(body), hook_id="9").status_code == 202


def test_the_endpoint_accepts_only_post(client):
    assert client.get("/hooks/github").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_a_delivery_whose_job_was_lost_is_queued_again_by_the_sweep(
    post, issue_events, run_jobs, settings
):
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from polise.core.jobs import jobs_sweep

    post("issues", issues_payload(number=8), delivery="lost")
    DBTaskResult.objects.all().delete()  # the web process died before its job was queued
    assert jobs_sweep()["webhook deliveries"] == 0
    later = timezone.now() + timedelta(seconds=settings.JOBS_LEASE_SECONDS + 1)
    assert jobs_sweep(now=later)["webhook deliveries"] == 1
    assert jobs_sweep(now=later)["webhook deliveries"] == 0
    run_jobs()
    assert issue_events == [8]
    assert Delivery.objects.get().status == Delivery.Status.PROCESSED
