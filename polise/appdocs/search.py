"""Full-text search over the docs pages a user may read.

- PostgreSQL: `to_tsvector(CONFIG, title || ' ' || text)` with a GIN expression index (made by
  migration 0002). CONFIG is `indonesian` (Snowball stemming: "pengaturan" finds "mengatur")
  when the server has that text search configuration, which PostgreSQL 13+ ships; otherwise
  `simple` (plain word matching, no stemming). `search_config()` says which one is in use.
- SQLite (the default and the demo): an FTS5 table `appdocs_search` (unicode61 tokenizer,
  diacritics removed), kept in step with DocPage by `index`/`unindex`; plain word matching
  with prefix match on the last word, no stemming.
- Anything else (MySQL/MariaDB as Polise's own database): a case-insensitive substring match,
  ranked by title hits.

Access: only pages of apps `App.objects.visible_to(user)` lets the user open, and database
docs only of the apps the user looks after (owners, staff). Snippets are escaped text with
<mark> around the matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils.safestring import SafeString, mark_safe

from polise.catalog.models import App

from .models import DocPage

START, STOP = "\x02", "\x03"
LIMIT = 20
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Hit:
    page_id: int
    app_slug: str
    app_name: str
    path: str
    title: str
    snippet: SafeString
    rank: float


def highlight(raw: str) -> SafeString:
    """Escape a snippet and turn the database's match markers into <mark>."""
    text = escape(raw.replace(START, "\ue000").replace(STOP, "\ue001"))
    opened = text.count("\ue000")
    text = text.replace("\ue000", "<mark>").replace("\ue001", "</mark>")
    if opened != raw.count(STOP):  # unbalanced markers: show plain text rather than bad HTML
        text = escape(raw.replace(START, "").replace(STOP, ""))
    return mark_safe(text)  # noqa: S308 - escaped above; only our own <mark> is added


@cache
def search_config() -> str:
    """The PostgreSQL text search configuration used (see the module docstring)."""
    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = 'indonesian'")
        return "indonesian" if cursor.fetchone() else "simple"


def index(pages: Iterable[DocPage]) -> None:
    if connection.vendor != "sqlite":
        return
    rows = [(p.pk, p.title, p.text) for p in pages if p.status == DocPage.Status.RENDERED]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT OR REPLACE INTO appdocs_search (rowid, title, body) VALUES (%s, %s, %s)",
                rows,
            )


def unindex(page_ids: Sequence[int]) -> None:
    if connection.vendor != "sqlite" or not page_ids:
        return
    with connection.cursor() as cursor:
        for start in range(0, len(page_ids), 500):
            chunk = list(page_ids[start : start + 500])
            marks = ",".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM appdocs_search WHERE rowid IN ({marks})", chunk)  # noqa: S608


def readable_scope(user: object) -> tuple[list[int], list[int]]:
    """(apps whose usage docs `user` may read, apps whose database docs they may read)."""
    if user is None:
        user = AnonymousUser()
    visible = list(App.objects.visible_to(user).values_list("pk", flat=True))  # type: ignore[arg-type]
    if not getattr(user, "is_authenticated", False):
        return visible, []
    if getattr(user, "is_staff", False):
        return visible, visible
    owned = set(App.owners.through.objects.filter(user_id=user.pk).values_list("app_id", flat=True))  # type: ignore[attr-defined]
    return visible, [pk for pk in visible if pk in owned]


def _fts5_query(q: str) -> str:
    words = _WORD.findall(q)[:12]
    if not words:
        return ""
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def _scope_sql(usage_ids: list[int], database_ids: list[int]) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    if usage_ids:
        parts.append(f"(p.kind = 'usage' AND p.app_id IN ({','.join(['%s'] * len(usage_ids))}))")
        params.extend(usage_ids)
    if database_ids:
        parts.append(
            f"(p.kind = 'database' AND p.app_id IN ({','.join(['%s'] * len(database_ids))}))"
        )
        params.extend(database_ids)
    return "(" + " OR ".join(parts) + ")", params


def _search_sqlite(q: str, scope: str, scope_params: list[Any], limit: int) -> list[Hit]:
    match = _fts5_query(q)
    if not match:
        return []
    # Rank first (bm25, title weighted 4x), snippets after for the pages shown only: SQLite
    # would otherwise build a snippet for every matching page before sorting.
    ranked_sql = f"""
        SELECT p.id, a.slug, a.name, p.path, p.title, bm25(appdocs_search, 4.0, 1.0) AS score
        FROM appdocs_search
        JOIN appdocs_docpage p ON p.id = appdocs_search.rowid
        JOIN catalog_app a ON a.id = p.app_id
        WHERE appdocs_search MATCH %s AND {scope}
        ORDER BY score LIMIT %s"""  # noqa: S608 - only placeholders are interpolated
    with connection.cursor() as cursor:
        cursor.execute(ranked_sql, [match, *scope_params, limit])
        ranked = cursor.fetchall()
        if not ranked:
            return []
        marks = ",".join(["%s"] * len(ranked))
        snippet_sql = f"""
            SELECT rowid, snippet(appdocs_search, 1, char(2), char(3), '…', 16)
            FROM appdocs_search WHERE appdocs_search MATCH %s AND rowid IN ({marks})"""  # noqa: S608
        cursor.execute(snippet_sql, [match, *[row[0] for row in ranked]])
        snippets = dict(cursor.fetchall())
    return [
        Hit(pk, slug, name, path, title, highlight(snippets.get(pk) or ""), float(score))
        for pk, slug, name, path, title, score in ranked
    ]


def search_docs(*, user: object, q: str, app: App | None = None, limit: int = LIMIT) -> list[Hit]:
    """Ranked pages matching `q` among those `user` may read (of one app when given)."""
    q = q.strip()[:200]
    usage_ids, database_ids = readable_scope(user)
    if app is not None:
        usage_ids = [pk for pk in usage_ids if pk == app.pk]
        database_ids = [pk for pk in database_ids if pk == app.pk]
    if not q or not usage_ids:
        return []
    scope, scope_params = _scope_sql(usage_ids, database_ids)
    vendor = connection.vendor
    if vendor == "sqlite":
        return _search_sqlite(q, scope, scope_params, limit)
    if vendor == "postgresql":
        config = search_config()
        # Rank on the stored vector first, then build snippets for the few pages shown only.
        sql = f"""
            SELECT hit.id, hit.slug, hit.name, hit.path, hit.title,
                   ts_headline('{config}', hit.text, hit.query,
                               'StartSel=' || chr(2) || ', StopSel=' || chr(3) ||
                               ', MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'),
                   hit.score
            FROM (
                SELECT p.id, a.slug, a.name, p.path, p.title, p.text, query,
                       ts_rank_cd(p.search_vector, query) AS score
                FROM appdocs_docpage p
                JOIN catalog_app a ON a.id = p.app_id,
                     websearch_to_tsquery('{config}', %s) query
                WHERE p.search_vector @@ query AND {scope}
                ORDER BY score DESC LIMIT %s
            ) hit ORDER BY hit.score DESC"""  # noqa: S608 - config is one of two known names
        params: list[Any] = [q, *scope_params, limit]
    else:
        words = _WORD.findall(q)[:6]
        if not words:
            return []
        likes = " AND ".join(["(LOWER(p.title) LIKE %s OR LOWER(p.text) LIKE %s)"] * len(words))
        like_params: list[Any] = []
        for w in words:
            like_params += [f"%{w.lower()}%", f"%{w.lower()}%"]
        sql = f"""
            SELECT p.id, a.slug, a.name, p.path, p.title, SUBSTRING(p.text, 1, 200), 0
            FROM appdocs_docpage p JOIN catalog_app a ON a.id = p.app_id
            WHERE {likes} AND {scope} ORDER BY p.title LIMIT %s"""  # noqa: S608
        params = [*like_params, *scope_params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        Hit(row[0], row[1], row[2], row[3], row[4], highlight(row[5] or ""), float(row[6]))
        for row in rows
    ]
