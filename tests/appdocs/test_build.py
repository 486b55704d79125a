"""Building an app's docs from its mirror: which commit, which pages, the cache, bad files."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from polise.appdocs import jobs, render, services
from polise.appdocs.models import DocPage, DocsState, RenderedPage
from polise.deployments.models import DeployRecord
from polise.forge.mirrors import services as mirrors

from .conftest import DOCS

pytestmark = pytest.mark.django_db


def build(app_repo) -> str:
    mirrors.mirror_fetch(repo=app_repo.app.repo)
    return services.docs_build(app=app_repo.app)


def test_docs_of_the_default_branch_are_rendered_with_readme_usage_and_database(app_repo):
    head = app_repo.repo.commit("docs", DOCS)
    build(app_repo)
    state = DocsState.objects.get(app=app_repo.app)
    assert state.commit == head and state.source == "branch"
    pages = {p.path: p for p in DocPage.objects.filter(app=app_repo.app)}
    assert set(pages) == {
        "README.md",
        "docs/usage/index.md",
        "docs/usage/cuti.md",
        "docs/database/schema.md",
    }
    assert pages["docs/database/schema.md"].kind == "database"
    assert pages["docs/usage/index.md"].title == "Panduan SIMPEG"
    assert 'src="img/cuti.png"' in pages["docs/usage/index.md"].rendered.html


def test_the_deployed_commit_wins_over_the_branch(app_repo):
    first = app_repo.repo.commit("v1", {**DOCS, "docs/usage/cuti.md": "# Cuti lama\n"})
    app_repo.repo.commit("v2", {"docs/usage/cuti.md": "# Cuti baru\n"})
    DeployRecord.objects.create(
        deploy_id=uuid.uuid4(),
        app=app_repo.app,
        stack="simpeg",
        commit=first,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        result="succeeded",
    )
    build(app_repo)
    assert DocsState.objects.get(app=app_repo.app).source == "deployed"
    assert DocPage.objects.get(app=app_repo.app, path="docs/usage/cuti.md").title == "Cuti lama"


def test_a_commit_is_rendered_once_and_unchanged_blobs_come_from_the_cache(app_repo):
    app_repo.repo.commit("docs", DOCS)
    build(app_repo)
    assert build(app_repo).startswith("up to date")
    cached = RenderedPage.objects.count()
    app_repo.repo.commit("one page changes", {"docs/usage/cuti.md": "# Cuti\n\nBaru.\n"})
    build(app_repo)
    assert RenderedPage.objects.count() == cached + 1  # only the changed blob was rendered
    assert DocPage.objects.get(app=app_repo.app, path="docs/usage/cuti.md").title == "Cuti"


def test_bad_files_are_listed_not_rendered_and_the_others_still_are(app_repo, monkeypatch):
    monkeypatch.setattr(render, "MAX_PAGE_BYTES", 1000)
    app_repo.repo.commit(
        "bad",
        {
            **DOCS,
            "docs/usage/big.md": "x" * 2000,
            "docs/usage/binary.md": b"\x00\x01\x02PNG",
            "docs/usage/latin1.md": b"# Caf\xe9\n",
        },
    )
    outside = app_repo.repo.path / "docs/usage/secret.md"
    outside.symlink_to("../../../../etc/passwd")
    inside = app_repo.repo.path / "docs/usage/alias.md"
    inside.symlink_to("cuti.md")
    app_repo.repo.git("add", "docs/usage/secret.md", "docs/usage/alias.md")
    app_repo.repo.commit("links", {})
    build(app_repo)
    pages = {p.path: p for p in DocPage.objects.filter(app=app_repo.app)}
    assert pages["docs/usage/big.md"].status == "too_large"
    assert pages["docs/usage/binary.md"].status == "binary"
    assert pages["docs/usage/secret.md"].status == "refused"
    assert "outside" in pages["docs/usage/secret.md"].note
    assert pages["docs/usage/alias.md"].status == "rendered"
    assert pages["docs/usage/alias.md"].title == "Pengajuan cuti"
    assert pages["docs/usage/latin1.md"].status == "rendered"
    assert "UTF-8" in pages["docs/usage/latin1.md"].note
    assert pages["docs/usage/cuti.md"].status == "rendered"


@pytest.mark.django_db(transaction=True)
def test_the_job_fetches_and_builds_and_a_push_queues_it(app_repo, drain_jobs):
    from polise.appdocs.forge_handlers import push_received
    from polise.forge.models import Delivery

    app_repo.repo.commit("docs", DOCS)
    delivery = Delivery(
        event="push",
        repo=app_repo.app.repo,
        payload={
            "ref": "refs/heads/main",
            "before": "0" * 40,
            "after": app_repo.repo.head(),
            "repository": {"default_branch": "main"},
        },
    )
    assert "docs queued" in push_received(delivery)
    drain_jobs()
    assert DocPage.objects.filter(app=app_repo.app).count() == 4
    # a push to another branch does not queue a build
    delivery.payload["ref"] = "refs/heads/feature"
    assert "not the default branch" in push_received(delivery)


def test_a_missing_repository_is_recorded_and_the_worker_keeps_going(app_repo):
    mirrors.mirror_set_remote(repo=app_repo.app.repo, url=str(app_repo.repo.path / "nope"))
    with pytest.raises(Exception):  # noqa: B017 - whatever git says, it is recorded
        jobs.docs_build_app.call(app_repo.app.pk)
    assert DocsState.objects.get(app=app_repo.app).last_error


def test_the_sweep_follows_new_deploys_once(app_repo):
    from django_tasks_db.models import DBTaskResult

    app_repo.repo.commit("docs", DOCS)
    build(app_repo)
    assert jobs.docs_follow_deploys(deadline=timezone.now()) == 0
    DeployRecord.objects.create(
        deploy_id=uuid.uuid4(),
        app=app_repo.app,
        stack="simpeg",
        commit=app_repo.repo.head(),
        started_at=timezone.now(),
        finished_at=timezone.now(),
        result="succeeded",
    )
    assert jobs.docs_follow_deploys(deadline=timezone.now()) == 1
    assert jobs.docs_follow_deploys(deadline=timezone.now()) == 0  # a job is already waiting
    DBTaskResult.objects.all().delete()
    services.docs_build(app=app_repo.app)
    assert DocsState.objects.get(app=app_repo.app).source == "deployed"
    assert jobs.docs_follow_deploys(deadline=timezone.now()) == 0
