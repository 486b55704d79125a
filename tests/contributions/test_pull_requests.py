"""Pull requests and reviews, from GitHub's signed deliveries through the forge's intake,
into the work weight: opened and merged count for the author, reviews for the reviewer, bots
and redeliveries do not count, and a login with no developer has its own row."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from datetime import date

import pytest

from polise.contributions.models import ForgeActivity, Weights
from polise.contributions.selectors import app_figures, period_for
from polise.forge import webhooks
from polise.forge.models import Delivery
from polise.onboarding.services import WEBHOOK_EVENTS
from tests.factories import make_app, make_developer

pytestmark = pytest.mark.django_db
SECRET = "contributions-secret"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.GITHUB_WEBHOOK_SECRET = SECRET


def deliver(client, event: str, payload: dict, guid: str) -> None:
    body = json.dumps({"repository": {"full_name": "pemprov-demo/simpeg"}, **payload}).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = client.generic(
        "POST", "/hooks/github", body, content_type="application/json",
        HTTP_X_GITHUB_EVENT=event, HTTP_X_GITHUB_DELIVERY=guid, HTTP_X_HUB_SIGNATURE_256=signature,
    )  # fmt: skip
    assert response.status_code in (200, 202), response.content


def pull(number: int, login: str, **more) -> dict:
    return {"number": number, "user": {"login": login, "type": "User"},
            "created_at": "2026-03-02T10:00:00Z", **more}  # fmt: skip


def test_pull_requests_and_reviews_count_in_the_work_weight(client):
    app = make_app(slug="simpeg", repo="pemprov-demo/simpeg")
    ayu = make_developer(github_login="Ayu-L")
    deliver(client, "pull_request", {"action": "opened", "pull_request": pull(7, "ayu-l")}, "g1")
    deliver(client, "pull_request", {"action": "opened", "pull_request": pull(7, "ayu-l")}, "g1b")
    merged = pull(7, "ayu-l", merged=True, merged_at="2026-03-03T09:00:00Z")
    deliver(client, "pull_request", {"action": "closed", "pull_request": merged}, "g2")
    review = {"id": 99, "user": {"login": "Budi-X"}, "submitted_at": "2026-03-02T12:00:00Z"}
    deliver(
        client, "pull_request_review",
        {"action": "submitted", "pull_request": pull(7, "ayu-l"), "review": review}, "g3",
    )  # fmt: skip
    bot = {"number": 8, "user": {"login": "dependabot[bot]", "type": "Bot"},
           "created_at": "2026-03-02T10:00:00Z"}  # fmt: skip
    deliver(client, "pull_request", {"action": "opened", "pull_request": bot}, "g4")
    unmerged = pull(9, "ayu-l", merged=False, merged_at=None)
    deliver(client, "pull_request", {"action": "closed", "pull_request": unmerged}, "g5")
    for pk in Delivery.objects.order_by("pk").values_list("pk", flat=True):
        webhooks.process_delivery.call(pk)

    assert sorted(ForgeActivity.objects.values_list("key", "login")) == [
        ("prs_merged:7", "ayu-l"), ("prs_opened:7", "ayu-l"), ("reviews:7:99", "budi-x"),
    ]  # fmt: skip
    Weights.objects.create(commits=0, code=0, usage_docs=0, database_docs=0, tests=0,
                           prs_opened=1, prs_merged=2, reviews=3)  # fmt: skip
    rows = {r.label: r for r in app_figures(app=app, period=period_for("month", date(2026, 3, 9)))}
    ayu_row = next(r for r in rows.values() if r.developer == ayu)
    assert (ayu_row.counts["prs_opened"], ayu_row.counts["prs_merged"]) == (1, 1)
    assert math.isclose(ayu_row.score, 1 * math.log2(2) + 2 * math.log2(2))
    assert rows["@budi-x"].counts["reviews"] == 1  # no developer: the login's own row
    assert math.isclose(rows["@budi-x"].score, 3.0)
    assert app_figures(app=app, period=period_for("month", date(2026, 4, 1))) == []
    page_client = client
    page_client.force_login(ayu.user)
    page = page_client.get(
        "/apps/simpeg/contributions/?period=month&at=2026-03-01"
    ).content.decode()
    assert "@budi-x" in page and "1 / 1 · 0" in page


def test_new_apps_ask_github_for_these_events():
    assert {"pull_request", "pull_request_review"} <= set(WEBHOOK_EVENTS)
