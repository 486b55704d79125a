"""The platform team's side in the admin: unmapped identities listed and assigned (the
assignment counts for past commits at once), the formula's weights, syncs read-only."""

from __future__ import annotations

from datetime import date

import pytest

from polise.contributions.models import DailyContribution, Identity, Weights
from polise.contributions.selectors import app_figures, period_for
from tests.factories import make_app, make_developer, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = make_user(username="platform", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_unmapped_identities_are_listed_and_assigned(client, staff):
    app = make_app(slug="simpeg")
    linked = make_developer(github_login="ayu-l", emails=("ayu@example.go.id",))
    jose = make_developer(github_login="jose-m")
    for email in ("ayu@example.go.id", "jose@laptop.local"):
        identity = Identity.objects.create(email=email, name=email.split("@")[0])
        DailyContribution.objects.create(
            app=app, identity=identity, day=date(2026, 3, 1), authored=2
        )
    listing = client.get("/admin/contributions/identity/?linked=no").content.decode()
    assert "jose@laptop.local" in listing and "ayu@example.go.id" not in listing
    identity = Identity.objects.get(email="jose@laptop.local")
    response = client.post(
        f"/admin/contributions/identity/{identity.pk}/change/", {"developer": jose.pk}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    identity.refresh_from_db()
    assert identity.developer == jose
    rows = app_figures(app=app, period=period_for("all", date(2026, 3, 1)))
    assert {row.developer for row in rows} == {linked, jose}
    client.get("/admin/contributions/identity/")  # shows (and uses up) the "changed" message
    assert (
        "jose@laptop.local"
        not in client.get("/admin/contributions/identity/?linked=no").content.decode()
    )


def test_the_platform_team_sets_the_weights(client, staff):
    response = client.post(
        "/admin/contributions/weights/add/",
        {"commits": "1", "code": "1", "usage_docs": "3", "database_docs": "3", "tests": "1",
         "excluded": "0", "prs_opened": "1", "prs_merged": "1", "reviews": "2"},
    )  # fmt: skip
    assert response.status_code == 302
    weights = Weights.objects.get()
    assert weights.usage_docs == 3 and weights.updated_by == staff
    assert client.get("/admin/contributions/weights/add/").status_code == 403  # one row only
