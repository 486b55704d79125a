"""A push to the default branch brings polise.yaml into the catalog; a broken file is
reported to the owners once per commit, and the entry stays as it was."""

from __future__ import annotations

import pytest
import yaml

from polise.catalog.models import App
from tests.factories import make_app, make_unit

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "catalog-hook-secret"


def manifest(**overrides) -> str:
    data = {
        "schema_version": 1,
        "name": "simpeg",
        "title": "SIMPEG",
        "summary": "Data kepegawaian.",
        "technology": "python",
        "owners": {"team": "bkd"},
        "docs": {"usage": "docs/usage", "database": "docs/database"},
        "placement": "app",
    }
    data.update(overrides)
    return yaml.safe_dump(data)


@pytest.fixture
def simpeg(forge, settings):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    forge.webhook_url = "http://127.0.0.1:9/hooks/github"  # replayed into Polise below
    forge.webhook_secret = SECRET
    make_unit(slug="bkd")
    forge.add_repo("diskominfo", "simpeg", files={"polise.yaml": manifest()})
    return make_app(slug="simpeg", name="Old name", repo="diskominfo/simpeg")


@pytest.fixture
def push(client, forge, drain_jobs):
    """A developer pushes; GitHub's delivery reaches Polise, whose jobs then run."""
    sent = {"count": 0}

    def push(files: dict, *, redeliver_last: bool = False) -> None:
        if not redeliver_last:
            forge.push("diskominfo", "simpeg", [{"message": "chore: catalog", "files": files}])
        deliveries = forge.webhooks.deliveries
        new = deliveries[sent["count"] :] if not redeliver_last else deliveries[-1:]
        sent["count"] = len(deliveries)
        for delivery in new:
            headers = {
                f"HTTP_{k.upper().replace('-', '_')}": v
                for k, v in delivery.headers.items()
                if k.lower() != "content-type"
            }
            client.generic(
                "POST", "/hooks/github", delivery.body, content_type="application/json", **headers
            )
        drain_jobs()

    return push


def test_a_changed_polise_yaml_updates_the_catalog_on_push(simpeg, push):
    push({"polise.yaml": manifest(title="SIMPEG Baru", placement="dedicated")})

    app = App.objects.get(slug="simpeg")
    assert (app.name, app.placement) == ("SIMPEG Baru", "dedicated")
    assert app.manifest_commit and "name" in app.repo_fields


def test_a_broken_polise_yaml_is_reported_once_and_changes_nothing(simpeg, forge, push):
    push({"polise.yaml": manifest(title="SIMPEG Baru")})
    push({"polise.yaml": manifest(placement="everywhere", title="Broken")})
    push({}, redeliver_last=True)  # GitHub's redelivery of the same push

    app = App.objects.get(slug="simpeg")
    assert app.name == "SIMPEG Baru"
    assert "placement" in app.manifest_problem
    [issue] = forge.state.issues("diskominfo", "simpeg")
    assert "polise.yaml" in issue.title and "'everywhere' is not one of" in issue.body


def test_other_branches_and_untouched_files_are_left_alone(simpeg, forge, push):
    push({"polise.yaml": manifest(title="Synced")})
    forge.push(
        "diskominfo", "simpeg",
        [{"message": "feat: x", "files": {"polise.yaml": manifest(title="Elsewhere")}}],
        branch="feature",
    )  # fmt: skip
    push({"README.md": "# SIMPEG\n"})

    assert App.objects.get(slug="simpeg").name == "Synced"
    reads = forge.requests_to("GET", r"/contents/polise\.yaml$")
    assert len(reads) == 1  # only the push that changed it was read
