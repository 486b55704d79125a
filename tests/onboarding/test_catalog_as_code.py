"""A push to the default branch brings polise.yaml, read from the app's mirror at the pushed
commit, into the catalog; a broken file is reported to the owners once per commit (an issue
through the outbox, on the GitHub fake) and the entry stays as it was."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

import pytest
import yaml

from polise.catalog.models import App
from polise.forge.mirrors import services as mirrors
from tests.factories import make_app, make_unit
from tests.gitrepo import GitRepo

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
def repo(forge, settings, tmp_path):
    """SIMPEG's repository: a local git repository the mirror fetches from, and the same
    repository on the GitHub fake, where issues are opened."""
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    settings.DATA_DIR = tmp_path / "data"
    make_unit(slug="bkd")
    forge.add_repo("diskominfo", "simpeg")
    app = make_app(slug="simpeg", name="Old name", repo="diskominfo/simpeg")
    git = GitRepo(tmp_path / "simpeg")
    git.commit("chore: start", {"polise.yaml": manifest()})
    mirrors.mirror_set_remote(repo=app.repo, url=str(git.path))
    return git


@pytest.fixture
def push(client, repo, drain_jobs):
    """Commit `files`, deliver GitHub's signed push event to Polise, run its jobs."""

    def push(files: dict, *, branch: str = "main", again: dict | None = None) -> dict:
        if again is None:
            before = repo.head()
            if branch != "main":
                repo.git("checkout", "--quiet", "-B", branch)
            after = repo.commit("chore: catalog", files)
            if branch != "main":
                repo.git("checkout", "--quiet", "main")
            payload = {
                "ref": f"refs/heads/{branch}",
                "before": before,
                "after": after,
                "forced": False,
                "deleted": False,
                "commits": [{"id": after, "message": "chore: catalog", "distinct": True,
                             "added": [], "removed": [], "modified": sorted(files)}],
                "repository": {"full_name": "diskominfo/simpeg", "default_branch": "main"},
            }  # fmt: skip
        else:
            payload = again
        body = json.dumps(payload).encode()
        signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        response = client.generic(
            "POST", "/hooks/github", body, content_type="application/json",
            HTTP_X_GITHUB_EVENT="push", HTTP_X_GITHUB_DELIVERY=str(uuid.uuid4()),
            HTTP_X_HUB_SIGNATURE_256=signature,
        )  # fmt: skip
        assert response.status_code in (200, 202), response.content
        drain_jobs()
        return payload

    return push


def test_a_changed_polise_yaml_updates_the_catalog_on_push(repo, push):
    payload = push({"polise.yaml": manifest(title="SIMPEG Baru", placement="dedicated")})

    app = App.objects.get(slug="simpeg")
    assert (app.name, app.placement) == ("SIMPEG Baru", "dedicated")
    assert app.manifest_commit == payload["after"] and "name" in app.repo_fields


def test_a_broken_polise_yaml_is_reported_once_and_changes_nothing(repo, forge, push):
    push({"polise.yaml": manifest(title="SIMPEG Baru")})
    broken = push({"polise.yaml": manifest(placement="everywhere", title="Broken")})
    push({}, again=broken)  # the same push delivered again

    app = App.objects.get(slug="simpeg")
    assert app.name == "SIMPEG Baru"
    assert "placement" in app.manifest_problem
    assert app.manifest_problem_commit == broken["after"]
    [issue] = forge.state.issues("diskominfo", "simpeg")
    assert broken["after"][:7] in issue.title
    assert "'everywhere' is not one of" in issue.body


def test_other_branches_and_untouched_files_are_left_alone(repo, push):
    push({"polise.yaml": manifest(title="Synced")})
    push({"polise.yaml": manifest(title="Elsewhere")}, branch="feature")
    push({"README.md": "# SIMPEG\n"})

    assert App.objects.get(slug="simpeg").name == "Synced"


def test_an_emptied_polise_yaml_is_reported(repo, forge, push):
    push({"polise.yaml": manifest(title="Synced")})
    push({"polise.yaml": ""})

    assert App.objects.get(slug="simpeg").name == "Synced"
    [issue] = forge.state.issues("diskominfo", "simpeg")
    assert "missing or empty" in issue.body
