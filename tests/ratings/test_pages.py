"""The ratings on the app page, the rating form, the launcher tile, the JSON API, the
developers' dashboard and the platform team's ranking, through the views."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from polise.accounts.models import User
from polise.catalog.models import AccessPolicy
from polise.ratings.models import Rating, RatingRevision
from tests.factories import make_app, make_user

from .helpers import deploy, launch, rate

pytestmark = pytest.mark.django_db


def test_the_form_rates_and_edits_and_the_page_shows_the_figures(client):
    app, user = make_app(), make_user()
    deploy(app, "c" * 40)
    launch(user, app)
    client.force_login(user)
    page = client.get(f"/apps/{app.slug}/rate/?dimension=docs")
    assert page.status_code == 200
    assert b'id="rate-docs"' in page.content and b"rate-docs" in page.content.split(b"<script>")[1]
    response = client.post(
        f"/apps/{app.slug}/rate/", {"quality": "4", "docs": "2", "comment": "<script>x</script>"}
    )
    assert response.status_code == 302
    rating = Rating.objects.get()
    assert (rating.quality, rating.ease, rating.docs, rating.version) == (4, None, 2, "c" * 40)
    html = client.get(f"/apps/{app.slug}/").content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x</script>" not in html
    assert 'data-dimension="quality"' in html and "Ubah penilaian Anda" in html
    client.post(f"/apps/{app.slug}/rate/", {"quality": "5", "docs": "2", "comment": "baik"})
    assert Rating.objects.get().quality == 5
    assert RatingRevision.objects.count() == 2


def test_bad_input_is_refused_with_a_clear_error_and_nothing_stored(client):
    app, user = make_app(), make_user()
    launch(user, app)
    client.force_login(user)
    for data, message in (
        ({"quality": "9"}, "Pilih 1 sampai 5 bintang."),  # not one of the choices
        ({}, "Nilai setidaknya satu"),
        ({"quality": "3", "comment": "x" * 2001}, "2000"),
    ):
        response = client.post(f"/apps/{app.slug}/rate/", data)
        assert response.status_code == 400, data
        html = response.content.decode()
        assert 'class="error-summary"' in html and message in html
    assert Rating.objects.count() == 0


def test_who_cannot_rate_sees_why_and_their_post_stores_nothing(client):
    owner, stranger = make_user(), make_user()
    app = make_app(owners=[owner])
    launch(owner, app)
    for user in (owner, stranger):
        client.force_login(user)
        page = client.get(f"/apps/{app.slug}/rate/").content.decode()
        assert "data-rating-refusal" in page and 'name="quality"' not in page
        assert client.post(f"/apps/{app.slug}/rate/", {"quality": "5"}).status_code == 400
    assert Rating.objects.count() == 0
    client.logout()
    assert client.get(f"/apps/{app.slug}/rate/").status_code == 302  # sign in first


def test_the_api_answers_as_the_issue_says(client, settings):
    settings.RATINGS_PRIOR_WEIGHT = 2
    app, other = make_app(), make_app()
    for q, e in ((5, 4), (3, None), (4, 4)):
        rate(make_user(), app, quality=q, ease=e)
    rate(make_user(), other, quality=1)
    body = client.get(f"/api/apps/{app.slug}/ratings").json()  # anonymous: open app
    assert body["app"] == app.slug
    assert set(body["dimensions"]) == {"quality", "ease", "docs"}
    quality = body["dimensions"]["quality"]
    # prior = (5+3+4+1)/4 = 3.25; weighted = (2*3.25 + 12)/(2+3) = 18.5/5 = 3.7
    assert quality == {
        "weighted": 3.7,
        "mean": 4.0,
        "count": 3,
        "distribution": {"1": 0, "2": 0, "3": 1, "4": 1, "5": 1},
    }
    assert body["dimensions"]["docs"] == {
        "weighted": None,
        "mean": None,
        "count": 0,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
    }
    restricted = make_app()
    AccessPolicy.objects.create(app=restricted, audience=AccessPolicy.Audience.LISTED)
    assert client.get(f"/api/apps/{restricted.slug}/ratings").status_code == 404
    assert client.get("/api/apps/no-such-app/ratings").status_code == 404


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries.captured_queries)


def test_the_launcher_and_the_app_page_keep_a_constant_query_count(client, settings):
    settings.RATINGS_PROMPT_AFTER_LAUNCHES = 2
    user = make_user()
    client.force_login(user)

    def grow(n: int) -> None:
        for _ in range(n):
            app = make_app()
            launch(user, app, times=2)  # each app now asks the user "how was it?"
            for _ in range(2):
                rate(make_user(), app, quality=4, ease=3, docs=2, comment="ok")

    grow(2)
    first = make_app.__globals__["App"].objects.order_by("pk").first()
    client.get(f"/apps/{first.slug}/")  # the news part records the first visit
    launcher_few, page_few = _queries(client, "/"), _queries(client, f"/apps/{first.slug}/")
    grow(8)
    for _ in range(6):
        rate(make_user(), first, quality=2, comment="more comments")
    html = client.get("/").content.decode()
    assert html.count("data-rating-tile") == 10 and html.count("data-rating-prompt") == 10
    assert "Bagaimana pengalaman Anda?" in html
    assert _queries(client, "/") == launcher_few
    assert _queries(client, f"/apps/{first.slug}/") == page_few
    assert _queries(client, f"/api/apps/{first.slug}/ratings") == _queries(
        client, f"/api/apps/{make_app().slug}/ratings"
    )


def test_the_prompt_is_dismissed_for_good(client, settings):
    settings.RATINGS_PROMPT_AFTER_LAUNCHES = 3
    user, app = make_user(), make_app()
    launch(user, app, times=2)
    client.force_login(user)
    assert "data-rating-prompt" not in client.get("/").content.decode()
    launch(user, app)
    assert "data-rating-prompt" in client.get("/").content.decode()
    response = client.post(f"/apps/{app.slug}/rate/not-now/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert "data-rating-prompt" not in client.get("/").content.decode()


def test_developers_reply_the_platform_team_hides_and_both_export(client):
    owner, staff, user = make_user(), make_user(is_staff=True), make_user()
    app = make_app(owners=[owner])
    rating = rate(user, app, quality=1, comment="=HYPERLINK(bad) kata kasar")
    client.force_login(user)
    assert client.get(f"/apps/{app.slug}/ratings/").status_code == 404
    assert (
        client.post(f"/apps/{app.slug}/ratings/{rating.pk}/reply/", {"body": "x"}).status_code
        == 404
    )

    client.force_login(owner)
    assert client.get(f"/apps/{app.slug}/ratings/").status_code == 200
    client.post(
        f"/apps/{app.slug}/ratings/{rating.pk}/reply/", {"body": "Maaf, sedang kami perbaiki."}
    )
    assert "Maaf, sedang kami perbaiki." in client.get(f"/apps/{app.slug}/").content.decode()
    assert (
        client.post(f"/apps/{app.slug}/ratings/{rating.pk}/hide/", {"reason": "x"}).status_code
        == 404
    )
    rows = list(
        csv.reader(io.StringIO(client.get(f"/apps/{app.slug}/ratings/export.csv").content.decode()))
    )
    assert rows[0][:4] == ["rated_at", "quality", "ease", "docs"]
    assert rows[1][5].startswith("'=HYPERLINK")  # not a formula in a spreadsheet
    assert client.get("/ratings/").status_code == 404

    client.force_login(staff)
    client.post(f"/apps/{app.slug}/ratings/{rating.pk}/hide/", {"reason": "Kata kasar"})
    rating.refresh_from_db()
    assert rating.hidden_by == staff
    assert "kata kasar" not in client.get(f"/apps/{app.slug}/").content.decode()
    client.force_login(User.objects.create_superuser("root", "root@example.go.id", "a-long-pass"))
    admin_page = client.get(f"/admin/ratings/rating/{rating.pk}/change/").content.decode()
    assert "Kata kasar" in admin_page and staff.username in admin_page
    ranking = client.get("/ratings/?format=csv").content.decode().splitlines()
    assert ranking[0] == "rank,app,name,weighted,mean,count"
    assert ranking[1].startswith(f"1,{app.slug},")
