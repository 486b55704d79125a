"""News pages, the app page's section, the launcher's unread badge, and the developers' editing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from polise.news.models import Edit, Item, Update
from tests.factories import make_app, make_user
from tests.news.factories import make_update

pytestmark = pytest.mark.django_db


def test_the_app_page_portal_page_and_app_news_show_the_update_grouped(client):
    app = make_app(name="SIMPEG", slug="simpeg")
    make_update(
        app,
        titles=(("fix", "tanggal lahir"), ("breaking", "login lewat SSO"), ("feature", "cetak SK")),
    )
    client.force_login(make_user())
    for path in ("/apps/simpeg/", "/news/", "/apps/simpeg/news/"):
        page = client.get(path).content.decode()
        # Breaking changes first, then new features, then fixes; category names in Indonesian.
        assert (
            page.index("Perubahan yang memutus")
            < page.index("Fitur baru")
            < page.index("Perbaikan")
        ), path
        assert "Login lewat SSO, dan 2 perubahan lain" in page, path


def test_messages_are_shown_as_text_never_as_html(client):
    app = make_app(slug="simpeg")
    make_update(app, titles=(("feature", "<script>alert(1)</script> <b>tebal</b>"),))
    page = client.get("/apps/simpeg/news/").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_held_hidden_and_withdrawn_news_is_not_shown(client):
    app = make_app(slug="simpeg")
    make_update(app, titles=(("feature", "menunggu tinjauan"),), status=Update.Status.HELD)
    make_update(app, titles=(("feature", "disembunyikan"),), status=Update.Status.HIDDEN)
    shown = make_update(app, titles=(("feature", "tampil"), ("fix", "ditarik")))
    Item.objects.filter(title="ditarik").update(withdrawn_at=timezone.now())
    shown.item_count = 1
    shown.save()
    page = client.get("/apps/simpeg/news/").content.decode()
    assert "Tampil" in page
    for hidden in ("enunggu tinjauan", "isembunyikan", "itarik"):
        assert hidden not in page


def test_developers_rewrite_hide_and_publish_and_every_change_is_kept(client):
    owner = make_user(username="citra")
    app = make_app(slug="simpeg", owners=[owner])
    update = make_update(app, status=Update.Status.HELD)
    client.force_login(owner)
    assert client.get("/apps/simpeg/news/manage/").status_code == 200
    url = f"/apps/simpeg/news/updates/{update.pk}/"
    client.post(url, {"title": "Laporan bisa diunduh sebagai PDF", "text": "Buka menu Laporan."})
    client.post(url, {"status": "published"})
    item = update.items.get(title="tombol simpan")
    client.post(f"/apps/simpeg/news/items/{item.pk}/visibility/", {"hidden": "1"})
    update.refresh_from_db()
    assert update.status == "published" and update.published_at and update.item_count == 1
    page = client.get("/apps/simpeg/news/").content.decode()
    assert "Laporan bisa diunduh sebagai PDF" in page and "Buka menu Laporan." in page
    assert "Tombol simpan" not in page
    assert list(Edit.objects.order_by("pk").values_list("action", "user__username")) == [
        ("title", "citra"), ("text", "citra"), ("status", "citra"), ("hide", "citra"),
    ]  # fmt: skip
    assert (
        "Laporan bisa diunduh sebagai PDF"
        in client.get("/apps/simpeg/news/manage/").content.decode()
    )


def test_others_cannot_edit_an_apps_news(client):
    app = make_app(slug="simpeg")
    update = make_update(app)
    client.force_login(make_user())
    assert client.get("/apps/simpeg/news/manage/").status_code == 404
    assert client.post(f"/apps/simpeg/news/updates/{update.pk}/", {"title": "x"}).status_code == 404


def test_hold_for_review_setting(client, app_repo):
    owner = make_user()
    app_repo.app.owners.add(owner)
    client.force_login(owner)
    client.post("/apps/simpeg/news/manage/", {"branch": "", "hold_for_review": "on"})
    from polise.news.services import Push, news_sync

    repo = app_repo.repo
    head = repo.commit("feat: fitur baru")
    news_sync(app=app_repo.app, push=Push("refs/heads/main", "0" * 40, head, "main"))
    update = Update.objects.get()
    assert update.status == Update.Status.HELD and update.published_at is None
    assert "Fitur baru" not in client.get("/news/").content.decode()
    assert Edit.objects.filter(action="hold_for_review", after="True").exists()
    bad = client.post("/apps/simpeg/news/manage/", {"branch": "../etc"})
    assert bad.status_code == 200 and "nama cabang" in bad.content.decode()


def test_launcher_badge_counts_what_changed_since_the_last_visit(client):
    user = make_user()
    user.date_joined = timezone.now() - timedelta(days=30)
    user.save()
    app = make_app(slug="simpeg", name="SIMPEG")
    make_update(app, published_at=timezone.now() - timedelta(days=60))  # before they joined
    make_update(app)
    make_update(app)
    client.force_login(user)
    assert "2 pembaruan baru" in client.get("/").content.decode()
    client.get("/apps/simpeg/")
    assert "pembaruan baru" not in client.get("/").content.decode()
    make_update(app, published_at=timezone.now() + timedelta(seconds=1))
    assert "1 pembaruan baru" in client.get("/").content.decode()


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_news_page_and_launcher_cost_a_fixed_number_of_queries(client):
    user = make_user()
    user.date_joined = timezone.now() - timedelta(days=30)
    user.save()
    client.force_login(user)
    apps = [make_app() for _ in range(3)]
    for app in apps:
        make_update(app)
    small = {path: _queries(client, path) for path in ("/", "/news/", "/news/feed.atom")}
    apps += [make_app() for _ in range(12)]
    for app in apps:
        for _ in range(3):
            make_update(app, titles=(("feature", "a"), ("fix", "b"), ("docs", "c")))
    large = {path: _queries(client, path) for path in ("/", "/news/", "/news/feed.atom")}
    assert large == small
