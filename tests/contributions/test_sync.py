"""Counting an app's mirror into the database: equal to the scan (and so to git), incremental,
resumable after a crash, counted again on new rules or a rewritten history; developers found
by catalog e-mails, noreply logins and the platform team's assignment; the formula."""

from __future__ import annotations

import math
import subprocess
from datetime import date

import pytest
from django.db.models import Sum

from polise.contributions import selectors, services
from polise.contributions.forge_handlers import push_received
from polise.contributions.models import (
    COUNT_FIELDS,
    DailyContribution,
    Identity,
    SyncState,
    Weights,
)
from polise.contributions.scan import scan, totals
from polise.forge.mirrors import services as mirrors
from polise.forge.models import Delivery
from tests.contributions.history import build
from tests.factories import make_app, make_developer

pytestmark = pytest.mark.django_db


@pytest.fixture
def app_history(tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    history = build(tmp_path / "simpeg", 260)
    app = make_app(slug="simpeg", name="SIMPEG", repo="pemprov-demo/simpeg")
    mirrors.mirror_set_remote(repo=app.repo, url=str(history.path))
    return app, history


def stored(app) -> dict[str, dict[str, int]]:
    """The database's sums per identity e-mail."""
    rows = (
        DailyContribution.objects.filter(app=app)
        .values("identity__email")
        .annotate(**{f"s_{n}": Sum(n) for n in COUNT_FIELDS})
    )
    return {r["identity__email"]: {n: r[f"s_{n}"] for n in COUNT_FIELDS} for r in rows}


def scanned(path) -> dict[str, dict[str, int]]:
    """The same sums from the scan the command line runs (checked against git in test_scan)."""
    found = {}
    for person in totals(scan(path)):
        counts = {"authored": person.authored, "co_authored": person.co_authored}
        for category, (added, removed) in person.lines.items():
            counts[f"{category}_added"] = added
            counts[f"{category}_removed"] = removed
        found[person.email.lower()] = counts
    return found


def commit(path, message="baru", files=None, email="ayu@diskominfo.example.go.id"):
    for name, text in (files or {"src/baru.py": "print('baru')\n"}).items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        subprocess.run(["git", "-C", str(path), "add", name], check=True)
    subprocess.run(
        ["git", "-C", str(path), "-c", "user.name=Ayu", "-c", f"user.email={email}",
         "commit", "-q", "-m", message],
        check=True,
    )  # fmt: skip


def test_a_full_sync_stores_what_the_scan_says(app_history):
    app, history = app_history
    assert "commit(s) counted" in services.contributions_sync(app=app)
    assert stored(app) == scanned(history.path)
    state = SyncState.objects.get(app=app)
    assert state.status == SyncState.Status.IDLE
    assert state.processed == state.total > 200
    assert services.contributions_sync(app=app) == "up to date"


def test_an_incremental_sync_counts_only_the_new_commit(app_history):
    app, history = app_history
    services.contributions_sync(app=app)
    commit(history.path, files={"docs/database/tabel_baru.md": "# t\n\nkolom\n"})
    assert services.contributions_sync(app=app) == "1 commit(s) counted"
    assert stored(app) == scanned(history.path)


def test_a_sync_that_dies_goes_on_where_it_stopped(app_history, monkeypatch):
    app, history = app_history
    real_store = services._store
    calls = {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("the worker died")
        return real_store(*args, **kwargs)

    monkeypatch.setattr(services, "_store", dying)
    with pytest.raises(RuntimeError):
        services.contributions_sync(app=app, batch_size=50)
    state = SyncState.objects.get(app=app)
    assert state.status == SyncState.Status.RUNNING
    assert state.processed == 100 and state.total > 200
    assert "the worker died" in state.last_error
    monkeypatch.setattr(services, "_store", real_store)
    assert services.contributions_sync(app=app, batch_size=50) == (
        f"{state.total - 100} commit(s) counted"
    )
    assert stored(app) == scanned(history.path)


def test_new_rules_or_a_rewritten_history_count_everything_again(app_history):
    app, history = app_history
    services.contributions_sync(app=app)
    code_before = sum(c["code_added"] for c in stored(app).values())
    marks = (history.path / ".gitattributes").read_text() + "src/** linguist-generated\n"
    commit(history.path, files={".gitattributes": marks})
    services.contributions_sync(app=app)
    assert stored(app) == scanned(history.path)
    # What was code under src/ is now generated, for the whole history.
    assert sum(c["code_added"] for c in stored(app).values()) < code_before / 2
    subprocess.run(["git", "-C", str(history.path), "reset", "-q", "--hard", "HEAD~3"], check=True)
    services.contributions_sync(app=app)
    assert stored(app) == scanned(history.path)


def test_developers_are_found_by_email_noreply_login_and_assignment(app_history):
    app, history = app_history
    services.contributions_sync(app=app)
    ayu = make_developer(github_login="ayu-l", emails=("ayu@diskominfo.example.go.id",))
    sari = make_developer(github_login="SariW")
    jose = make_developer(github_login="jose-m")
    period = selectors.period_for("all", date.today())
    rows = {row.label: row for row in selectors.app_figures(app=app, period=period)}
    assert rows[str(ayu.user.get_full_name() or "ayu-l")].developer == ayu
    assert any(row.developer == sari for row in rows.values())
    unmapped = {i.email for i in selectors.unmapped_identities()}
    assert "jose@vendor-dua.example.co.id" in unmapped
    # The platform team assigns the identity: past commits count for the developer at once...
    identity = Identity.objects.get(email="jose@vendor-dua.example.co.id")
    services.identity_assign(identity=identity, developer_id=jose.pk)
    before = next(r for r in selectors.app_figures(app=app, period=period) if r.developer == jose)
    # ...and so do future ones.
    commit(history.path, email="jose@vendor-dua.example.co.id")
    services.contributions_sync(app=app)
    after = next(r for r in selectors.app_figures(app=app, period=period) if r.developer == jose)
    assert after.commits == before.commits + 1
    assert "jose@vendor-dua.example.co.id" not in {i.email for i in selectors.unmapped_identities()}


def test_the_work_weight_follows_the_formula_and_the_weights(app_history):
    app, _history = app_history
    services.contributions_sync(app=app)
    Weights.objects.create(commits=3.0, code=1.0, usage_docs=2.0, database_docs=2.0, tests=0.0)
    rows = selectors.app_figures(app=app, period=selectors.period_for("all", date.today()))
    assert math.isclose(sum(row.share for row in rows), 1.0)
    row = rows[0]
    expected = 3.0 * math.log2(1 + row.commits) + sum(
        weight * math.log2(1 + sum(row.lines(category)))
        for category, weight in (("code", 1.0), ("usage_docs", 2.0), ("database_docs", 2.0))
    )
    assert math.isclose(row.score, expected)
    assert rows == sorted(rows, key=lambda r: -r.score)


def test_a_push_to_the_default_branch_queues_a_count(
    app_history, django_capture_on_commit_callbacks
):
    app, _history = app_history
    delivery = Delivery(
        event="push",
        repo=app.repo,
        payload={
            "ref": "refs/heads/main",
            "after": "a" * 40,
            "repository": {"default_branch": "main"},
        },
    )
    with django_capture_on_commit_callbacks() as callbacks:
        assert push_received(delivery) == "counting queued for 1 app(s)"
    assert len(callbacks) == 1
    delivery.payload["ref"] = "refs/heads/fitur"
    assert push_received(delivery) == "not the default branch: nothing to count"


def test_periods():
    period = selectors.period_for("quarter", date(2026, 5, 17))
    assert (period.start, period.end, period.label) == (
        date(2026, 4, 1),
        date(2026, 7, 1),
        "2026 Q2",
    )
    assert period.previous().label == "2026 Q1"
    assert selectors.period_for("month", date(2026, 12, 3)).next().label == "2027-01"
    assert selectors.period_for("all", date(2026, 1, 1)).previous() is None


def test_the_job_a_push_queues_fetches_the_pushed_commit_and_counts_it(app_history):
    from polise.contributions.jobs import contributions_sync_app

    app, history = app_history
    contributions_sync_app.call(app.pk)
    commit(history.path, files={"docs/usage/baru.md": "# Baru\n\nisi\n"})
    after = (
        subprocess.run(
            ["git", "-C", str(history.path), "rev-parse", "HEAD"], capture_output=True, check=True
        )
        .stdout.decode()
        .strip()
    )
    push = {"ref": "refs/heads/main", "after": after, "default_branch": "main"}
    assert contributions_sync_app.call(app.pk, push=push) == "1 commit(s) counted"
    assert SyncState.objects.get(app=app).synced_tip == after
    assert stored(app) == scanned(history.path)
