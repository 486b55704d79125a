from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from polise.accounts.models import AuditEvent
from polise.catalog.models import AccessPolicy
from tests.factories import make_app, make_user

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
    event = AuditEvent.objects.get(
        kind=AuditEvent.Kind.ADMIN_CHANGE, detail__action="changed", detail__related__isnull=False
    )
    assert "SIMPEG" in event.target and event.user == admin
    assert event.detail["related"] == ["catalog.accesspolicy"]
    found = client.get("/admin/accounts/auditevent/", {"q": "SIMPEG"})
    assert found.status_code == 200 and "SIMPEG" in found.content.decode()
    # The log is evidence: no edits through the admin.
    assert client.post(f"/admin/accounts/auditevent/{event.pk}/delete/").status_code == 403


def test_admin_changes_to_oidc_clients_are_audited(client):
    admin = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/oauth2_provider/application/add/",
        {
            "name": "e-Kinerja",
            "client_id": "ekinerja",
            "client_secret": "x" * 40,
            "client_type": "confidential",
            "authorization_grant_type": "authorization-code",
            "redirect_uris": "https://ekinerja.example.go.id/callback",
            "post_logout_redirect_uris": "",
            "skip_authorization": "on",
            "algorithm": "RS256",
            "hash_client_secret": "on",
            "polise_profile-TOTAL_FORMS": "1",
            "polise_profile-INITIAL_FORMS": "0",
            "polise_profile-MIN_NUM_FORMS": "0",
            "polise_profile-MAX_NUM_FORMS": "1",
            "polise_profile-0-app": "",
            "polise_profile-0-backchannel_logout_uri": "https://ekinerja.example.go.id/logout",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    targets = list(
        AuditEvent.objects.filter(kind=AuditEvent.Kind.ADMIN_CHANGE).values_list(
            "target", flat=True
        )
    )
    assert any("e-Kinerja" in t for t in targets)
