"""Writes: reading an app's commits from its mirror into news, grouping them into updates, and
what the app's developers change by hand. Jobs, views, the admin and the CLI call these."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from polise.catalog.models import App
from polise.forge.mirrors import gitread
from polise.forge.mirrors import services as mirrors

from . import deploys
from .models import AppNews, Edit, Item, Seen, Update
from .parse import Rules, parse_message

logger = logging.getLogger(__name__)

ZERO_SHA = "0" * 40
BATCH = 2000
# A first deploy seen by Polise ships the commits of the weeks before it; older commits of
# an app added later become history, one update per week.
FIRST_DEPLOY_WINDOW = timedelta(days=14)


@dataclass(frozen=True)
class Push:
    """What a push webhook says (the commits themselves are read from the mirror)."""

    ref: str
    before: str
    after: str
    default_branch: str = ""


def app_news_state(*, app: App) -> AppNews:
    state, _ = AppNews.objects.get_or_create(app=app)
    return state


def _rules(app: App, git_dir: Path, tip: str) -> Rules:
    manifest = None
    with gitread.BlobReader(git_dir) as reader:
        for name in ("polise.yaml", "polise.yml"):
            blob = reader.read(f"{tip}:{name}", max_bytes=256 * 1024)
            if blob and blob.data is not None:
                manifest = blob.data.decode("utf-8", "replace")
                break
    rules = Rules.from_manifest(
        manifest, usage_docs=app.usage_docs_path, database_docs=app.database_docs_path
    )
    for problem in rules.problems:
        logger.warning("news of %s: %s; default rules apply", app.slug, problem)
    return rules


def item_values(app: App, commit: gitread.Commit, rules: Rules) -> dict[str, Any]:
    """What one commit says as news: the columns of its Item."""
    message = parse_message(commit.message)
    if message.truncated:
        logger.info(
            "news of %s: commit %s has a very long message; kept its start", app.slug, commit.sha
        )
    paths = [change.path for change in commit.files]
    usage_docs, database_docs = rules.docs_touched(paths)
    return {
        "app_id": app.pk,
        "sha": commit.sha,
        "title": message.title,
        "body": message.body,
        "type": message.type[:40],
        "scope": message.scope,
        "category": rules.category(message, paths).value,
        "breaking_note": message.breaking_note,
        "usage_docs": usage_docs,
        "database_docs": database_docs,
        "author_name": commit.author.name[:200],
        "author_email": commit.author.email[:254],
        "co_authors": [f"{p.name} <{p.email}>" for p in commit.co_authors],
        "committed_at": commit.committed_at,
        "skip_reason": rules.skip_reason(
            message,
            raw_message=commit.message,
            author_name=commit.author.name,
            author_email=commit.author.email,
            is_merge=commit.is_merge,
            paths=paths,
        ),
        "hidden": False,
        "withdrawn_at": None,
        "update_id": None,
    }


class _ItemInserter:
    """Items stored many at a time with one prepared INSERT that skips commits already stored:
    a backfill of a long history spends its time reading git, not building model objects."""

    def __init__(self) -> None:
        # The connection itself, not Django's per-thread proxy: this runs per commit.
        self.connection = connections[DEFAULT_DB_ALIAS]
        fields = {field.attname: field for field in Item._meta.concrete_fields}
        self.columns = [name for name in fields if name != "id"]
        self.co_authors = fields["co_authors"]
        self.no_co_authors = self.co_authors.get_db_prep_save([], self.connection)
        self.adapt_datetime = self.connection.ops.adapt_datetimefield_value
        quote = self.connection.ops.quote_name
        names = ", ".join(quote(name) for name in self.columns)
        params = ", ".join(["%s"] * len(self.columns))
        table = quote(Item._meta.db_table)
        # Only our own table and column names go into the statement; values are parameters.
        if self.connection.vendor == "mysql":
            self.sql = f"INSERT IGNORE INTO {table} ({names}) VALUES ({params})"  # noqa: S608
        else:
            self.sql = f"INSERT INTO {table} ({names}) VALUES ({params}) ON CONFLICT DO NOTHING"  # noqa: S608

    def row(self, values: dict[str, Any]) -> tuple[Any, ...]:
        people = values["co_authors"]
        values["co_authors"] = (
            self.co_authors.get_db_prep_save(people, self.connection)
            if people
            else self.no_co_authors
        )
        values["committed_at"] = self.adapt_datetime(values["committed_at"])
        return tuple(values[name] for name in self.columns)

    def insert(self, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            with self.connection.cursor() as cursor:
                cursor.executemany(self.sql, rows)


def _ingest(app: App, git_dir: Path, *, tip: str, exclude: Sequence[str], rules: Rules) -> int:
    """Store the commits of `tip` less `exclude` that are not stored yet; returns how many
    were read. Streamed, in batches: memory does not grow with the history."""
    inserter = _ItemInserter()
    read = 0
    batch: list[tuple[Any, ...]] = []
    for commit in gitread.log(
        git_dir, tip=tip, exclude=exclude, files=gitread.Files.NAMES, reverse=True
    ):
        batch.append(inserter.row(item_values(app, commit, rules)))
        read += 1
        if len(batch) >= BATCH:
            inserter.insert(batch)
            batch = []
    inserter.insert(batch)
    return read


def _recount(update_ids: Iterable[int]) -> None:
    shown = (
        Item.objects.filter(
            update=OuterRef("pk"), hidden=False, withdrawn_at__isnull=True, skip_reason=""
        )
        .values("update")
        .annotate(n=Count("pk"))
        .values("n")
    )
    ids = list(set(update_ids))
    for start in range(0, len(ids), 500):
        Update.objects.filter(pk__in=ids[start : start + 500]).update(
            item_count=Coalesce(Subquery(shown), Value(0))
        )


def _reconcile(app: App, git_dir: Path, *, tip: str) -> int:
    """After history was rewritten (a forced push): withdraw the items no longer on the branch
    (kept, marked, not shown) and bring back any that are on it again."""
    reachable = set(gitread.rev_list(git_dir, tip=tip))
    withdraw, restore, touched = [], [], set()
    for pk, sha, withdrawn_at, update_id in Item.objects.filter(app=app).values_list(
        "pk", "sha", "withdrawn_at", "update_id"
    ):
        on_branch = sha in reachable
        if withdrawn_at is None and not on_branch:
            withdraw.append(pk)
        elif withdrawn_at is not None and on_branch:
            restore.append(pk)
        else:
            continue
        if update_id:
            touched.add(update_id)
    now = timezone.now()
    for start in range(0, len(withdraw), 500):
        Item.objects.filter(pk__in=withdraw[start : start + 500]).update(withdrawn_at=now)
    for start in range(0, len(restore), 500):
        Item.objects.filter(pk__in=restore[start : start + 500]).update(withdrawn_at=None)
    if withdraw:
        logger.info(
            "news of %s: history rewritten, %d commit(s) withdrawn", app.slug, len(withdraw)
        )
    _recount(touched)
    return len(withdraw)


def _new_update(
    app: App,
    state: AppNews,
    *,
    key: str,
    kind: str,
    head: str,
    occurred_at: datetime,
    pks: list[int],
) -> Update:
    held = state.hold_for_review and kind != Update.Kind.HISTORY
    if kind == Update.Kind.HISTORY:
        published_at: datetime | None = occurred_at
    else:
        published_at = None if held else timezone.now()
    update, _ = Update.objects.get_or_create(
        app=app,
        key=key,
        defaults={
            "kind": kind,
            "head_sha": head,
            "occurred_at": occurred_at,
            "status": Update.Status.HELD if held else Update.Status.PUBLISHED,
            "published_at": published_at,
        },
    )
    for start in range(0, len(pks), 500):
        Item.objects.filter(pk__in=pks[start : start + 500]).update(update=update)
    _recount([update.pk])
    return update


def _history(app: App, state: AppNews, pending: list[tuple[int, str, datetime]]) -> int:
    """Older commits (whose pushes and deploys Polise did not see), one update per week,
    published as of their newest commit: history, not news to be flagged as unread."""
    weeks: dict[str, list[tuple[int, str, datetime]]] = defaultdict(list)
    for row in pending:
        year, week, _ = timezone.localdate(row[2]).isocalendar()
        weeks[f"history:{year}-W{week:02d}"].append(row)
    existing = dict(Update.objects.filter(app=app, key__in=list(weeks)).values_list("key", "pk"))
    fresh = []
    for key, rows in weeks.items():
        if key not in existing:
            newest = max(rows, key=lambda row: row[2])
            fresh.append(
                Update(
                    app=app,
                    key=key,
                    kind=Update.Kind.HISTORY,
                    head_sha=newest[1],
                    occurred_at=newest[2],
                    status=Update.Status.PUBLISHED,
                    published_at=newest[2],
                )
            )
    Update.objects.bulk_create(fresh, ignore_conflicts=True)
    ids = dict(Update.objects.filter(app=app, key__in=list(weeks)).values_list("key", "pk"))
    for key, rows in weeks.items():
        pks = [row[0] for row in rows]
        for start in range(0, len(pks), 500):
            Item.objects.filter(pk__in=pks[start : start + 500]).update(update_id=ids[key])
    _recount(ids.values())
    return len(weeks)


def _group(app: App, state: AppNews, git_dir: Path, push: Push | None) -> int:
    """Put the items that make news and are in no update yet into updates; returns how many
    updates were made or grown."""
    pending = list(
        Item.objects.filter(
            app=app, update__isnull=True, withdrawn_at__isnull=True, skip_reason=""
        ).values_list("pk", "sha", "committed_at")
    )
    if not pending:
        return 0
    made = 0
    if deploys.app_records_deploys(app_id=app.pk):
        cutoff = None  # set when this is the first deploy Polise groups for the app
        for shipped in deploys.deploys_since(app_id=app.pk, after=state.grouped_deploy_at):
            if not gitread.has_commit(git_dir, shipped.commit):
                logger.warning(
                    "news of %s: deployed commit %s is not in the mirror", app.slug, shipped.commit
                )
                continue
            previous = state.grouped_deploy_commit
            exclude = [previous] if previous and gitread.has_commit(git_dir, previous) else []
            reachable = set(gitread.rev_list(git_dir, tip=shipped.commit, exclude=exclude))
            rows = [row for row in pending if row[1] in reachable]
            if not previous:
                cutoff = shipped.finished_at - FIRST_DEPLOY_WINDOW
                rows = [row for row in rows if row[2] >= cutoff]
            if rows:
                _new_update(
                    app,
                    state,
                    key=f"deploy:{shipped.record_id}",
                    kind=Update.Kind.DEPLOY,
                    head=shipped.commit,
                    occurred_at=shipped.finished_at,
                    pks=[row[0] for row in rows],
                )
                made += 1
                taken = {row[0] for row in rows}
                pending = [row for row in pending if row[0] not in taken]
            state.grouped_deploy_at = shipped.finished_at
            state.grouped_deploy_commit = shipped.commit
        if cutoff is not None:
            made += _history(app, state, [row for row in pending if row[2] < cutoff])
        return made
    if push and push.after != ZERO_SHA and gitread.has_commit(git_dir, push.after):
        exclude = [push.before] if gitread.has_commit(git_dir, push.before) else []
        pushed = set(gitread.rev_list(git_dir, tip=push.after, exclude=exclude))
        rows = [row for row in pending if row[1] in pushed]
        if rows:
            _new_update(
                app,
                state,
                key=f"push:{push.after}",
                kind=Update.Kind.PUSH,
                head=push.after,
                occurred_at=timezone.now(),
                pks=[row[0] for row in rows],
            )
            made += 1
            pending = [row for row in pending if row[1] not in pushed]
    return made + _history(app, state, pending)


def news_sync(*, app: App, push: Push | None = None, fetch: bool = True) -> str:
    """Read the app's branch from its mirror (fetched first unless `fetch` is False): store the
    new commits, withdraw those a forced push dropped, group what makes news into updates.
    Safe to run twice and in any order: it always reads the mirror's branch as it is now."""
    if not app.repo:
        return "the app has no repository"
    if fetch:
        mirrors.mirror_fetch(
            repo=app.repo,
            want=(push.ref, push.after) if push else None,
            default_branch=push.default_branch if push else "",
        )
    git_dir = mirrors.git_dir(app.repo)
    with transaction.atomic():
        app_news_state(app=app)
        state = AppNews.objects.select_for_update().get(app=app)
        branch = (
            state.branch or (push.default_branch if push else "") or gitread.default_branch(git_dir)
        )
        tip = gitread.resolve(git_dir, f"refs/heads/{branch}") if branch else None
        if tip is None:
            message = f"branch {branch or '(default)'} is not in the mirror of {app.repo}"
            AppNews.objects.filter(pk=state.pk).update(last_error=message)
            logger.warning("news of %s: %s", app.slug, message)
            return message
        read = withdrawn = 0
        if state.synced_tip != tip:
            rules = _rules(app, git_dir, tip)
            known = state.synced_tip and gitread.has_commit(git_dir, state.synced_tip)
            if known and gitread.is_ancestor(git_dir, state.synced_tip, tip):
                read = _ingest(app, git_dir, tip=tip, exclude=[state.synced_tip], rules=rules)
            else:
                read = _ingest(app, git_dir, tip=tip, exclude=[], rules=rules)
                if state.synced_tip:
                    withdrawn = _reconcile(app, git_dir, tip=tip)
        made = _group(app, state, git_dir, push)
        state.synced_tip = tip
        state.synced_at = timezone.now()
        state.last_error = ""
        state.save()
    return f"{read} commit(s) read, {withdrawn} withdrawn, {made} update(s)"


# Editorial: what an app's developers change by hand, each change recorded.


def _record(
    *, app: App, user: Any, action: str, update=None, item=None, before="", after=""
) -> None:
    Edit.objects.create(
        app=app, update=update, item=item, user=user, action=action, before=before, after=after
    )


@transaction.atomic
def update_rewrite(*, update: Update, user: Any, title: str, text: str) -> None:
    """A developer's plain-language title and text for an update (empty: back to the commits')."""
    title, text = title.strip()[:200], text.strip()
    if title != update.title:
        _record(
            app=update.app,
            user=user,
            action="title",
            update=update,
            before=update.title,
            after=title,
        )
    if text != update.text:
        _record(
            app=update.app, user=user, action="text", update=update, before=update.text, after=text
        )
    update.title, update.text = title, text
    update.save(update_fields=["title", "text"])


@transaction.atomic
def update_set_status(*, update: Update, user: Any, status: str) -> None:
    """Publish a held update, hide an update, or show it again."""
    if status not in Update.Status.values or status == update.status:
        return
    _record(
        app=update.app,
        user=user,
        action="status",
        update=update,
        before=update.status,
        after=status,
    )
    if status == Update.Status.PUBLISHED and update.published_at is None:
        update.published_at = timezone.now()
    update.status = status
    update.save(update_fields=["status", "published_at"])


@transaction.atomic
def item_set_hidden(*, item: Item, user: Any, hidden: bool) -> None:
    if item.hidden == hidden:
        return
    _record(
        app=item.app, user=user, action="hide" if hidden else "show", item=item, update=item.update
    )
    item.hidden = hidden
    item.save(update_fields=["hidden"])
    if item.update_id:
        _recount([item.update_id])


@transaction.atomic
def app_news_configure(*, app: App, user: Any, branch: str, hold_for_review: bool) -> AppNews:
    state = app_news_state(app=app)
    branch = branch.strip()
    for field, value in (("branch", branch), ("hold_for_review", hold_for_review)):
        if getattr(state, field) != value:
            _record(
                app=app,
                user=user,
                action=field,
                before=str(getattr(state, field)),
                after=str(value),
            )
            setattr(state, field, value)
    state.save(update_fields=["branch", "hold_for_review", "updated_at"])
    return state


def news_mark_seen(*, user: Any, app: App) -> None:
    """The user has seen the app's news as of now (the launcher's badge starts again from 0)."""
    if user.is_authenticated:
        Seen.objects.update_or_create(user=user, app=app, defaults={"seen_at": timezone.now()})
