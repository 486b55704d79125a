"""Pull requests and reviews from before an app's webhook delivered them, imported from GitHub
through the forge (the contract-checked fake): the same facts the webhooks would have stored,
bots and pending reviews left out, nothing counted twice, safe to run again."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from polise.contributions import services
from polise.contributions.models import ForgeActivity, SyncState
from polise.forge.errors import ForgeError

pytestmark = pytest.mark.django_db
OWNER, NAME = "pemprov-demo", "simpeg"


def stored(app) -> set[tuple[str, str, date]]:
    return set(ForgeActivity.objects.filter(app=app).values_list("key", "login", "day"))


@pytest.fixture
def history(forge):
    """A repository with pull requests from before Polise watched it: merged, open, closed
    unmerged, a bot's, reviews by people, by a bot and one still pending; and more than one
    page of them (GitHub lists at most 100 a page)."""
    forge.add_repo(OWNER, NAME)
    first = forge.add_pull(
        OWNER, NAME, title="Laporan bulanan", author="Ayu-L",
        created_at="2025-01-05T23:30:00Z", merged_at="2025-01-06T02:00:00Z",
        reviews=[("Budi-X", "APPROVED", "2025-01-06T01:00:00Z"),
                 ("review-bot[bot]", "COMMENTED", "2025-01-06T01:05:00Z"),
                 ("Citra", "PENDING", None)],
    )  # fmt: skip
    forge.add_pull(
        OWNER, NAME, title="Bump", author="dependabot[bot]", author_type="Bot",
        created_at="2025-01-07T00:00:00Z", merged_at="2025-01-07T01:00:00Z",
    )  # fmt: skip
    forge.add_pull(OWNER, NAME, title="Ekspor", author="Budi-X", created_at="2025-02-01T08:00:00Z")
    forge.add_pull(
        OWNER, NAME, title="Coba", author="ayu-l",
        created_at="2025-02-02T08:00:00Z", closed_at="2025-02-03T08:00:00Z",
    )  # fmt: skip
    for n in range(110):
        forge.add_pull(
            OWNER, NAME, title=f"Perbaikan {n}", author="citra",
            created_at=f"2025-03-{1 + n % 28:02d}T09:00:00Z",
        )  # fmt: skip
    return first


def test_the_import_stores_what_the_webhooks_would_have_once(app_repo, history):
    app = app_repo.app
    budi_review = history.reviews[0].id
    # One fact already came by webhook: the import keeps it and adds the rest.
    ForgeActivity.objects.create(
        app=app, kind="prs_opened", key="prs_opened:1", login="ayu-l", number=1,
        day=date(2025, 1, 5),
    )  # fmt: skip

    added = services.forge_activity_import(app=app)

    facts = stored(app)
    citra = {(k, login, d) for k, login, d in facts if login == "citra"}
    assert len(citra) == 110 and all(k.startswith("prs_opened:") for k, _l, _d in citra)
    assert facts - citra == {
        ("prs_opened:1", "ayu-l", date(2025, 1, 5)),  # the day of GitHub's UTC time
        ("prs_merged:1", "ayu-l", date(2025, 1, 6)),  # counts for the author
        (f"reviews:1:{budi_review}", "budi-x", date(2025, 1, 6)),
        ("prs_opened:3", "budi-x", date(2025, 2, 1)),
        ("prs_opened:4", "ayu-l", date(2025, 2, 2)),  # closed unmerged: opened only
    }
    assert added == len(facts) - 1
    assert SyncState.objects.get(app=app).forge_imported_at is not None

    assert services.forge_activity_import(app=app) == 0  # again: nothing twice
    assert stored(app) == facts


def test_an_import_stopped_midway_goes_on_where_it_stopped(app_repo, history, forge):
    app = app_repo.app
    forge.fail_next(status=502, path=r"/pulls/60/reviews$")  # GitHub fails mid-way
    with pytest.raises(ForgeError):
        services.forge_activity_import(app=app)
    assert SyncState.objects.get(app=app).forge_import_through == 50
    assert {number for (number,) in ForgeActivity.objects.values_list("number")} == set(
        range(1, 51)
    ) - {2}  # the bot's

    asked_before = len(forge.requests_to("GET", r"/reviews$"))
    services.forge_activity_import(app=app)
    asked = [r.path for r in forge.requests_to("GET", r"/reviews$")[asked_before:]]
    assert sorted(int(path.split("/")[-2]) for path in asked) == list(range(51, 115))
    assert len(stored(app)) == 115
    state = SyncState.objects.get(app=app)
    assert state.forge_import_through == 0 and state.forge_imported_at is not None


def test_the_catchup_command_imports_on_request_and_names_unknown_apps(app_repo, history):
    app_repo.repo.commit("docs: mulai", {"README.md": "# SIMPEG\n"})
    call_command("contributions_catchup", "--app", "simpeg", "--forge", "--now")
    assert len(stored(app_repo.app)) == 115  # as in the test above
    assert SyncState.objects.get(app=app_repo.app).synced_tip == app_repo.repo.head()
    with pytest.raises(CommandError, match="no app with a repository: sipandu"):
        call_command("contributions_catchup", "--app", "sipandu")


def test_an_import_github_refuses_says_why_and_keeps_what_was_stored(app_repo, forge):
    ForgeActivity.objects.create(
        app=app_repo.app, kind="reviews", key="reviews:1:5", login="ayu-l", number=1,
        day=date(2025, 1, 5),
    )  # fmt: skip
    with pytest.raises(ForgeError, match="list pull requests of pemprov-demo/simpeg"):
        services.forge_activity_import(app=app_repo.app)  # GitHub has no such repository
    assert len(stored(app_repo.app)) == 1
    assert SyncState.objects.filter(app=app_repo.app, forge_imported_at__isnull=False).count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_platform_team_imports_from_the_admin(client, app_repo, history, run_jobs):
    from tests.factories import make_user

    client.force_login(make_user(username="platform", is_staff=True, is_superuser=True))
    state = services.sync_state(app=app_repo.app)
    app_repo.repo.commit("docs: mulai", {"README.md": "# SIMPEG\n"})
    response = client.post(
        "/admin/contributions/syncstate/",
        {"action": "import_from_forge", "_selected_action": [state.pk]},
        follow=True,
    )
    assert "1 aplikasi masuk antrean." in response.content.decode()
    run_jobs()
    assert len(stored(app_repo.app)) == 115
    state.refresh_from_db()
    assert state.forge_imported_at is not None and state.synced_tip == app_repo.repo.head()


def test_without_github_credentials_the_import_is_refused_saying_what_to_set(
    client, settings, app_repo
):
    from tests.factories import make_user

    settings.GITHUB_TOKEN, settings.GITHUB_APP_ID = None, None
    with pytest.raises(CommandError, match=r"--forge needs GitHub\. .*POLISE_GITHUB_TOKEN"):
        call_command("contributions_catchup", "--forge")
    client.force_login(make_user(username="platform", is_staff=True, is_superuser=True))
    state = services.sync_state(app=app_repo.app)
    response = client.post(
        "/admin/contributions/syncstate/",
        {"action": "import_from_forge", "_selected_action": [state.pk]},
        follow=True,
    )
    assert "POLISE_GITHUB_TOKEN" in response.content.decode()
    assert not DBTaskResult.objects.exists()  # nothing queued to fail
