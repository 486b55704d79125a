"""Counting an app's git history into contribution figures, incrementally and resumably.

    contributions_sync(app=app)    # in a job, after a push or a mirror fetch

A sync reads the commits of the mirror's default branch that are not counted yet (all of them
the first time, or when the classification rules or the history itself changed: a forced
push), newest first, through the same scan as `polise contributions scan`. Every batch of
commits is stored in one transaction together with how many are done, so a sync that dies
goes on where it stopped, and the page shows its progress.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from polise.catalog.models import App
from polise.forge import api
from polise.forge.mirrors import gitread
from polise.forge.mirrors import services as mirrors

from . import scan
from .models import COUNT_FIELDS, DailyContribution, ForgeActivity, Identity, SyncState

logger = logging.getLogger(__name__)

BATCH = 2000


class SyncConflict(RuntimeError):
    """Another sync of the same app moved the state on meanwhile; this one stops."""


def sync_state(*, app: App) -> SyncState:
    state, _ = SyncState.objects.get_or_create(app=app)
    return state


def _begin(app: App, git_dir: object, tip: str, rules: str) -> SyncState | None:
    """Lock the app's state and decide what to count: resume the sync under way, count what
    is new, count everything again, or nothing (None)."""
    with transaction.atomic():
        sync_state(app=app)
        state = SyncState.objects.select_for_update().get(app=app)
        if (
            state.status == SyncState.Status.RUNNING
            and state.target
            and state.rules == rules
            and gitread.has_commit(git_dir, state.target)  # type: ignore[arg-type]
        ):
            return state  # resume where it stopped
        if state.synced_tip == tip and state.rules == rules:
            if state.status != SyncState.Status.IDLE or state.last_error:
                state.status, state.last_error = SyncState.Status.IDLE, ""
                state.save(update_fields=["status", "last_error"])
            return None
        known = bool(state.synced_tip) and gitread.has_commit(git_dir, state.synced_tip)  # type: ignore[arg-type]
        if (
            known and state.rules == rules and gitread.is_ancestor(git_dir, state.synced_tip, tip)  # type: ignore[arg-type]
        ):
            base = state.synced_tip
        else:  # first sync, new rules or a rewritten history: count everything again
            DailyContribution.objects.filter(app=app).delete()
            base = ""
            state.synced_tip = ""
        state.target, state.base, state.rules = tip, base, rules
        state.processed = 0
        state.total = scan.count(git_dir, tip=tip, exclude=[base] if base else [])  # type: ignore[arg-type]
        state.status, state.last_error = SyncState.Status.RUNNING, ""
        state.save()
        return state


Key = tuple[str, date]


class _Batch:
    """Figures of a batch of commits, summed per identity and day before they are stored."""

    def __init__(self) -> None:
        self.counts: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNT_FIELDS, 0))
        self.people: dict[str, scan.Person] = {}
        self.commits = 0

    def add(self, figures: scan.CommitFigures) -> None:
        self.commits += 1
        day = figures.authored_at.date()
        if not scan.is_bot(figures.author):
            key = figures.author.key
            self.people.setdefault(key, figures.author)
            row = self.counts[key, day]
            row["authored"] += 1
            for category, (added, removed) in figures.lines.items():
                row[f"{category}_added"] += added
                row[f"{category}_removed"] += removed
        for co_author in figures.co_authors:
            self.people.setdefault(co_author.key, co_author)
            self.counts[co_author.key, day]["co_authored"] += 1


def _identities(people: dict[str, scan.Person]) -> dict[str, int]:
    emails = list(people)
    Identity.objects.bulk_create(
        [
            Identity(
                email=email,
                name=people[email].name[:200],
                github_login=scan.github_login(email) or "",
            )
            for email in emails
        ],
        ignore_conflicts=True,
    )
    return dict(Identity.objects.filter(email__in=emails).values_list("email", "pk"))


def _store(app: App, state: SyncState, batch: _Batch, expected: int) -> None:
    """One batch and the progress it makes, in one transaction."""
    with transaction.atomic():
        locked = SyncState.objects.select_for_update().get(pk=state.pk)
        if locked.target != state.target or locked.processed != expected:
            raise SyncConflict(f"another sync of {app.slug} moved on meanwhile")
        ids = _identities(batch.people)
        existing = {
            (row.identity_id, row.day): row
            for row in DailyContribution.objects.filter(
                app=app,
                identity_id__in=set(ids.values()),
                day__in={day for _, day in batch.counts},
            )
        }
        new, changed = [], []
        for (email, day), counts in batch.counts.items():
            row = existing.get((ids[email], day))
            if row is None:
                new.append(DailyContribution(app=app, identity_id=ids[email], day=day, **counts))
                continue
            for name, value in counts.items():
                setattr(row, name, getattr(row, name) + value)
            changed.append(row)
        DailyContribution.objects.bulk_create(new, batch_size=500)
        DailyContribution.objects.bulk_update(changed, COUNT_FIELDS, batch_size=500)
        state.processed = expected + batch.commits
        SyncState.objects.filter(pk=state.pk).update(processed=state.processed)


def contributions_sync(
    *,
    app: App,
    fetch: bool = True,
    want: tuple[str, str] | None = None,
    default_branch: str = "",
    batch_size: int = BATCH,
    after_batch: Callable[[SyncState], None] | None = None,
) -> str:
    """Count the app's commits not counted yet (see the module's docstring). Safe to run twice
    and after a crash: it goes on from the last stored batch."""
    if not app.repo:
        return "the app has no repository"
    if fetch:
        mirrors.mirror_fetch(repo=app.repo, want=want, default_branch=default_branch)
    git_dir = mirrors.git_dir(app.repo)
    tip = gitread.resolve(git_dir, "HEAD")
    if tip is None:
        return f"the mirror of {app.repo} has no commits yet"
    rules = scan.rules_at(git_dir, tip)
    state = _begin(app, git_dir, tip, rules.fingerprint)
    if state is None:
        return "up to date"
    started = state.processed
    try:
        batch = _Batch()
        for figures in scan.scan(
            git_dir,
            tip=state.target,
            exclude=[state.base] if state.base else [],
            classifier=rules,
            skip=state.processed,
        ):
            batch.add(figures)
            if batch.commits >= batch_size:
                _store(app, state, batch, state.processed)
                batch = _Batch()
                if after_batch:
                    after_batch(state)
        _store(app, state, batch, state.processed)
    except SyncConflict:
        return "another sync is counting this app"
    except Exception as exc:
        SyncState.objects.filter(pk=state.pk).update(last_error=str(exc)[:2000])
        raise
    SyncState.objects.filter(pk=state.pk, target=state.target).update(
        synced_tip=state.target,
        target="",
        base="",
        status=SyncState.Status.IDLE,
        total=state.processed,
        synced_at=timezone.now(),
        last_error="",
    )
    return f"{state.processed - started} commit(s) counted"


def identity_assign(*, identity: Identity, developer_id: int | None) -> None:
    """The platform team says who an identity is; every figure of it, past and future,
    counts for that developer from now on (figures are matched to developers when read)."""
    Identity.objects.filter(pk=identity.pk).update(developer_id=developer_id)


def _day(text: object) -> date | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _human(user: Any) -> str | None:
    """A webhook payload's GitHub user as a lowercase login; None for a bot or no user."""
    if not isinstance(user, dict) or not isinstance(user.get("login"), str):
        return None
    return _login(api.person(user["login"], user.get("type")))


def _login(person: api.Person | None) -> str | None:
    """A GitHub user's login, lowercase; None for a bot or an account GitHub no longer knows."""
    return None if person is None or person.is_bot else person.login.lower()


# kind, key (one per app: a fact stored twice counts once), login, pull request, day
Fact = tuple[str, str, str | None, int, date | None]


def _store_facts(apps: list[App], facts: list[Fact]) -> int:
    rows = [
        ForgeActivity(app=app, kind=kind, key=key, login=login, number=number, day=day)
        for app in apps
        for kind, key, login, number, day in facts
        if login and day
    ]
    stored = ForgeActivity.objects.filter(app__in=apps)
    before = stored.count()
    ForgeActivity.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return stored.count() - before


def _opened(number: int, author: str | None, day: date | None) -> Fact:
    return (ForgeActivity.Kind.PR_OPENED, f"prs_opened:{number}", author, number, day)


def _merged(number: int, author: str | None, day: date | None) -> Fact:
    # A merged pull request counts for its author, not for whoever pressed the button.
    return (ForgeActivity.Kind.PR_MERGED, f"prs_merged:{number}", author, number, day)


def _reviewed(number: int, review_id: object, reviewer: str | None, day: date | None) -> Fact:
    return (ForgeActivity.Kind.REVIEW, f"reviews:{number}:{review_id}", reviewer, number, day)


def forge_activity_record(*, repo: str, event: str, payload: dict[str, Any]) -> int:
    """Store what a `pull_request` or `pull_request_review` delivery says (a pull request
    opened or merged, a review submitted) for every app of `repo`; returns rows added.
    Safe to repeat: each fact has one key per app."""
    pull = payload.get("pull_request") or {}
    number = pull.get("number")
    action = payload.get("action")
    if not isinstance(number, int):
        return 0
    facts: list[Fact] = []
    if event == "pull_request" and action == "opened":
        facts.append(_opened(number, _human(pull.get("user")), _day(pull.get("created_at"))))
    elif event == "pull_request" and action == "closed" and pull.get("merged"):
        facts.append(_merged(number, _human(pull.get("user")), _day(pull.get("merged_at"))))
    elif event == "pull_request_review" and action == "submitted":
        review = payload.get("review") or {}
        facts.append(
            _reviewed(number, review.get("id"), _human(review.get("user")),
                      _day(review.get("submitted_at")))
        )  # fmt: skip
    return _store_facts(list(App.objects.filter(repo__iexact=repo)), facts)


# Reviews are listed per pull request; the facts of this many pull requests are stored at a
# time, so an import that dies keeps what it had read.
IMPORT_CHUNK = 50


def forge_activity_import(*, app: App) -> int:
    """Read from GitHub every pull request of the app's repository and every review given on
    them: what the webhooks never delivered (all that happened before they were set up, or
    while deliveries failed). Returns the facts added; facts already stored, from webhooks or
    an earlier import, stay as they are, so it is safe to run again."""
    state = sync_state(app=app)
    # In number order, so that an earlier attempt of this import that stopped has stored
    # everything up to the number it recorded.
    pulls = sorted(
        (p for p in api.list_pull_requests(app.repo) if p.number > state.forge_import_through),
        key=lambda pull: pull.number,
    )
    added = 0
    for start in range(0, len(pulls), IMPORT_CHUNK):
        chunk = pulls[start : start + IMPORT_CHUNK]
        facts: list[Fact] = []
        for pull in chunk:
            author = _login(pull.author)
            facts.append(_opened(pull.number, author, _utc_day(pull.created_at)))
            if pull.merged_at:
                facts.append(_merged(pull.number, author, _utc_day(pull.merged_at)))
            for review in api.list_pull_reviews(app.repo, pull.number):
                if review.submitted_at:  # a pending review is not given yet
                    facts.append(
                        _reviewed(pull.number, review.id, _login(review.reviewer),
                                  _utc_day(review.submitted_at))
                    )  # fmt: skip
        with transaction.atomic():
            added += _store_facts([app], facts)
            SyncState.objects.filter(pk=state.pk).update(
                forge_import_through=max(pull.number for pull in chunk)
            )
    SyncState.objects.filter(pk=state.pk).update(
        forge_imported_at=timezone.now(), forge_import_through=0
    )
    return added


def _utc_day(moment: datetime) -> date:
    # The webhook path takes the date of GitHub's UTC timestamp too: both agree on the day.
    return moment.astimezone(UTC).date()
