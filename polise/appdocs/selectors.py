"""Reads of the docs: which pages a user may read, the page tree, feedback per page."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from polise.catalog.models import App
from polise.catalog.selectors import app_managed_by
from polise.sso.models import Launch

from .models import DocPage, DocsState, PageFeedback, SchemaCheck


def may_read_database_docs(*, app: App, user: Any) -> bool:
    """Database docs: the app's owners and the platform team only."""
    return app_managed_by(app=app, user=user)


def readable_pages(*, app: App, user: Any) -> QuerySet[DocPage]:
    """The app's pages `user` may read (the caller has applied the app's access rule)."""
    pages = DocPage.objects.filter(app=app)
    if not may_read_database_docs(app=app, user=user):
        pages = pages.filter(kind=DocPage.Kind.USAGE)
    return pages.defer("text").order_by("kind", "path")


def docs_state(*, app: App) -> DocsState | None:
    return DocsState.objects.filter(app=app).first()


def landing_page(pages: list[DocPage], app: App) -> DocPage | None:
    """The page the Docs tab opens: the usage docs' index or README, else the first page."""
    usage = [p for p in pages if p.kind == DocPage.Kind.USAGE]
    root = app.usage_docs_path.strip("/")
    for name in ("index.md", "README.md", "readme.md", "index.markdown"):
        for page in usage:
            if page.path == posixpath.join(root, name):
                return page
    folder_pages = [p for p in usage if p.path.startswith(root + "/")]
    for page in folder_pages or usage:
        return page
    return pages[0] if pages else None


def folder_index(pages: list[DocPage], folder: str) -> DocPage | None:
    folder = folder.strip("/")
    for name in ("index.md", "README.md", "readme.md"):
        for page in pages:
            if page.path == posixpath.join(folder, name):
                return page
    return None


@dataclass
class TreeNode:
    name: str
    page: DocPage | None = None
    children: list[TreeNode] = field(default_factory=list)


def page_tree(pages: list[DocPage]) -> dict[str, list[TreeNode]]:
    """Pages as nested folders, per kind of docs."""
    trees: dict[str, list[TreeNode]] = {}
    for page in pages:
        nodes = trees.setdefault(page.kind, [])
        *folders, _name = page.path.split("/")
        for folder in folders:
            found = next((n for n in nodes if n.page is None and n.name == folder), None)
            if found is None:
                found = TreeNode(folder)
                nodes.append(found)
            nodes = found.children
        nodes.append(TreeNode(page.title or page.path, page))
    return trees


def has_used_app(*, app: App, user: Any) -> bool:
    """Signed-in users who opened the app through Polise may say whether a page helped."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Launch.objects.filter(app=app, user=user).exists()


def feedback_of(*, app: App, path: str, user: Any) -> PageFeedback | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return PageFeedback.objects.filter(app=app, path=path, user=user).first()


@dataclass(frozen=True)
class PageResult:
    path: str
    yes: int
    no: int
    comments: list[tuple[bool, str]]

    @property
    def total(self) -> int:
        return self.yes + self.no

    @property
    def helpful_percent(self) -> int:
        return round(100 * self.yes / self.total) if self.total else 0


def feedback_per_page(*, app: App, comments_per_page: int = 5) -> list[PageResult]:
    """'Was this page helpful?' per page, least helpful first (two queries)."""
    counts = (
        PageFeedback.objects.filter(app=app)
        .values("path")
        .annotate(yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False)))
    )
    comments: dict[str, list[tuple[bool, str]]] = {}
    for path, helpful, comment in (
        PageFeedback.objects.filter(app=app)
        .exclude(comment="")
        .order_by("-updated_at")
        .values_list("path", "helpful", "comment")[:500]
    ):
        bucket = comments.setdefault(path, [])
        if len(bucket) < comments_per_page:
            bucket.append((helpful, comment))
    results = [
        PageResult(row["path"], row["yes"], row["no"], comments.get(row["path"], []))
        for row in counts
    ]
    return sorted(results, key=lambda r: (r.helpful_percent, -r.total, r.path))


def schema_checks(*, app: App) -> list[SchemaCheck]:
    return list(SchemaCheck.objects.filter(app=app))
