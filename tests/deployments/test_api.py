"""The deploy API: token auth, validation, idempotency, and the rollback target."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from polise.deployments import services, tokens
from polise.deployments.models import DeployRecord, DeployToken
from tests.factories import make_app

pytestmark = pytest.mark.django_db
RECORDS = "/api/deployments/records"
STACK = {
    "files": [{"name": "docker-stack.yml", "text": "services: {web: {image: x}}\n"}],
    "environment": {"IMAGE_TAG": "v1", "POLISE_SECRETS_DIR": None},
    "external": {"secrets": {"secret_key": "simpeg_secret_key_0123456789ab"}},
}
PREVIOUS = "/api/deployments/previous"
T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def payload(**fields):
    body = {
        "deploy_id": str(uuid.uuid4()),
        "app": "simpeg",
        "stack": "simpeg",
        "kind": "deploy",
        "commit": "a" * 40,
        "image": "registry.lan:5000/simpeg:abc",
        "digest": "sha256:" + "1" * 64,
        "images": {"web": "registry.lan:5000/simpeg:abc@sha256:" + "1" * 64},
        "started_at": T0.isoformat(),
        "finished_at": (T0 + timedelta(seconds=30)).isoformat(),
        "result": "succeeded",
        "reason": "",
        "message": "",
        "services": {"simpeg_web": "updated, 2/2 running"},
    }
    body.update(fields)
    return body


@pytest.fixture
def app():
    return make_app(slug="simpeg")


@pytest.fixture
def token(app):
    return services.deploy_token_create(app=app, label="GitHub Actions")[1]


def post(client, body, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(RECORDS, data=data, content_type="application/json", **headers)


def test_token_is_stored_hashed_and_shown_nowhere(app, token):
    stored = DeployToken.objects.get()
    assert token.startswith("pdt_") and token not in (stored.token_hash, stored.prefix)
    assert stored.token_hash == tokens.hash_token(token)
    assert services.deploy_token_authenticate(plaintext=token) == stored
    assert services.deploy_token_authenticate(plaintext=token[:-1] + "x") is None


def test_records_need_a_live_token(client, app, token):
    assert post(client, payload()).status_code == 401
    assert post(client, payload(), token="pdt_nothere00000_abc").status_code == 401
    services.deploy_token_revoke(token=DeployToken.objects.get())
    response = post(client, payload(), token=token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_records_only_its_own_app(client, token):
    make_app(slug="other")
    response = post(client, payload(app="other"), token=token)
    assert response.status_code == 403
    assert "simpeg" in response.json()["errors"]["app"]


def test_bad_input_is_a_400_naming_each_field(client, token):
    assert post(client, "{not json", token=token).json() == {"errors": {"body": "is not JSON"}}
    response = post(
        client,
        payload(deploy_id="nope", result="great", digest="md5:1", started_at="yesterday",
                images=["x"]),
        token=token,
    )  # fmt: skip
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {
        "deploy_id", "result", "digest", "started_at", "images",
    }  # fmt: skip
    missing_end = post(client, payload(finished_at=None), token=token)
    assert missing_end.status_code == 400 and "finished_at" in missing_end.json()["errors"]
    bad_stack = post(client, payload(resolved_stack={"files": []}), token=token)
    assert bad_stack.status_code == 400 and "resolved_stack" in bad_stack.json()["errors"]
    newer = post(client, payload(schema_version=99), token=token)
    assert "upgrade Polise" in newer.json()["errors"]["schema_version"]
    unknown_target = post(client, payload(schema_version=2, kind="rollback",
                                          rollback_of=str(uuid.uuid4())), token=token)  # fmt: skip
    assert "no deploy" in unknown_target.json()["errors"]["rollback_of"]
    assert DeployRecord.objects.count() == 0


def test_a_report_is_idempotent_on_its_deploy_id(client, token):
    body = payload(result="running", finished_at=None)
    first = post(client, body, token=token)
    assert first.status_code == 201
    assert post(client, body, token=token).status_code == 200
    finished = post(client, {**body, "result": "rolled_back", "reason": "rolled_back:oom_killed",
                             "finished_at": (T0 + timedelta(minutes=2)).isoformat()}, token=token)  # fmt: skip
    assert finished.status_code == 200
    again = post(client, {**body, "result": "rolled_back",
                          "finished_at": (T0 + timedelta(minutes=2)).isoformat()}, token=token)  # fmt: skip
    assert again.status_code == 200
    record = DeployRecord.objects.get()
    assert (record.result, record.reason) == ("rolled_back", "rolled_back:oom_killed")
    assert record.duration_seconds == 120
    conflict = post(client, {**body, "result": "succeeded",
                             "finished_at": T0.isoformat()}, token=token)  # fmt: skip
    assert conflict.status_code == 409
    assert DeployRecord.objects.get().result == "rolled_back"


def test_previous_good_image_skips_failures_and_the_live_image(client, token):
    def record(n, result, image, stack=STACK):
        ref = f"registry.lan:5000/simpeg:{image}@sha256:{image[-1] * 64}"
        body = payload(started_at=(T0 + timedelta(hours=n)).isoformat(),
                       finished_at=(T0 + timedelta(hours=n, minutes=1)).isoformat(),
                       result=result, commit=f"c{n}", images={"web": ref},
                       schema_version=2, resolved_stack=stack)  # fmt: skip
        assert post(client, body, token=token).status_code == 201
        return body["deploy_id"]

    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get(PREVIOUS, {"app": "simpeg"}, **auth).status_code == 404
    record(0, "succeeded", "v0", stack=None)  # recorded by an older polise: cannot be redeployed
    record(1, "succeeded", "v1")
    record(2, "succeeded", "v2")
    record(3, "rolled_back", "v3")
    live = record(4, "succeeded", "v2")  # the same image deployed again
    response = client.get(PREVIOUS, {"app": "simpeg"}, **auth)
    assert response.status_code == 200
    assert response.json()["commit"] == "c1"
    assert response.json()["resolved_stack"] == STACK
    assert client.get(PREVIOUS, {"app": "simpeg", "before": live}, **auth).json()["commit"] == "c1"
    assert client.get(PREVIOUS, {"app": "simpeg", "before": "x"}, **auth).status_code == 400
    assert client.get(PREVIOUS, {"app": "other"}, **auth).status_code == 403
    assert client.get(PREVIOUS, {"app": "simpeg"}).status_code == 401
    assert client.get(f"{RECORDS}/{live}", **auth).json()["commit"] == "c4"
    other_token = services.deploy_token_create(app=make_app(slug="other"), label="CI")[1]
    other = client.get(f"{RECORDS}/{live}", HTTP_AUTHORIZATION=f"Bearer {other_token}")
    assert other.status_code == 404  # another app's record is not there for this token


def test_admin_shows_a_new_token_once(admin_client, app):
    response = admin_client.post(
        "/admin/deployments/deploytoken/add/", {"app": app.pk, "label": "GitHub Actions"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    shown = response.context["plaintext"]
    assert shown in response.content.decode()
    stored = DeployToken.objects.get()
    assert stored.token_hash == tokens.hash_token(shown) and stored.created_by is not None
    listing = admin_client.get("/admin/deployments/deploytoken/").content.decode()
    assert shown not in listing and stored.prefix in listing


def test_admin_lists_records_read_only(admin_client, client, token):
    post(client, payload(), token=token)
    response = admin_client.get("/admin/deployments/deployrecord/")
    assert response.status_code == 200 and "aaaaaaaaaaaa" in response.content.decode()
    assert admin_client.get("/admin/deployments/deployrecord/add/").status_code == 403
