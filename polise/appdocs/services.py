"""Writes: building an app's docs from its mirror (in a job), and readers' feedback."""

from __future__ import annotations

import logging
import posixpath
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from polise.catalog.models import App
from polise.deployments.models import DeployRecord
from polise.forge.mirrors import gitread
from polise.forge.mirrors import services as mirrors
from polise.onboarding.models import ProvisionedDatabase

from . import render, schema, search
from .models import DocPage, DocsState, PageFeedback, RenderedPage, SchemaCheck

logger = logging.getLogger(__name__)

MAX_PAGES = 2000  # per app and commit; the rest is listed in the log, not rendered


@dataclass(frozen=True)
class DocsSource:
    commit: str
    source: str  # DocsState.Source


def deployed_commit(*, app: App) -> str:
    """The commit of the app's latest successful deploy ('' when none was recorded)."""
    record = (
        DeployRecord.objects.filter(app=app, result="succeeded", finished_at__isnull=False)
        .exclude(commit="")
        .order_by("-finished_at", "-pk")
        .values_list("commit", flat=True)
        .first()
    )
    return record or ""


def docs_source(*, app: App) -> DocsSource | None:
    """Where the app's docs come from: the deployed commit when the mirror has it, else the
    mirror's default branch; None when the mirror has no commit at all."""
    git_dir = mirrors.git_dir(app.repo)
    deployed = deployed_commit(app=app)
    if deployed and git_dir.exists() and gitread.has_commit(git_dir, deployed):
        full = gitread.resolve(git_dir, deployed)
        if full:
            return DocsSource(full, DocsState.Source.DEPLOYED)
    if not git_dir.exists():
        return None
    head = gitread.resolve(git_dir, "HEAD")
    return DocsSource(head, DocsState.Source.BRANCH) if head else None


def _under(path: str, root: str) -> bool:
    root = root.strip("/")
    return not root or path == root or path.startswith(root + "/")


def page_kind(*, app: App, path: str) -> str | None:
    """Which docs a repository path belongs to (usage or database), or None."""
    if _under(path, app.database_docs_path):
        return DocPage.Kind.DATABASE
    if _under(path, app.usage_docs_path):
        return DocPage.Kind.USAGE
    if "/" not in path and posixpath.splitext(path)[0].lower() == "readme":
        return DocPage.Kind.USAGE
    return None


@dataclass
class _Page:
    path: str
    kind: str
    status: str
    note: str = ""
    blob_sha: str = ""
    size: int = 0
    title: str = ""
    rendered: RenderedPage | None = None


def _resolve_symlink(
    entries: dict[str, gitread.TreeEntry], link: gitread.TreeEntry, target: str
) -> tuple[gitread.TreeEntry | None, str]:
    """The file a symlink inside the repository points to, or why it is refused."""
    resolved = render.inside_repo(posixpath.dirname(link.path), target)
    if resolved is None or target.startswith("/"):
        return None, "symbolic link pointing outside the repository: not followed"
    entry = entries.get(resolved)
    if entry is None or entry.kind != "blob":
        return None, "symbolic link to something that is not a file here: not followed"
    return entry, ""


def collect_pages(*, app: App, commit: str) -> list[_Page]:
    """Render (or take from the cache) every docs page of `app` at `commit`."""
    git_dir = mirrors.git_dir(app.repo)
    entries = {e.path: e for e in gitread.tree(git_dir, commit)}
    wanted = sorted(
        (e for e in entries.values() if render.is_page(e.path) and page_kind(app=app, path=e.path)),
        key=lambda e: e.path,
    )
    if len(wanted) > MAX_PAGES:
        logger.warning("docs of %s: %d pages, only %d rendered", app.slug, len(wanted), MAX_PAGES)
        wanted = wanted[:MAX_PAGES]
    pages: list[_Page] = []
    known = RenderedPage.objects.in_bulk(
        [render.cache_key(e.sha, e.path) for e in wanted if e.kind == "blob"], field_name="key"
    )  # one query for the pages a former commit (or another app) rendered already
    with gitread.BlobReader(git_dir) as reader:
        for entry in wanted:
            kind = page_kind(app=app, path=entry.path) or DocPage.Kind.USAGE
            page = _Page(entry.path, kind, DocPage.Status.RENDERED, title=entry.path)
            pages.append(page)
            source = entry
            if entry.kind == "symlink":
                link = reader.read(entry.sha, max_bytes=4096)
                target = link.data.decode("utf-8", "replace") if link and link.data else ""
                resolved, why = _resolve_symlink(entries, entry, target)
                if resolved is None:
                    page.status, page.note = DocPage.Status.REFUSED, why
                    continue
                source = resolved
            elif entry.kind != "blob":
                page.status, page.note = DocPage.Status.REFUSED, f"a {entry.kind}, not a file"
                continue
            page.blob_sha, page.size = source.sha, source.size or 0
            if page.size > render.MAX_PAGE_BYTES:
                page.status = DocPage.Status.TOO_LARGE
                page.note = f"{page.size} bytes; pages over {render.MAX_PAGE_BYTES} are not shown"
                continue
            key = render.cache_key(source.sha, entry.path)
            cached = known.get(key)
            if cached is None and entry.kind == "symlink":
                cached = RenderedPage.objects.filter(key=key).first()
            if cached is None:
                blob = reader.read(source.sha, max_bytes=render.MAX_PAGE_BYTES)
                if blob is None or blob.data is None:
                    page.status, page.note = DocPage.Status.REFUSED, "unreadable"
                    continue
                if render.is_binary(blob.data):
                    page.status, page.note = DocPage.Status.BINARY, "not a text file"
                    continue
                try:
                    out = render.render_markdown(blob.data, path=entry.path)
                except Exception as exc:  # one bad page must not stop the others
                    logger.exception("docs of %s: %s could not be rendered", app.slug, entry.path)
                    page.status, page.note = (
                        DocPage.Status.REFUSED,
                        f"could not render: {exc}"[:300],
                    )
                    continue
                cached = RenderedPage(  # saved with the pages, in one transaction
                    key=key,
                    blob_sha=source.sha,
                    title=out.title[:300],
                    html=out.html,
                    toc=[h.__dict__ for h in out.toc],
                    text=out.text,
                    notes=out.notes,
                )
            page.rendered = cached
            page.title = cached.title
            if cached.notes:
                page.note = "; ".join(cached.notes)[:300]
    return pages


def docs_build(*, app: App, force: bool = False) -> str:
    """Make the app's docs those of its deployed commit (or default branch). Safe to run twice:
    a commit already built is left alone unless `force`."""
    state, _ = DocsState.objects.get_or_create(app=app)
    source = docs_source(app=app)
    if source is None:
        DocsState.objects.filter(pk=state.pk).update(last_error="the mirror has no commit yet")
        return "no commit"
    if state.commit == source.commit and state.built_at and not force:
        DocsState.objects.filter(pk=state.pk).update(
            source=source.source, built_at=timezone.now(), last_error=""
        )  # the same commit, now also the deployed one: nothing to render
        return f"up to date at {source.commit[:12]}"
    pages = collect_pages(app=app, commit=source.commit)
    with transaction.atomic():
        new: dict[str, RenderedPage] = {}
        for p in pages:
            if p.rendered is not None and p.rendered.pk is None:
                new[p.rendered.key] = p.rendered
        if new:
            RenderedPage.objects.bulk_create(
                list(new.values()), ignore_conflicts=True, batch_size=200
            )
            saved = RenderedPage.objects.in_bulk(list(new), field_name="key")
            for p in pages:
                if p.rendered and p.rendered.pk is None:
                    p.rendered = saved[p.rendered.key]
        old_ids = list(DocPage.objects.filter(app=app).values_list("pk", flat=True))
        search.unindex(old_ids)
        DocPage.objects.filter(app=app).delete()
        created = DocPage.objects.bulk_create(
            DocPage(
                app=app,
                path=p.path[:500],
                kind=p.kind,
                status=p.status,
                note=p.note[:300],
                blob_sha=p.blob_sha,
                size=p.size,
                title=(p.title or p.path)[:300],
                rendered=p.rendered,
                text=p.rendered.text if p.rendered else "",
            )
            for p in pages
        )
        if any(page.pk is None for page in created):  # backends without RETURNING ids
            created = list(DocPage.objects.filter(app=app))
        search.index(created)
        DocsState.objects.filter(pk=state.pk).update(
            commit=source.commit, source=source.source, built_at=timezone.now(), last_error=""
        )
    return f"{len(pages)} pages at {source.commit[:12]}"


def feedback_give(
    *, app: App, path: str, user: Any, helpful: bool, comment: str = "", commit: str = ""
) -> PageFeedback:
    feedback, _ = PageFeedback.objects.update_or_create(
        app=app,
        path=path,
        user=user,
        defaults={"helpful": helpful, "comment": comment.strip()[:2000], "commit": commit},
    )
    return feedback


def database_url_for(database: ProvisionedDatabase) -> str:
    """A URL to read the schema of a database Polise provisioned: the provisioning server's
    admin URL with the app's database in place of the admin's ('' when not configured)."""
    server = (
        settings.PROVISION_POSTGRES_URL
        if database.engine == ProvisionedDatabase.Engine.POSTGRESQL
        else settings.PROVISION_MYSQL_URL
    )
    if not server:
        return ""
    return urlunsplit(urlsplit(server)._replace(path="/" + database.name, query=""))


def database_docs_text(*, app: App) -> dict[str, str]:
    """The Markdown of the app's database docs at the docs' commit, by path."""
    state = DocsState.objects.filter(app=app).first()
    if state is None or not state.commit:
        return {}
    pages = DocPage.objects.filter(
        app=app, kind=DocPage.Kind.DATABASE, status=DocPage.Status.RENDERED
    ).values_list("path", "blob_sha")
    texts = {}
    with gitread.BlobReader(mirrors.git_dir(app.repo)) as reader:
        for path, sha in pages:
            blob = reader.read(sha, max_bytes=render.MAX_PAGE_BYTES)
            if blob is not None and blob.data is not None:
                texts[path] = blob.data.decode("utf-8", "replace")
    return texts


def schema_check_app(
    *, app: App, urls: dict[str, tuple[str, str]] | None = None
) -> list[SchemaCheck]:
    """Compare the app's database docs with each of its live databases and record the result.
    `urls` (name -> (engine, url)) overrides the provisioned databases (tests, the admin)."""
    if urls is None:
        urls = {
            db.name: (db.engine, database_url_for(db))
            for db in ProvisionedDatabase.objects.filter(app=app, dropped_at__isnull=True)
        }
    documented = schema.documented_schema(database_docs_text(app=app))
    state = DocsState.objects.filter(app=app).first()
    checks = []
    for name, (engine, url) in urls.items():
        values: dict[str, Any] = {"engine": engine, "commit": state.commit if state else ""}
        if not url:
            values |= {"error": "no server URL is configured for this engine", "result": {}}
        else:
            try:
                result = schema.compare(schema.introspect(url), documented)
            except schema.SchemaError as exc:
                values |= {"error": str(exc)[:2000], "result": {}, "coverage": None}
            else:
                values |= {"error": "", "result": result.as_dict(), "coverage": result.coverage}
        check, _ = SchemaCheck.objects.update_or_create(app=app, database=name, defaults=values)
        checks.append(check)
    return checks
