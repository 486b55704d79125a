"""The Docs tab, its pages and images, feedback, search and the developers' view."""

from __future__ import annotations

import pytest

from polise.appdocs import search, services
from polise.appdocs.models import PageFeedback
from polise.catalog.models import AccessPolicy
from polise.forge.mirrors import services as mirrors
from polise.sso.models import Launch
from tests.factories import make_app, make_user

from .conftest import DOCS

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


@pytest.fixture
def built(app_repo):
    app_repo.repo.commit("docs", {**DOCS, "docs/usage/img/logo.svg": SVG})
    mirrors.mirror_fetch(repo=app_repo.app.repo)
    services.docs_build(app=app_repo.app)
    return app_repo


@pytest.fixture
def reader(client):
    user = make_user(username="reader")
    client.force_login(user)
    return user


def test_docs_tab_opens_the_usage_index_with_tree_toc_and_commit(client, built, reader):
    app = built.app
    response = client.get(f"/apps/{app.slug}/docs/")
    assert response.status_code == 302
    assert response["Location"] == f"/apps/{app.slug}/docs/docs/usage/index.md"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Panduan SIMPEG" in html
    assert 'href="#doc-masuk"' in html  # table of contents
    assert 'href="cuti.md#doc-mengajukan"' in html  # relative link, resolved by the browser
    assert built.repo.head()[:12] in html
    assert "Pengajuan cuti" in html  # page tree
    assert "Skema" not in html  # database docs: not for a reader


def test_the_app_page_has_a_docs_section(client, built, reader):
    html = client.get(f"/apps/{built.app.slug}/").content.decode()
    assert f"/apps/{built.app.slug}/docs/" in html
    assert "Pengajuan cuti" in html


def test_images_are_served_from_the_mirror_with_their_type_and_svg_as_attachment(
    client, built, reader
):
    png = client.get(f"/apps/{built.app.slug}/docs/docs/usage/img/cuti.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content == DOCS["docs/usage/img/cuti.png"]
    assert png["X-Content-Type-Options"] == "nosniff"
    svg = client.get(f"/apps/{built.app.slug}/docs/docs/usage/img/logo.svg")
    assert svg["Content-Disposition"].startswith("attachment")
    assert "sandbox" in svg["Content-Security-Policy"]
    assert client.get(f"/apps/{built.app.slug}/docs/src/settings.py").status_code == 404
    assert client.get(f"/apps/{built.app.slug}/docs/../../etc/passwd.png").status_code == 404
    assert client.get(f"/apps/{built.app.slug}/docs/no/such/folder.png").status_code == 404
    assert client.get(f"/apps/{built.app.slug}/docs/docs/usage/img/none.png").status_code == 404


def test_database_docs_only_for_owners_and_staff(client, built, reader):
    path = f"/apps/{built.app.slug}/docs/docs/database/schema.md"
    assert client.get(path).status_code == 404
    built.app.owners.add(reader)
    response = client.get(path)
    assert response.status_code == 200 and "pegawai" in response.content.decode()


def test_docs_of_an_app_the_user_may_not_open_are_not_found(client, built, reader):
    AccessPolicy.objects.create(app=built.app, audience=AccessPolicy.Audience.LISTED)
    assert client.get(f"/apps/{built.app.slug}/docs/").status_code == 404
    assert client.get(f"/apps/{built.app.slug}/docs/docs/usage/index.md").status_code == 404
    assert client.get(f"/apps/{built.app.slug}/docs/docs/usage/img/cuti.png").status_code == 404
    assert search.search_docs(user=reader, q="cuti") == []


def test_only_people_who_used_the_app_may_say_a_page_helped(client, built, reader):
    url = f"/apps/{built.app.slug}/docs-helpful/"
    data = {"path": "docs/usage/cuti.md", "helpful": "no", "comment": "<b>Langkah 3?</b>"}
    client.post(url, data)
    assert not PageFeedback.objects.exists()
    Launch.objects.create(user=reader, app=built.app)
    page = client.get(f"/apps/{built.app.slug}/docs/docs/usage/cuti.md").content.decode()
    assert "Apakah halaman ini membantu?" in page or "Was this page helpful?" in page
    assert client.post(url, data).status_code == 302
    client.post(url, {**data, "helpful": "yes"})  # changing the answer keeps one row
    feedback = PageFeedback.objects.get()
    assert feedback.helpful and feedback.comment == "<b>Langkah 3?</b>"
    # a path that is not a readable page is refused
    assert client.post(url, {**data, "path": "docs/database/schema.md"}).status_code == 404
    # the developers see the result per page, escaped
    built.app.owners.add(reader)
    manage = client.get(f"/apps/{built.app.slug}/docs-manage/").content.decode()
    assert "docs/usage/cuti.md" in manage and "&lt;b&gt;Langkah 3?&lt;/b&gt;" in manage
    # beside the usage-docs rating users gave
    assert "Nilai dokumentasi penggunaan: belum ada penilaian." in manage


def test_the_developers_view_is_not_for_readers(client, built, reader):
    assert client.get(f"/apps/{built.app.slug}/docs-manage/").status_code == 404
    assert client.post(f"/apps/{built.app.slug}/docs-manage/rebuild/").status_code == 404


def test_search_finds_ranked_highlighted_pages_the_user_may_read(client, built, reader):
    response = client.get("/docs/search/", {"q": "cuti tahunan"})
    html = response.content.decode()
    assert f"/apps/{built.app.slug}/docs/docs/usage/cuti.md" in html
    assert "<mark>cuti</mark>" in html.lower() or "<mark>tahunan</mark>" in html.lower()
    hits = search.search_docs(user=reader, q="pegawai")
    assert [h.path for h in hits] == ["docs/usage/cuti.md"]  # not the database docs
    built.app.owners.add(reader)
    assert {h.path for h in search.search_docs(user=reader, q="pegawai")} == {
        "docs/usage/cuti.md",
        "docs/database/schema.md",
    }


def test_search_snippets_escape_the_page_text(built, reader):
    page = "# X\n\n`<script>alert(1)</script>` & `<img src=x onerror=alert(2)>` cuti\n"
    built.repo.commit("xss", {"docs/usage/x.md": page})
    mirrors.mirror_fetch(repo=built.app.repo)
    services.docs_build(app=built.app)
    hits = search.search_docs(user=reader, q="alert")
    assert hits, "the page is found"
    snippet = str(hits[0].snippet)
    assert "alert" in snippet and "&amp;" in snippet
    assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")


def test_search_over_another_app_the_user_may_not_open(built, reader, tmp_path):
    hidden = make_app(slug="rahasia", name="Rahasia", repo=built.app.repo)
    AccessPolicy.objects.create(app=hidden, audience=AccessPolicy.Audience.LISTED)
    services.docs_build(app=hidden)
    assert {h.app_slug for h in search.search_docs(user=reader, q="cuti")} == {built.app.slug}
    staff = make_user(username="ops", is_staff=True)
    assert {h.app_slug for h in search.search_docs(user=staff, q="cuti")} == {
        built.app.slug,
        "rahasia",
    }


def test_search_handles_query_syntax_as_words(built, reader):
    for q in ['"', "cuti OR", "NEAR(", "*", "a:b", "cu*", "'; DROP TABLE x; --"]:
        search.search_docs(user=reader, q=q)  # no error


def test_postgresql_search_uses_indonesian_stemming(built, reader):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("stemming is PostgreSQL's; SQLite FTS5 matches plain words (docs/appdocs.md)")
    assert search.search_config() == "indonesian"
    # "Pegawai mengajukan permohonan cuti tahunan": another form of the word finds the page.
    assert [h.path for h in search.search_docs(user=reader, q="pengajuan")] == [
        "docs/usage/cuti.md"
    ]


def test_highlight_escapes_text_and_marks_matches():
    assert search.highlight("a <b>&\x02cuti\x03") == "a &lt;b&gt;&amp;<mark>cuti</mark>"
    assert search.highlight("\x02open only") == "open only"
