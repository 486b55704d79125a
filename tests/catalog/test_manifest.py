"""Catalog-as-code: polise.yaml applied whole, or not at all, and the admin shows what it set."""

from __future__ import annotations

import pytest
import yaml

from polise.accounts.models import User
from polise.catalog.manifest import REPO_FIELDS, app_apply_manifest
from tests.factories import make_app, make_developer, make_unit

pytestmark = pytest.mark.django_db


def manifest(**overrides) -> str:
    data = {
        "schema_version": 1,
        "name": "simpeg",
        "title": "SIMPEG 2",
        "summary": "Data kepegawaian, versi baru.",
        "url": "https://simpeg.apps.lan",
        "technology": "python",
        "framework": "django",
        "lifecycle": "active",
        "owners": {"team": "bkd", "github": ["@citra-lead", "@diskominfo/tim-aplikasi"]},
        "docs": {"usage": "docs/panduan", "database": "docs/database"},
        "placement": "dedicated",
        "sso": "oidc",
        "databases": [],
        "news": {"types": ["feat", "fix"], "skip_marker": "[no-news]"},
    }
    data.update(overrides)
    return yaml.safe_dump(data)


@pytest.fixture
def app():
    make_unit(slug="bkd", name="BKD")
    return make_app(slug="simpeg", name="SIMPEG", summary="Lama.")


def test_a_valid_file_sets_the_entry_and_marks_its_fields(app):
    citra = make_developer(github_login="citra-lead").user

    outcome = app_apply_manifest(app=app, text=manifest(), commit="a" * 40)

    assert outcome.applied and not outcome.problems
    app.refresh_from_db()
    assert (app.name, app.summary, app.placement) == (
        "SIMPEG 2",
        "Data kepegawaian, versi baru.",
        "dedicated",
    )
    assert app.owner_unit.slug == "bkd"
    assert app.usage_docs_path == "docs/panduan"
    assert app.news_rules == {"types": ["feat", "fix"], "skip_marker": "[no-news]"}
    assert list(app.owners.all()) == [citra]
    assert app.repo_fields == list(REPO_FIELDS)
    assert app.manifest_commit == "a" * 40
    again = app_apply_manifest(app=app, text=manifest(), commit="a" * 40)
    assert again.applied and again.changed == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name: [unclosed", "not valid YAML"),
        (manifest(placement="everywhere"), "placement: 'everywhere' is not one of"),
        (manifest(name="other-app"), "belongs to the app 'simpeg'"),
        (manifest(owners={"team": "nobody"}), "no org unit 'nobody'"),
        (manifest(colour="blue"), "Additional properties are not allowed"),
    ],
)
def test_an_invalid_file_leaves_the_entry_as_it_was(app, text, problem):
    before = (app.name, app.summary, app.placement, app.repo_fields)

    outcome = app_apply_manifest(app=app, text=text, commit="b" * 40)

    assert not outcome.applied
    assert any(problem in p for p in outcome.problems), outcome.problems
    app.refresh_from_db()
    assert (app.name, app.summary, app.placement, app.repo_fields) == before
    assert problem in app.manifest_problem and app.manifest_problem_commit == "b" * 40


def test_the_admin_shows_which_fields_come_from_the_repository(client, app):
    app_apply_manifest(app=app, text=manifest(), commit="c" * 40)
    admin = User.objects.create_superuser("root", "root@example.go.id", "a-long-admin-pass")
    client.force_login(admin)
    client.cookies["django_language"] = "en"

    page = client.get(f"/admin/catalog/app/{app.pk}/change/").content.decode()

    assert "Catalog-as-code" in page
    assert "c" * 40 in page
    # A field from the repository is shown, not offered for editing.
    assert 'name="summary"' not in page and "Data kepegawaian, versi baru." in page
    assert 'name="repo"' in page  # the repository itself stays the platform team's
