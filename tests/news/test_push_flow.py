"""The whole loop on a running portal: a signed push webhook arrives over HTTP, the worker reads
the commits from the mirror, and the update shows on the app page, the portal news page and
both Atom feeds; a real browser reads the pages (axe-core, 375 px, keyboard)."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

import feedparser
import httpx
import pytest

from polise.news.models import Update
from tests.browser import DESKTOP, PHONE, assert_accessible, assert_fits
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "push-hook-secret"


def send_push(
    base: str, *, repo: str, before: str, after: str, ref: str = "refs/heads/main"
) -> httpx.Response:
    payload = {
        "ref": ref,
        "before": before,
        "after": after,
        "forced": False,
        "created": before == "0" * 40,
        "deleted": False,
        "commits": [{"id": after, "message": "…", "distinct": True}],
        "repository": {"full_name": repo, "default_branch": "main"},
    }
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return httpx.post(
        f"{base}/hooks/github",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-GitHub-Event": "push",
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": signature,
        },
    )


def assert_valid_atom(url: str, *, expect: str) -> None:
    feed = feedparser.parse(httpx.get(url).content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title and feed.feed.id and feed.feed.updated
    assert feed.entries, url
    for entry in feed.entries:
        assert entry.id and entry.title and entry.updated and entry.link.startswith("http")
    assert expect in feed.entries[0].title
    assert "Fitur baru" in feed.entries[0].summary


def test_a_signed_push_becomes_a_grouped_update_on_every_page_and_feed(
    live_server, settings, app_repo, drain_jobs
):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    repo = app_repo.repo
    repo.commit("fix(cuti): sisa cuti dihitung benar")
    repo.commit("feat(laporan): ekspor laporan ke PDF")
    head = repo.commit("chore: rapikan")
    response = send_push(live_server.url, repo="Pemprov-Demo/SIMPEG", before="0" * 40, after=head)
    assert response.status_code == 202
    drain_jobs()
    update = Update.objects.get(kind=Update.Kind.PUSH)
    assert update.item_count == 2
    for path in ("/apps/simpeg/", "/news/", "/apps/simpeg/news/"):
        page = httpx.get(live_server.url + path).text
        assert page.index("Fitur baru") < page.index("Perbaikan"), path
        assert "Ekspor laporan ke PDF, dan 1 perubahan lain" in page, path
        assert "Rapikan" not in page
    for path in ("/news/feed.atom", "/apps/simpeg/news/feed.atom"):
        assert_valid_atom(live_server.url + path, expect="Ekspor laporan ke PDF")

    # A tag, another branch and a repository outside the catalog make no news.
    for ref, full_name in (
        ("refs/tags/v1.0", "pemprov-demo/simpeg"),
        ("refs/heads/fitur", "pemprov-demo/simpeg"),
        ("refs/heads/main", "pemprov-demo/not-here"),
    ):
        assert (
            send_push(live_server.url, repo=full_name, before=head, after=head, ref=ref).status_code
            == 202
        )
    drain_jobs()
    assert Update.objects.count() == 1


@pytest.mark.service("chromium")
def test_news_pages_in_a_browser(live_server, page, app_repo, client):
    from django.contrib.auth import get_user_model

    from polise.news.services import Push, news_sync

    repo = app_repo.repo
    repo.commit("feat(laporan): ekspor laporan ke PDF\n\nLaporan bulanan bisa diunduh.")
    repo.commit("docs: panduan cuti", {"docs/usage/cuti.md": "# Cuti\n"})
    head = repo.commit("feat!: masuk lewat SSO\n\nBREAKING CHANGE: kata sandi lama tidak berlaku")
    news_sync(app=app_repo.app, push=Push("refs/heads/main", "0" * 40, head, "main"))
    owner = make_user(username="citra", password="rahasia-panjang-123")
    app_repo.app.owners.add(owner)
    assert get_user_model().objects.filter(username="citra").exists()

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "citra")
    page.fill("#id_password", "rahasia-panjang-123")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    update = Update.objects.get()
    for path in ("/news/", "/apps/simpeg/news/", "/apps/simpeg/", "/apps/simpeg/news/manage/",
                 f"/apps/simpeg/news/updates/{update.pk}/"):  # fmt: skip
        for viewport in (DESKTOP, PHONE):
            page.set_viewport_size(viewport)
            page.goto(live_server.url + path)
            assert_accessible(page)
            assert_fits(page)

    # Keyboard only: from the app's news page, reach the edit page and rewrite the title.
    page.goto(f"{live_server.url}/apps/simpeg/news/manage/")
    page.focus(f"a[href='/apps/simpeg/news/updates/{update.pk}/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/news/updates/{update.pk}/")
    page.focus("#id_title")
    page.keyboard.type("Masuk kini lewat SSO")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Pembaruan disimpan.")
    page.goto(f"{live_server.url}/news/")
    assert page.locator("h2.news-title").first.inner_text().endswith("Masuk kini lewat SSO")
    heading_order = page.locator("h3.news-category").all_inner_texts()
    assert heading_order == ["Perubahan yang memutus kompatibilitas", "Fitur baru", "Dokumentasi"]
    assert page.locator("text=Panduan penggunaan").count() == 1
