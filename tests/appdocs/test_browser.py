"""The Docs tab in a real browser: read, follow a link and an image, search, mark helpful; a
hostile Markdown corpus runs no script; axe finds nothing at desktop and phone width."""

from __future__ import annotations

import pytest

from polise.appdocs import services
from polise.appdocs.models import PageFeedback
from polise.forge.mirrors import services as mirrors
from polise.sso.models import Launch
from tests.browser import DESKTOP, PHONE, assert_accessible, assert_fits
from tests.factories import make_user

from .conftest import DOCS

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "rahasia-panjang-123"

HOSTILE = {
    "docs/usage/hostile/script.md": "# Skrip\n\n<script>alert('script')</script>\n\n"
    "<img src=x onerror=\"alert('img')\">\n\n<iframe src=\"javascript:alert('iframe')\"></iframe>\n",
    "docs/usage/hostile/links.md": "# Tautan\n\n[klik](javascript:alert('link')) "
    "[data](data:text/html,<script>alert('data')</script>) "
    "<a href=\"javascript:alert('raw')\">raw</a>\n\n![svg](evil.svg)\n\n"
    "![remote](https://tracker.example/p.png)\n",
    "docs/usage/hostile/evil.svg": "<svg xmlns='http://www.w3.org/2000/svg' onload=\"alert('svg')\">"
    "<script>alert('svg2')</script></svg>",
    "docs/usage/hostile/deep.md": "- " * 3000 + "dalam\n\n" + ">" * 3000 + " kutip\n",
    "docs/usage/hostile/utf8.md": b"# Bukan UTF-8 \xff\xfe\n\nteks \xc3\x28\n",
}


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")


def test_read_follow_search_and_mark_helpful(live_server, page, app_repo):
    app_repo.repo.commit("docs", {**DOCS, **HOSTILE})
    mirrors.mirror_fetch(repo=app_repo.app.repo)
    services.docs_build(app=app_repo.app)
    reader = make_user(username="dewi", password=PASSWORD)
    Launch.objects.create(user=reader, app=app_repo.app)
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    base = live_server.url
    sign_in(page, base, "dewi")

    # The Docs tab of the app page, then the page it opens.
    page.goto(f"{base}/apps/simpeg/")
    page.get_by_role("link", name="Baca dokumentasi").click()
    page.wait_for_url("**/docs/docs/usage/index.md")
    assert page.locator("h1").first.inner_text() == "Panduan SIMPEG"
    image = page.locator("img[alt='Layar cuti']")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 1  # served from the mirror
    assert app_repo.repo.head()[:12] in page.content()
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_accessible(page)
        assert_fits(page)
    page.set_viewport_size(DESKTOP)

    # A relative link to another page and its heading.
    page.locator(".appdocs-content a", has_text="cuti").click()
    page.wait_for_url("**/docs/docs/usage/cuti.md#doc-mengajukan")
    assert page.locator("#doc-mengajukan").is_visible()

    # Search a word and land on its page.
    page.fill("#appdocs-q", "tahunan")
    page.keyboard.press("Enter")
    page.wait_for_url("**/docs/search/**")
    assert page.locator(".appdocs-hits mark").first.inner_text().lower() == "tahunan"
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_accessible(page)
        assert_fits(page)
    page.set_viewport_size(DESKTOP)
    page.locator(".appdocs-hits a").first.click()
    page.wait_for_url("**/docs/docs/usage/cuti.md")

    # Was this page helpful? Keyboard: choose yes, write a comment, send.
    page.get_by_role("radio", name="Ya").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("Jelas, terima kasih")
    page.get_by_role("button", name="Kirim jawaban").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/docs/usage/cuti.md#helpful")
    feedback = PageFeedback.objects.get()
    assert feedback.helpful and feedback.user == reader and feedback.path == "docs/usage/cuti.md"
    assert feedback.comment == "Jelas, terima kasih"

    # The hostile corpus: every page renders, nothing runs.
    for name in ("script", "links", "deep", "utf8"):
        response = page.goto(f"{base}/apps/simpeg/docs/docs/usage/hostile/{name}.md")
        assert response is not None and response.status == 200, name
        page.wait_for_timeout(200)
        for size in (DESKTOP, PHONE):
            page.set_viewport_size(size)
            assert_accessible(page)
        page.set_viewport_size(DESKTOP)
    page.goto(f"{base}/apps/simpeg/docs/docs/usage/hostile/links.md")
    for link in page.locator(".appdocs-content a").all():
        href = (link.get_attribute("href") or "").lower()
        assert not href.startswith(("javascript", "data")), href
    # The SVG itself is an attachment: the browser downloads it, never runs it as a page.
    with page.expect_download():
        page.evaluate("url => { const a = document.createElement('a'); a.href = url; a.click(); }",
                      f"{base}/apps/simpeg/docs/docs/usage/hostile/evil.svg")  # fmt: skip
    assert dialogs == []
    assert [e for e in errors if "favicon" not in e] == []
