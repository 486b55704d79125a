"""In a browser (headless Chromium): a user opens an app from the launcher, rates it, edits
the rating and sees the figures change; a user who never opened it and the app's developer
cannot rate it; the pages pass axe at desktop and phone width."""

from __future__ import annotations

import pytest

from polise.ratings.models import Rating
from tests.browser_steps import check_both_sizes, navigate, sign_in
from tests.factories import make_app, make_user

from .helpers import rate

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "kata-sandi-panjang-1"


def _figures(page, dimension: str) -> tuple[str, str, dict[int, int]]:
    box = page.locator(f'[data-dimension="{dimension}"]')
    bars = {
        stars: int(box.locator(f'tr[data-stars="{stars}"] .rating-bar-count').inner_text())
        for stars in range(1, 6)
    }
    weighted = box.locator("[data-weighted]").inner_text() if bars and sum(bars.values()) else ""
    count = box.locator("[data-count]").inner_text() if sum(bars.values()) else ""
    return weighted, count, bars


def test_a_user_who_opened_the_app_rates_and_edits_it(live_server, page, settings):
    settings.RATINGS_PRIOR_WEIGHT = 2
    developer = make_user(username="citra", password=PASSWORD)
    app = make_app(
        slug="simpeg", name="SIMPEG", url=f"{live_server.url}/healthz", owners=[developer]
    )
    for stars in (5, 3):
        rate(make_user(), app, quality=stars, docs=stars)
    make_user(username="wati", password=PASSWORD)
    make_user(username="tono", password=PASSWORD)

    sign_in(page, live_server.url, "wati", PASSWORD)
    page.get_by_role("link", name="SIMPEG", exact=True).click()  # opens the app: a launch
    page.wait_for_url(f"{live_server.url}/healthz")
    page.goto(f"{live_server.url}/apps/simpeg/")
    # prior 4 (5 and 3), m = 2: (2*4 + 8) / 4 = 4.0
    assert _figures(page, "quality")[0] == "4,0"
    assert _figures(page, "quality")[2] == {1: 0, 2: 0, 3: 1, 4: 0, 5: 1}
    check_both_sizes(page)

    page.locator("#id_quality_1").check()
    page.locator("#id_docs_2").check()
    page.get_by_label("Komentar (tidak wajib)").fill("<b>Sering</b> gagal menyimpan")
    navigate(page, page.get_by_role("button", name="Kirim penilaian").click)
    assert "penilaian Anda tersimpan" in page.locator(".messages").inner_text()
    # prior (5+3+1)/3 = 3, m = 2: (2*3 + 9) / 5 = 3.0
    weighted, count, bars = _figures(page, "quality")
    assert (weighted, count, bars) == ("3,0", "3 penilaian", {1: 1, 2: 0, 3: 1, 4: 0, 5: 1})
    assert page.locator(".rating-comment").first.inner_text().count("<b>Sering</b>") == 1
    check_both_sizes(page)

    # Edit: the form shows the rating given; change quality to 5.
    assert page.locator("#id_quality_1").is_checked()
    page.locator("#id_quality_5").check()
    navigate(page, page.get_by_role("button", name="Simpan perubahan").click)
    # prior (5+3+5)/3 = 13/3, m = 2: (26/3 + 13) / 5 = 4.33
    weighted, count, bars = _figures(page, "quality")
    assert (weighted, count, bars) == ("4,3", "3 penilaian", {1: 0, 2: 0, 3: 1, 4: 0, 5: 2})
    rating = Rating.objects.get(user__username="wati")
    assert (rating.quality, rating.docs, rating.revisions.count()) == (5, 2, 2)

    # The docs helper links here to rate the usage docs: the docs question gets the focus.
    page.goto(f"{live_server.url}/apps/simpeg/rate/?dimension=docs")
    assert page.evaluate("document.activeElement.name") == "docs"
    check_both_sizes(page)

    # A user who never opened the app, and the app's developer, cannot rate it.
    for username in ("tono", "citra"):
        page.context.clear_cookies()
        sign_in(page, live_server.url, username, PASSWORD)
        if username == "citra":
            page.goto(f"{live_server.url}/apps/simpeg/open/")
        page.goto(f"{live_server.url}/apps/simpeg/")
        assert page.locator("[data-rating-refusal]").is_visible()
        assert page.locator('input[name="quality"]').count() == 0
        page.goto(f"{live_server.url}/apps/simpeg/rate/")
        assert page.locator('input[name="quality"]').count() == 0
    assert Rating.objects.count() == 3

    # The developer (still signed in) reads the dashboard and answers in public.
    page.goto(f"{live_server.url}/apps/simpeg/ratings/")
    check_both_sizes(page)
    page.locator(".rating-comment").first.get_by_label("Balasan publik").fill(
        "Sudah kami perbaiki."
    )
    navigate(page, page.locator(".rating-comment").first.get_by_role("button", name="Balas").click)
    page.goto(f"{live_server.url}/apps/simpeg/")
    assert "Sudah kami perbaiki." in page.locator(".rating-reply").first.inner_text()


def test_the_launcher_prompt_is_gentle_and_dismissible(live_server, page, settings):
    settings.RATINGS_PROMPT_AFTER_LAUNCHES = 2
    app = make_app(slug="presensi", name="Presensi", url=f"{live_server.url}/healthz")
    rate(make_user(), app, quality=4)
    make_user(username="wati", password=PASSWORD)
    sign_in(page, live_server.url, "wati", PASSWORD)
    for _ in range(2):
        page.goto(f"{live_server.url}/apps/presensi/open/")
    page.goto(f"{live_server.url}/")
    prompt = page.locator("[data-rating-prompt]")
    assert "Bagaimana pengalaman Anda?" in prompt.inner_text()
    assert page.locator("[data-rating-tile]").inner_text().startswith("★")
    check_both_sizes(page)
    navigate(page, prompt.get_by_role("button").click)
    assert page.locator("[data-rating-prompt]").count() == 0
    assert page.url == f"{live_server.url}/"
