"""`polise demo` shows real contribution figures out of the box: each demo app's history
counted, equal to what the scan (checked against git in test_scan) says of its mirror."""

from __future__ import annotations

import pytest

from polise.contributions.models import SyncState
from polise.contributions.scan import scan, totals
from polise.contributions.selectors import app_figures, period_for
from polise.demo.data import APPS, load_demo_data
from polise.forge.mirrors import services as mirrors

pytestmark = pytest.mark.django_db


def test_the_demo_counts_every_apps_history(tmp_path, settings, client):
    settings.DATA_DIR = tmp_path
    load_demo_data()
    states = SyncState.objects.select_related("app")
    assert {s.app.slug for s in states} == {a[0] for a in APPS}
    assert all(s.status == "idle" and s.processed == s.total > 0 for s in states)
    app = next(s.app for s in states if s.app.slug == "simpeg")
    rows = app_figures(app=app, period=period_for("all", app.created_at.date()))
    expected = totals(scan(mirrors.git_dir(app.repo)))
    assert sum(r.commits for r in rows) == sum(p.commits for p in expected)
    assert sum(r.counts["usage_docs_added"] for r in rows) == sum(
        p.lines["usage_docs"][0] for p in expected
    )
    assert sum(r.counts["usage_docs_added"] for r in rows) > 0
    assert any(r.developer is not None for r in rows)  # the catalog's git e-mails map them
    # The page shows them (signed in as a demo developer).
    client.force_login(
        rows[0].developer.user if rows[0].developer else states[0].app.owners.first()
    )
    page = client.get("/apps/simpeg/contributions/?period=all").content.decode()
    assert rows[0].label in page and "<svg" in page
    # A second run counts nothing again.
    before = list(SyncState.objects.values_list("synced_tip", "synced_at"))
    load_demo_data()
    assert list(SyncState.objects.values_list("synced_tip", "synced_at")) == before
