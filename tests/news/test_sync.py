"""Commits read from the mirror into news: pushes, forced pushes, deploys, backfill, bad input."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from polise.deployments.models import DeployRecord
from polise.news.models import AppNews, Item, Update
from polise.news.services import ZERO_SHA, Push, news_sync
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def push(app_repo, before: str, after: str) -> Push:
    return Push(ref="refs/heads/main", before=before, after=after, default_branch="main")


def test_a_push_becomes_one_grouped_update(app_repo):
    repo = app_repo.repo
    repo.commit("chore: mulai")
    base = repo.head()
    news_sync(app=app_repo.app)
    repo.commit("fix(cuti): sisa cuti dihitung benar")
    repo.commit("feat(laporan): ekspor PDF")
    repo.commit("Perbarui panduan", {"docs/usage/cuti.md": "# Cuti\n"})
    repo.commit("feat!: login lewat SSO\n\nBREAKING CHANGE: kata sandi lokal tidak dipakai lagi")
    after = repo.commit("ci: cache pip")
    assert "4 update(s)" not in news_sync(app=app_repo.app, push=push(app_repo, base, after))
    update = Update.objects.get(kind=Update.Kind.PUSH)
    assert update.key == f"push:{after}" and update.status == Update.Status.PUBLISHED
    assert update.item_count == 4
    shown = update.items.filter(skip_reason="").order_by("committed_at")
    assert [i.category for i in shown] == ["fix", "feature", "docs", "breaking"]
    assert shown.get(category="docs").usage_docs
    assert Item.objects.get(title="cache pip").skip_reason == "type ci"
    # The same push again (a redelivery) stores nothing twice.
    news_sync(app=app_repo.app, push=push(app_repo, base, after))
    assert Item.objects.count() == 6 and Update.objects.filter(kind="push").count() == 1


def test_a_forced_push_withdraws_the_dropped_commits(app_repo):
    repo = app_repo.repo
    keep = repo.commit("feat: tetap")
    repo.commit("feat: akan hilang")
    dropped = repo.commit("fix: juga hilang")
    news_sync(app=app_repo.app, push=push(app_repo, ZERO_SHA, dropped))
    assert Update.objects.get().item_count == 3
    repo.reset(keep)
    after = repo.commit("fix: pengganti")
    news_sync(app=app_repo.app, push=push(app_repo, dropped, after))
    withdrawn = Item.objects.filter(withdrawn_at__isnull=False)
    assert sorted(withdrawn.values_list("title", flat=True)) == ["akan hilang", "juga hilang"]
    first, second = Update.objects.order_by("pk")
    assert first.item_count == 1 and second.item_count == 1  # kept, marked, not shown
    assert second.items.get().title == "pengganti"


def _deploy(app, commit: str, minutes: int) -> DeployRecord:
    finished = timezone.now() + timedelta(minutes=minutes)
    return DeployRecord.objects.create(
        deploy_id=uuid.uuid4(), app=app, stack=app.slug, commit=commit, result="succeeded",
        started_at=finished - timedelta(minutes=1), finished_at=finished,
    )  # fmt: skip


def test_a_deploy_groups_the_commits_it_shipped_into_one_update(app_repo):
    repo, app = app_repo.repo, app_repo.app
    live = repo.commit("feat: versi pertama")
    _deploy(app, live, minutes=-60)
    news_sync(app=app)
    assert Update.objects.get().kind == Update.Kind.DEPLOY
    repo.commit("feat: cetak SK")
    repo.commit("fix: tanggal lahir")
    shipped = repo.commit("perf: daftar pegawai lebih cepat")
    waiting = repo.commit("feat: belum dirilis")
    news_sync(app=app, push=push(app_repo, live, waiting))
    assert Update.objects.count() == 1, "pushed commits wait for the deploy that ships them"
    record = _deploy(app, shipped, minutes=0)
    news_sync(app=app)
    update = Update.objects.get(key=f"deploy:{record.pk}")
    assert update.occurred_at == record.finished_at and update.head_sha == shipped
    assert sorted(update.items.values_list("title", flat=True)) == [
        "cetak SK", "daftar pegawai lebih cepat", "tanggal lahir",
    ]  # fmt: skip
    assert Item.objects.get(title="belum dirilis").update is None


def test_backfill_stores_every_commit_of_the_branch_once(app_repo):
    repo = app_repo.repo
    for n in range(30):
        repo.commit(f"feat: langkah {n}" if n % 3 else f"chore: rapikan {n}")
    repo.git("checkout", "--quiet", "-b", "fitur")
    side = repo.commit("feat: dari cabang")
    repo.git("checkout", "--quiet", "main")
    repo.commit("fix: di main")
    repo.git("merge", "--quiet", "--no-ff", "-m", "Merge branch 'fitur'", "fitur")
    news_sync(app=app_repo.app)
    expected = set(repo.git("rev-list", "main").split())
    assert set(Item.objects.values_list("sha", flat=True)) == expected
    assert Item.objects.get(sha=side).update is not None
    assert Item.objects.get(title="Merge branch 'fitur'").skip_reason == "merge commit"
    assert set(Update.objects.values_list("kind", flat=True)) == {"history"}
    assert AppNews.objects.get().synced_tip == repo.head()
    assert news_sync(app=app_repo.app).startswith("0 commit(s) read")


def test_bad_messages_are_stored_once_and_safely(app_repo):
    repo = app_repo.repo
    repo.commit("")
    repo.commit("fix: " + "panjang " * 50 + "\n\n" + "baris\n" * 10_000)
    repo.commit(b"feat: nama \xff\xfe rusak")
    head = repo.commit("feat: <script>alert('x')</script> **tebal**")
    news_sync(app=app_repo.app, push=push(app_repo, ZERO_SHA, head))
    titles = dict(
        Item.objects.values_list("skip_reason", "title").filter(skip_reason="empty message")
    )
    assert titles == {"empty message": ""}
    # git reads bytes that are not UTF-8 as Latin-1 when it re-encodes: text either way.
    assert Item.objects.get(title__startswith="nama").title in (
        "nama \ufffd\ufffd rusak",
        "nama ÿþ rusak",
    )
    assert len(Item.objects.get(title__startswith="panjang").body) <= 20_000
    news_sync(app=app_repo.app, push=push(app_repo, ZERO_SHA, head))
    assert Item.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_mirror_is_recorded_and_not_retried_in_vain(
    app_repo, settings, drain_jobs, caplog
):
    from polise.forge.mirrors.services import mirror_set_remote
    from polise.news.jobs import news_sync_app

    mirror_set_remote(repo=app_repo.app.repo, url="/nonexistent/repo")
    news_sync_app.enqueue(app_repo.app.pk)
    drain_jobs()
    assert "nonexistent" in AppNews.objects.get().last_error
    assert Item.objects.count() == 0
    assert "news of simpeg" in caplog.text
    assert DBTaskResult.objects.count() == 1  # a missing repository: no retry


def test_a_branch_other_than_the_default_can_make_news(app_repo):
    repo = app_repo.repo
    repo.commit("feat: di main")
    repo.git("checkout", "--quiet", "-b", "produksi")
    repo.commit("feat: di produksi")
    repo.git("checkout", "--quiet", "main")
    AppNews.objects.create(app=app_repo.app, branch="produksi")
    news_sync(app=app_repo.app)
    assert set(Item.objects.values_list("title", flat=True)) == {"di main", "di produksi"}


@pytest.mark.django_db(transaction=True)
def test_a_fetch_that_may_work_later_is_retried_with_backoff(app_repo, drain_jobs):
    from polise.forge.mirrors.services import mirror_set_remote
    from polise.news.jobs import news_sync_app

    mirror_set_remote(repo=app_repo.app.repo, url="http://127.0.0.1:1/pemprov-demo/simpeg.git")
    news_sync_app.enqueue(app_repo.app.pk)
    drain_jobs()
    assert DBTaskResult.objects.count() == 8  # every attempt the job allows
    assert "Failed to connect" in AppNews.objects.get().last_error
    # The remote is back: the next sync reads everything.
    head = app_repo.repo.commit("feat: akhirnya")
    mirror_set_remote(repo=app_repo.app.repo, url=app_repo.repo.path.as_uri())  # file://
    news_sync_app.enqueue(app_repo.app.pk)
    drain_jobs()
    assert Item.objects.get().sha == head and AppNews.objects.get().last_error == ""


@pytest.mark.django_db(transaction=True)
def test_a_deploy_recorded_through_the_api_is_news_at_once(app_repo, client, drain_jobs):
    """As `polise deploy` reports it: the update appears without waiting for a push."""
    from polise.deployments.services import deploy_token_create

    repo, app = app_repo.repo, app_repo.app
    live = repo.commit("feat: versi pertama")
    news_sync(app=app)
    shipped = repo.commit("fix: tanggal lahir tersimpan")
    token = deploy_token_create(app=app, label="ci")[1]
    now = timezone.now()
    record = {
        "deploy_id": str(uuid.uuid4()), "app": app.slug, "stack": app.slug, "kind": "deploy",
        "commit": shipped, "image": "r:5000/simpeg:2", "digest": "sha256:" + "1" * 64,
        "images": {"web": "r:5000/simpeg:2@sha256:" + "1" * 64},
        "started_at": (now - timedelta(seconds=30)).isoformat(), "finished_at": now.isoformat(),
        "result": "succeeded", "reason": "", "message": "", "services": {},
    }  # fmt: skip
    response = client.post(
        "/api/deployments/records", data=record, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert live != shipped and not Update.objects.filter(head_sha=shipped).exists()
    drain_jobs()
    update = Update.objects.get(head_sha=shipped)
    assert update.kind == Update.Kind.DEPLOY and update.status == Update.Status.PUBLISHED
    assert list(update.items.values_list("title", flat=True)) == ["tanggal lahir tersimpan"]
    # The update links to the deploy that shipped it, listed on the app page for its owners.
    record_id = DeployRecord.objects.get(commit=shipped).pk
    client.force_login(make_user())
    page = client.get(f"/apps/{app.slug}/news/").content.decode()
    assert f'href="/apps/{app.slug}/#deploy-{record_id}"' in page and shipped[:7] in page
    client.force_login(make_user(username="platform", is_staff=True))
    assert f'id="deploy-{record_id}"' in client.get(f"/apps/{app.slug}/").content.decode()
