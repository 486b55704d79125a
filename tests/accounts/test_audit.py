from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from polise.accounts.models import AuditEvent, User
from polise.catalog.models import AccessPolicy
from tests.factories import make_app, make_unit, make_user

pytestmark = pytest.mark.django_db


def test_prune_keeps_the_retention_window(settings, capsys):
    settings.AUDIT_RETENTION_DAYS = 30
    old = AuditEvent.objects.create(kind=AuditEvent.Kind.SIGN_IN, username="a")
    AuditEvent.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=31))
    recent = AuditEvent.objects.create(kind=AuditEvent.Kind.SIGN_IN, username="b")
    call_command("prune_audit_log")
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    assert "deleted 1 audit events" in capsys.readouterr().out


def test_the_access_policy_is_set_on_the_app_form_and_audited(client):
    admin = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)
    app = make_app(name="SIMPEG")
    unit = app.owner_unit
    response = client.post(
        f"/admin/catalog/app/{app.pk}/change/",
        {
            "name": app.name,
            "slug": app.slug,
            "summary": app.summary,
            "description": "",
            "url": app.url,
            "lifecycle": app.lifecycle,
            "repo": app.repo,
            "technology": app.technology,
            "usage_docs_path": app.usage_docs_path,
            "database_docs_path": app.database_docs_path,
            "placement": app.placement,
            "owner_unit": unit.pk,
            "access_policy-TOTAL_FORMS": "1",
            "access_policy-INITIAL_FORMS": "0",
            "access_policy-MIN_NUM_FORMS": "0",
            "access_policy-MAX_NUM_FORMS": "1",
            "access_policy-0-audience": AccessPolicy.Audience.LISTED,
            "access_policy-0-units": [unit.pk],
        },
    )
    assert response.status_code == 302, response.content[:2000]
    policy = AccessPolicy.objects.get(app=app)
    assert policy.audience == AccessPolicy.Audience.LISTED
    assert list(policy.units.all()) == [unit]
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.ADMIN_CHANGE, detail__action="changed")
    assert "SIMPEG" in event.target and event.user == admin
    assert event.detail["model"] == "catalog.app"
    assert event.detail["related"] == [{"added": "access policy"}]
    found = client.get("/admin/accounts/auditevent/", {"q": "SIMPEG"})
    assert found.status_code == 200 and "SIMPEG" in found.content.decode()
    # The log is evidence: no edits through the admin.
    assert client.post(f"/admin/accounts/auditevent/{event.pk}/delete/").status_code == 403


def test_admin_changes_to_oidc_clients_are_audited_without_the_secret(client):
    admin = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/sso/oidcclient/add/",
        {
            "name": "e-Kinerja",
            "client_id": "ekinerja",
            "client_type": "confidential",
            "authorization_grant_type": "authorization-code",
            "redirect_uris": "https://ekinerja.example.go.id/callback",
            "post_logout_redirect_uris": "",
            "skip_authorization": "on",
            "algorithm": "RS256",
            "polise_profile-TOTAL_FORMS": "1",
            "polise_profile-INITIAL_FORMS": "0",
            "polise_profile-MIN_NUM_FORMS": "0",
            "polise_profile-MAX_NUM_FORMS": "1",
            "polise_profile-0-app": "",
            "polise_profile-0-backchannel_logout_uri": "https://ekinerja.example.go.id/logout",
        },
    )
    assert response.status_code == 200, response.content.decode()[-2000:]
    secret = response.context["secret"]
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.ADMIN_CHANGE)
    assert event.target == "klien OIDC: e-Kinerja" and event.detail["action"] == "added"
    assert secret not in str(event.detail) and secret not in event.target

    rotated = client.post(f"/admin/sso/oidcclient/{response.context['original'].pk}/rotate-secret/")
    new_secret = rotated.context["secret"]
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.ADMIN_CHANGE).latest("pk")
    assert event.detail["action"] == "changed" and event.detail["fields"] == ["client secret"]
    assert new_secret not in str(event.detail)


def _admin_post(client, path, data):
    response = client.post(path, data)
    assert response.status_code == 302, response.content.decode()[-3000:]


def test_every_admin_add_change_and_delete_is_audited_with_who_what_and_fields(client):
    """Creating a user, changing an org unit's members and creating an app, as the platform
    team does them, each leave an audit event: no admin page has to remember to."""
    admin = make_user(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    _admin_post(
        client,
        "/admin/accounts/user/add/",
        {
            "username": "sari",
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
            "usable_password": "true",
            "developer-TOTAL_FORMS": "0",
            "developer-INITIAL_FORMS": "0",
            "developer-MIN_NUM_FORMS": "0",
            "developer-MAX_NUM_FORMS": "1",
        },
    )
    unit = make_unit(name="Diskominfo", slug="diskominfo")
    sari = User.objects.get(username="sari")
    _admin_post(
        client,
        f"/admin/accounts/orgunit/{unit.pk}/change/",
        {"slug": unit.slug, "name": unit.name, "kind": unit.kind, "members": [sari.pk]},
    )
    _admin_post(client, f"/admin/accounts/orgunit/{unit.pk}/delete/", {"post": "yes"})

    events = list(AuditEvent.objects.filter(kind=AuditEvent.Kind.ADMIN_CHANGE).order_by("pk"))
    assert [(e.target, e.detail["action"]) for e in events] == [
        ("pengguna: sari", "added"),
        ("unit kerja: Diskominfo", "changed"),
        ("unit kerja: Diskominfo", "deleted"),
    ]
    assert all(e.user == admin and e.username == "root" for e in events)
    assert events[1].detail["fields"] == ["Members"]
    assert "a-long-passphrase-9" not in str([e.detail for e in events])
