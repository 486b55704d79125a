"""Onboarding end to end against the contract-checked GitHub fake, the real PostgreSQL server
and object storage (moto + the MinIO admin stand-in): every step exactly once, also after a
failure and a retry; the same onboarding twice changes nothing."""

from __future__ import annotations

import base64

import pytest
import yaml
from nacl.public import SealedBox

from polise.catalog.models import App
from polise.deployments.services import deploy_token_authenticate
from polise.forge.models import HookSecret, Write
from polise.onboarding import databases, objectstore, services
from polise.onboarding.models import Onboarding, ProvisionedDatabase, Step
from polise.onboarding.spec import OnboardingInvalid, parse

from .conftest import request_data

pytestmark = pytest.mark.django_db(transaction=True)


def statuses(onboarding: Onboarding) -> dict[str, str]:
    return dict(onboarding.steps.values_list("name", "status"))


def test_an_app_is_onboarded_with_every_step_done_once(
    org, unit, app_name, postgres, object_storage, drain_jobs
):
    request = parse(request_data(app_name, databases=["postgresql"], bucket=True))

    onboarding, created = services.onboarding_start(request=request)
    drain_jobs()

    assert created
    assert set(statuses(onboarding).values()) == {"done", "skipped"}
    assert statuses(onboarding)["vulnerability_reporting"] == "skipped"  # a private repo
    repo = org.state.repo("diskominfo", app_name)
    # 1. the repository, the rendered template as its one commit
    head = repo.head()
    assert head.parents == []
    catalog_file = yaml.safe_load(head.files["polise.yaml"])
    assert catalog_file["name"] == app_name and catalog_file["framework"] == "django"
    assert b"DATABASE_PASSWORD" in head.files[".github/workflows/deploy.yml"]
    # 2. collaborators with their permissions
    assert repo.collaborators == {
        "budi-dev": "push",
        "sari-vendor": "push",
        "citra-lead": "maintain",
    }
    # 3. secrets sealed for the repo; the deploy token works against Polise's deploy API
    token = repo.secrets["POLISE_DEPLOY_TOKEN"].value.decode()
    assert deploy_token_authenticate(plaintext=token).app.slug == app_name
    assert set(repo.secrets) == {
        "POLISE_DEPLOY_TOKEN",
        "APP_SECRET_KEY",
        "DATABASE_PASSWORD",
        "S3_SECRET_KEY",
    }
    assert repo.variables["POLISE_REGISTRY"].value == "registry.lan:5000"
    # 4. the webhook, with its own secret that Polise keeps to check deliveries
    [hook] = repo.hooks.values()
    assert hook.config["url"] == "https://polise.apps.lan/hooks/github"
    assert HookSecret.objects.get(hook_id=str(hook.id)).secret == hook.config["secret"]
    # 5. the default branch protected
    assert repo.protections["main"]["allow_force_pushes"] is False
    # 7. the database, reachable with the delivered password
    password = repo.secrets["DATABASE_PASSWORD"].value.decode()
    name = app_name.replace("-", "_")
    postgres.append(databases.Target("postgresql", name, name, app_name))
    import psycopg

    from tests.onboarding.test_databases import _connect_as

    conn = _connect_as(
        "postgresql", services.settings.PROVISION_POSTGRES_URL,
        user=name, password=password, database=name,
    )  # fmt: skip
    conn.close()
    assert (
        ProvisionedDatabase.objects.get(name=name).delivered_as
        == "Actions secret DATABASE_PASSWORD"
    )
    assert psycopg  # the real driver connected above
    # ... and the bucket, with a key for it alone
    assert objectstore.s3_client(services.storage_config()).bucket_exists(app_name)
    user = object_storage.users[app_name]
    assert user["secret_key"] == repo.secrets["S3_SECRET_KEY"].value.decode()
    # the catalog entry
    app = App.objects.get(slug=app_name)
    assert app.repo == f"diskominfo/{app_name}" and app.owner_unit == unit
    # exactly once
    assert org.state.created.get("repo") == 1
    assert org.state.created.get("hook") == 1
    assert org.state.created.get("git_commit") == 1


def test_onboarding_the_same_app_again_changes_nothing(org, unit, app_name, drain_jobs):
    request = parse(request_data(app_name))
    first, _ = services.onboarding_start(request=request)
    drain_jobs()
    requests_before = len(org.requests)
    writes_before = Write.objects.count()

    again, created = services.onboarding_start(request=request)
    drain_jobs()

    assert (again.pk, created) == (first.pk, False)
    assert Write.objects.count() == writes_before
    assert len(org.requests) == requests_before
    with pytest.raises(OnboardingInvalid, match="other settings"):
        services.onboarding_start(request=parse(request_data(app_name, title="Lain")))


def test_an_unknown_login_fails_its_step_and_a_retry_repeats_only_that_step(
    org, unit, app_name, drain_jobs
):
    org.state.unknown_logins.add("sari-vendor")
    onboarding, _ = services.onboarding_start(request=parse(request_data(app_name)))
    drain_jobs()

    step = onboarding.steps.get(name="collaborators")
    assert step.status == "failed"
    assert "no user 'sari-vendor'" in step.detail
    assert statuses(onboarding)["repo"] == "done"
    assert statuses(onboarding)["webhook"] == "pending"  # later steps wait
    repo = org.state.repo("diskominfo", app_name)
    assert set(repo.collaborators) == {"budi-dev", "citra-lead"}

    org.state.unknown_logins.clear()  # the vendor made the account
    assert services.step_retry(step=step)
    drain_jobs()

    assert set(statuses(onboarding).values()) == {"done", "skipped"}
    assert set(repo.collaborators) == {"budi-dev", "sari-vendor", "citra-lead"}
    assert org.state.created.get("repo") == 1  # the repository was not made again
    assert len(org.requests_to("PUT", r"/collaborators/budi-dev$")) == 1
    assert len(org.requests_to("PUT", r"/collaborators/sari-vendor$")) == 2


def test_github_down_halfway_the_writes_wait_and_finish_once(org, unit, app_name, drain_jobs):
    org.fail_next(times=3, status=502, path=r"/hooks$")
    org.fail_next(times=2, status=503, path=r"/git/commits$")
    onboarding, _ = services.onboarding_start(request=parse(request_data(app_name)))

    drain_jobs()

    assert set(statuses(onboarding).values()) == {"done", "skipped"}
    repo = org.state.repo("diskominfo", app_name)
    assert len(repo.hooks) == 1
    assert org.state.created.get("repo") == 1


def test_a_repository_someone_else_made_is_not_taken_over(org, unit, app_name, drain_jobs):
    org.add_repo("diskominfo", app_name, files={"README.md": "theirs\n"})
    onboarding, _ = services.onboarding_start(request=parse(request_data(app_name)))
    drain_jobs()

    step = onboarding.steps.get(name="repo")
    assert step.status == "failed"
    assert "already exists on GitHub" in step.detail
    assert org.state.repo("diskominfo", app_name).head().files == {"README.md": b"theirs\n"}
    assert statuses(onboarding)["collaborators"] == "pending"


def test_pending_invitations_are_shown_until_accepted(org, unit, app_name, drain_jobs):
    org.auto_accept_invitations = False
    try:
        onboarding, _ = services.onboarding_start(request=parse(request_data(app_name)))
        drain_jobs()
    finally:
        org.auto_accept_invitations = True
    from polise.onboarding.selectors import collaborators_of

    assert {c.login: c.pending for c in collaborators_of(onboarding=onboarding)} == {
        "budi-dev": True,
        "sari-vendor": True,
        "citra-lead": True,
    }
    org.state.accept_invitation("diskominfo", app_name, "budi-dev")
    services.invitations_refresh(onboarding=onboarding)
    assert {c.login: c.pending for c in collaborators_of(onboarding=onboarding)}[
        "budi-dev"
    ] is False


def test_bad_requests_name_each_field():
    with pytest.raises(OnboardingInvalid) as caught:
        parse(
            {
                "name": "Bad Name",
                "title": "",
                "summary": "x",
                "owner_unit": "nowhere",
                "technology": "cobol",
                "template_options": {"colour": "blue"},
                "developers": ["not a login!"],
                "databases": ["oracle"],
            }
        )
    errors = caught.value.errors
    assert {"name", "title", "owner_unit", "technology", "template_options", "developers",
            "databases"} <= set(errors)  # fmt: skip
    assert "no option 'colour'" in errors["template_options"]


def test_an_unknown_template_choice_is_refused(unit):
    with pytest.raises(OnboardingInvalid) as caught:
        parse(request_data("simpeg", template_options={"framework": "flask"}))
    assert "framework must be one of: fastapi, django" in caught.value.errors["template_options"]


def test_sealed_secrets_never_wait_in_the_outbox_as_plaintext(org, unit, app_name, drain_jobs):
    onboarding, _ = services.onboarding_start(request=parse(request_data(app_name)))
    drain_jobs()
    repo = org.state.repo("diskominfo", app_name)
    token = repo.secrets["POLISE_DEPLOY_TOKEN"].value.decode()
    for write in Write.objects.filter(kind="set_actions_secret"):
        assert token not in str(write.payload)
        sealed = base64.b64decode(write.payload["encrypted_value"])
        assert len(sealed) > 48  # a sealed box: ephemeral key + MAC + ciphertext
    assert SealedBox  # libsodium's sealed boxes, opened by the fake with the repo's key
    assert Step.objects.filter(onboarding=onboarding, status="failed").count() == 0


def test_an_accepted_invitation_arrives_as_a_member_event(
    client, settings, org, unit, app_name, drain_jobs
):
    import hashlib
    import hmac
    import json
    import uuid

    from polise.onboarding.selectors import collaborators_of

    org.auto_accept_invitations = False
    try:
        onboarding, _ = services.onboarding_start(request=parse(request_data(app_name)))
        drain_jobs()
    finally:
        org.auto_accept_invitations = True
    settings.GITHUB_WEBHOOK_SECRET = "member-secret"
    body = json.dumps(
        {
            "action": "added",
            "member": {"login": "sari-vendor"},
            "repository": {"full_name": f"diskominfo/{app_name}"},
        }
    ).encode()
    signature = hmac.new(b"member-secret", body, hashlib.sha256).hexdigest()

    response = client.generic(
        "POST", "/hooks/github", body, content_type="application/json",
        HTTP_X_GITHUB_EVENT="member", HTTP_X_GITHUB_DELIVERY=str(uuid.uuid4()),
        HTTP_X_HUB_SIGNATURE_256=f"sha256={signature}",
    )  # fmt: skip
    drain_jobs()

    assert response.status_code in (200, 202)
    pending = {c.login: c.pending for c in collaborators_of(onboarding=onboarding)}
    assert pending == {"budi-dev": True, "sari-vendor": False, "citra-lead": True}


def test_a_step_left_by_a_killed_worker_is_taken_up_by_the_sweep(org, unit, app_name, drain_jobs):
    """The worker died after claiming the first step, before planning its writes, and its
    job row is gone: the sweep puts the step back in line and the onboarding finishes."""
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from polise.core.jobs import jobs_sweep

    onboarding, _ = services.onboarding_start(request=parse(request_data(app_name)))
    DBTaskResult.objects.all().delete()  # the lost job
    first = onboarding.steps.order_by("position").first()
    long_ago = timezone.now() - timedelta(hours=1)
    Step.objects.filter(pk=first.pk).update(status=Step.Status.RUNNING, started_at=long_ago)
    Step.objects.filter(onboarding=onboarding).update(updated_at=long_ago)
    drain_jobs()
    assert statuses(onboarding)[first.name] == "running"  # nothing else would move it

    counts = jobs_sweep()
    assert counts["onboarding steps"] == 1
    assert jobs_sweep()["onboarding steps"] == 0  # the job is queued once, not every sweep
    drain_jobs()
    assert set(statuses(onboarding).values()) <= {"done", "skipped"}
    assert org.state.repo("diskominfo", app_name).head().parents == []
