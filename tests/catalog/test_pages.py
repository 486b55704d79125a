import pytest
from django.urls import reverse

from polise.catalog import selectors
from polise.catalog.models import Lifecycle
from tests.factories import make_app, make_unit, make_user

pytestmark = pytest.mark.django_db


def test_launcher_selector_costs_one_query_whatever_the_count(django_assert_num_queries):
    make_app()
    with django_assert_num_queries(1):
        first = [(a.name, a.owner_unit.name) for a in selectors.app_list_for_launcher()]
    for _ in range(7):
        make_app()
    with django_assert_num_queries(1):
        many = [(a.name, a.owner_unit.name) for a in selectors.app_list_for_launcher()]
    assert len(first) == 1
    assert len(many) == 8


def test_launcher_page_query_count_is_constant(client, django_assert_max_num_queries):
    for _ in range(3):
        make_app()
    with django_assert_max_num_queries(2) as few:  # the apps; their ratings
        client.get("/")
    for _ in range(10):
        make_app()
    with django_assert_max_num_queries(2) as many:
        response = client.get("/")
    assert len(few.captured_queries) == len(many.captured_queries)
    assert response.content.count(b'class="tile"') == 13


def test_launcher_lists_live_apps_with_owner_summary_and_links(client):
    unit = make_unit(name="Badan Kepegawaian Daerah")
    app = make_app(
        name="SIMPEG",
        summary="Data kepegawaian.",
        owner_unit=unit,
        url="https://simpeg.example.go.id/",
    )
    make_app(name="Arsip Lama", lifecycle=Lifecycle.RETIRED)
    html = client.get("/").content.decode()
    assert 'lang="id"' in html
    assert "SIMPEG" in html and "Badan Kepegawaian Daerah" in html and "Data kepegawaian." in html
    assert 'href="https://simpeg.example.go.id/"' in html
    assert f'href="{reverse("catalog:app_detail", args=[app.slug])}"' in html
    assert "Arsip Lama" not in html


def test_launcher_speaks_indonesian_by_default_and_english_on_request(client):
    make_app()
    assert "<h1>Aplikasi</h1>" in client.get("/").content.decode()
    english = client.get("/?lang=en")
    assert "<h1>Apps</h1>" in english.content.decode()
    # The choice sticks for the next page through the language cookie.
    assert "<h1>Apps</h1>" in client.get("/").content.decode()


def test_an_english_browser_still_gets_indonesian_until_the_user_chooses(client):
    make_app()
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "<h1>Aplikasi</h1>" in response.content.decode()
    assert response["Content-Language"] == "id"


def test_language_switcher_posts_to_set_language(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "<h1>Apps</h1>" in client.get("/").content.decode()


def test_app_detail_shows_purpose_owners_and_docs(client, django_assert_max_num_queries):
    owner = make_user(first_name="Citra", last_name="Rahma")
    app = make_app(
        name="e-Kinerja",
        description="Sasaran kinerja pegawai.",
        repo="bkd-prov/e-kinerja",
        owners=[owner],
    )
    # the app with its owners, the news section, the ratings section (figures, comments,
    # trend by month and by version), the docs section and the contributions section
    with django_assert_max_num_queries(9):
        response = client.get(f"/apps/{app.slug}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Sasaran kinerja pegawai." in html
    assert "Citra Rahma" in html
    assert "https://github.com/bkd-prov/e-kinerja/tree/HEAD/docs/usage" in html
    assert "https://github.com/bkd-prov/e-kinerja/tree/HEAD/docs/database" in html


def test_unknown_app_is_404(client):
    assert client.get("/apps/no-such-app/").status_code == 404


def test_base_layout_has_landmarks_and_labels(client):
    html = client.get("/").content.decode()
    for landmark in ("<header", "<nav", "<main", "<footer", 'class="skip-link" href="#main"'):
        assert landmark in html
    assert '<label for="lang-select">' in html
    assert "csrfmiddlewaretoken" in html
    assert "//cdn" not in html and "https://" not in html.split("<main")[0]
