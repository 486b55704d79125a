"""What a developer does with a report from Polise: reply to the reporter and change its status,
both carried to the GitHub issue through the outbox; and the reporter's view of the result."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from polise.forge.models import Write
from polise.news.models import Item, Update
from polise.reports.models import Follower, Report, StatusChange
from tests.factories import make_user

from .test_filing import form

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def filed(client, simpeg, reporter, forge, drain_jobs, replay):
    client.post("/apps/simpeg/report/", form())
    drain_jobs()
    replay(forge)
    drain_jobs()
    report = Report.objects.get()
    assert report.status == Report.Status.OPEN and report.github_number
    return report


def test_a_reply_reaches_the_issue_once_and_the_reporter_reads_it(
    client, simpeg, reporter, forge, drain_jobs, filed
):
    owner = simpeg.owners.get()
    client.force_login(owner)
    page = client.get(f"/reports/{filed.pk}/").content.decode()
    assert f'action="/reports/{filed.pk}/reply/"' in page
    reply = {"body": "Terima kasih, sedang kami periksa.", "once": "k1"}
    # A double click sends the form twice: one comment.
    assert client.post(f"/reports/{filed.pk}/reply/", reply).status_code == 302
    assert client.post(f"/reports/{filed.pk}/reply/", reply).status_code == 302
    drain_jobs()
    comments = forge.state.issue("diskominfo", "simpeg", filed.github_number).comments
    assert len(comments) == 1 and comments[0].body.startswith("Terima kasih, sedang kami periksa.")
    client.force_login(reporter)
    assert "sedang kami periksa" in client.get(f"/reports/{filed.pk}/").content.decode()
    assert any(reporter.email in m.to and "SIMPEG" in m.subject for m in mail.outbox)


def test_an_empty_reply_is_refused_and_a_stranger_cannot_reply(client, simpeg, filed):
    client.force_login(simpeg.owners.get())
    response = client.post(f"/reports/{filed.pk}/reply/", {"body": "   ", "once": "x"})
    assert response.status_code == 400 and 'id="reply-error"' in response.content.decode()
    assert not Write.objects.filter(kind=Write.Kind.CREATE_COMMENT).exists()
    client.force_login(filed.reporter)  # the reporter does not manage the app
    assert client.post(f"/reports/{filed.pk}/reply/", {"body": "hai"}).status_code == 403
    client.force_login(make_user())
    assert client.post(f"/reports/{filed.pk}/status/", {"status": "resolved"}).status_code == 404


def test_resolving_in_polise_closes_the_issue_and_tells_reporter_and_followers(
    client, simpeg, reporter, forge, drain_jobs, replay, filed
):
    follower = make_user(username="budi", email="budi@example.go.id")
    Follower.objects.create(report=filed, user=follower)
    client.force_login(simpeg.owners.get())
    assert client.post(f"/reports/{filed.pk}/status/", {"status": "received"}).status_code == 302
    filed.refresh_from_db()
    assert filed.status == Report.Status.OPEN  # not a status a developer sets
    client.post(f"/reports/{filed.pk}/status/", {"status": "resolved"})
    drain_jobs()
    issue = forge.state.issue("diskominfo", "simpeg", filed.github_number)
    assert issue.state == "closed" and issue.state_reason == "completed"
    # GitHub's own "closed" event comes back and changes nothing more.
    replay(forge)
    drain_jobs()
    assert list(filed.status_changes.values_list("new_status", "source")) == [
        ("open", StatusChange.Source.POLISE),
        ("resolved", StatusChange.Source.PORTAL),
    ]
    told = [m for m in mail.outbox if "Selesai" in m.subject]
    assert any(m.to == [reporter.email] for m in told)
    assert any(m.bcc == [follower.email] and not m.to for m in told)

    client.post(f"/reports/{filed.pk}/status/", {"status": "open"})
    drain_jobs()
    assert forge.state.issue("diskominfo", "simpeg", filed.github_number).state == "open"


def test_the_update_that_shipped_the_fix_is_on_the_timeline(client, simpeg, reporter, filed):
    now = timezone.now()
    update = Update.objects.create(
        app=simpeg,
        key="deploy:7",
        kind=Update.Kind.DEPLOY,
        head_sha="abc1234def5678",
        occurred_at=now,
        status=Update.Status.PUBLISHED,
        published_at=now,
        item_count=1,
    )
    common = {"app": simpeg, "category": "fix", "author_name": "Citra"}
    common |= {"author_email": "citra@example.go.id", "committed_at": now}
    # "#1" inside "#12" is no reference; a plain mention is no fix.
    Item.objects.create(
        sha="1" * 40, update=update, title=f"Fixes #{filed.github_number}0", **common
    )
    Item.objects.create(sha="2" * 40, update=update, title=f"see #{filed.github_number}", **common)
    page = client.get(f"/reports/{filed.pk}/").content.decode()
    assert "abc1234" not in page
    Item.objects.create(
        sha="3" * 40,
        update=update,
        title="Simpan formulir pegawai",
        body=f"Closes #{filed.github_number}.",
        **common,
    )
    page = client.get(f"/reports/{filed.pk}/").content.decode()
    assert f'href="/apps/simpeg/news/#update-{update.pk}"' in page and "abc1234" in page
