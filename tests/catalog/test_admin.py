"""The platform team manages the catalog in the admin; bad input gets a clear error and saves nothing."""

import pytest

from polise.accounts.models import Developer, GitEmail, User
from polise.catalog.models import App
from tests.factories import make_app, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    admin = User.objects.create_superuser("root", "root@example.go.id", "a-long-admin-pass")
    client.force_login(admin)
    client.cookies["django_language"] = "en"  # assert on Django's English messages
    return client


def app_form(unit, **overrides):
    data = {
        "name": "SIMPEG",
        "slug": "simpeg",
        "summary": "Data kepegawaian.",
        "description": "",
        "url": "https://simpeg.example.go.id/",
        "lifecycle": "active",
        "repo": "bkd-prov/simpeg",
        "technology": "python",
        "usage_docs_path": "docs/usage",
        "database_docs_path": "docs/database",
        "placement": "app",
        "owner_unit": unit.pk,
        # The access policy inline, left empty: the app is open to everyone signed in.
        "access_policy-TOTAL_FORMS": "1",
        "access_policy-INITIAL_FORMS": "0",
        "access_policy-MIN_NUM_FORMS": "0",
        "access_policy-MAX_NUM_FORMS": "1",
        "access_policy-0-audience": "signed_in",
    }
    data.update(overrides)
    return data


def test_admin_creates_an_app(staff_client):
    unit = make_unit()
    response = staff_client.post("/admin/catalog/app/add/", app_form(unit))
    assert response.status_code == 302
    assert App.objects.get(slug="simpeg").repo == "bkd-prov/simpeg"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("repo", "simpeg", "owner/name"),
        ("repo", "bkd prov/simpeg", "owner/name"),
        ("repo", "https://github.com/bkd/simpeg", "owner/name"),
        ("technology", "cobol", "is not one of the available choices"),
        ("usage_docs_path", "../../etc", "relative path"),
        ("url", "not a url", "Enter a valid URL"),
    ],
)
def test_admin_rejects_bad_app_input(staff_client, field, value, message):
    unit = make_unit()
    response = staff_client.post(
        "/admin/catalog/app/add/",
        app_form(unit, **{field: value}),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not App.objects.exists()


def test_admin_rejects_a_duplicate_slug_and_keeps_the_first(staff_client):
    first = make_app(slug="simpeg", name="SIMPEG lama")
    response = staff_client.post(
        "/admin/catalog/app/add/",
        app_form(first.owner_unit, name="SIMPEG baru"),
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert list(App.objects.values_list("name", flat=True)) == ["SIMPEG lama"]


def developer_form(user, login, emails):
    data = {
        "user": user.pk,
        "github_login": login,
        "git_emails-TOTAL_FORMS": str(len(emails)),
        "git_emails-INITIAL_FORMS": "0",
        "git_emails-MIN_NUM_FORMS": "0",
        "git_emails-MAX_NUM_FORMS": "1000",
    }
    for i, email in enumerate(emails):
        data[f"git_emails-{i}-email"] = email
    return data


def test_admin_adds_a_developer_with_git_emails_normalised(staff_client):
    user = User.objects.create_user("ayu")
    response = staff_client.post(
        "/admin/accounts/developer/add/",
        developer_form(user, "ayu-lestari", ["Ayu@Diskominfo.Example.go.id"]),
    )
    assert response.status_code == 302
    assert list(GitEmail.objects.values_list("email", flat=True)) == [
        "ayu@diskominfo.example.go.id"
    ]


@pytest.mark.parametrize(
    ("login", "emails", "message"),
    [
        ("ayu--lestari", ["ayu@example.go.id"], "valid GitHub login"),
        ("-ayu", ["ayu@example.go.id"], "valid GitHub login"),
        ("ayu", ["not-an-email"], "Enter a valid email address"),
    ],
)
def test_admin_rejects_a_bad_developer_and_saves_nothing(staff_client, login, emails, message):
    user = User.objects.create_user("ayu")
    response = staff_client.post(
        "/admin/accounts/developer/add/",
        developer_form(user, login, emails),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Developer.objects.exists()
    assert not GitEmail.objects.exists()


def test_github_logins_are_unique_regardless_of_case(staff_client):
    Developer.objects.create(user=User.objects.create_user("first"), github_login="Octocat")
    user = User.objects.create_user("second")
    response = staff_client.post(
        "/admin/accounts/developer/add/",
        developer_form(user, "octocat", []),
    )
    assert response.status_code == 200
    assert Developer.objects.count() == 1
