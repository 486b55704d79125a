"""Database docs against the live schema. Plain Python, no Django: the job and the command
line (`polise docs check PATH --database-url URL`, run in an app's CI) share it.

    live = introspect("postgres://reader:secret@db:5432/simpeg")
    documented = documented_schema({"docs/database/pegawai.md": text})
    result = compare(live, documented)          # missing, undocumented, coverage %

What the database docs must look like to be understood (written in the template's docs):
- a table is a Markdown heading naming it in a code span (## `pegawai`) or as "Tabel pegawai" /
  "Table pegawai" / "Table: pegawai", or a heading that is exactly a live table's name;
- its columns are the first cell of each body row of a Markdown table under that heading, or
  list items that start with a code span (- `nip`: ...). Backticks are optional in a table.
Names compare case-insensitively; `schema.table` may be written for tables outside `public`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from markdown_it import MarkdownIt

MAX_TABLES = 20000  # a schema larger than this is cut, and the result says so
CONNECT_TIMEOUT = 10


class SchemaError(Exception):
    """The database could not be read (bad URL, unreachable, no permission)."""


@dataclass
class Column:
    name: str
    type: str
    nullable: bool = True
    key: str = ""  # PRI, UNI, MUL (MySQL's words; PostgreSQL's keys are mapped to them)
    comment: str = ""


@dataclass
class Table:
    name: str
    comment: str = ""
    columns: dict[str, Column] = field(default_factory=dict)


@dataclass
class LiveSchema:
    engine: str
    database: str
    tables: dict[str, Table] = field(default_factory=dict)
    truncated: bool = False


# --- reading the live schema ---------------------------------------------------------------


def _pg_introspect(url: str, schema: str | None) -> LiveSchema:
    import psycopg

    parts = urlsplit(url)
    try:
        conn = psycopg.connect(
            host=parts.hostname or "localhost",
            port=parts.port or 5432,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            dbname=unquote(parts.path.lstrip("/")),
            connect_timeout=CONNECT_TIMEOUT,
            options="-c default_transaction_read_only=on -c statement_timeout=60000",
        )
    except psycopg.Error as exc:
        raise SchemaError(f"cannot connect to PostgreSQL at {parts.hostname}: {exc}") from exc
    live = LiveSchema("postgresql", parts.path.lstrip("/"))
    where = (
        "n.nspname = %s"
        if schema
        else "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%' AND n.nspname NOT LIKE 'pg_temp%%'"
    )
    params: list[Any] = [schema] if schema else []
    try:
        with conn:
            rows = conn.execute(
                f"""
                SELECT n.nspname, c.relname, obj_description(c.oid, 'pg_class'),
                       a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
                       col_description(c.oid, a.attnum),
                       COALESCE((SELECT CASE WHEN bool_or(k.contype = 'p') THEN 'PRI'
                                             WHEN bool_or(k.contype = 'u') THEN 'UNI'
                                             ELSE 'MUL' END
                                 FROM pg_constraint k
                                 WHERE k.conrelid = c.oid AND a.attnum = ANY(k.conkey)
                                   AND k.contype IN ('p', 'u', 'f')), '')
                FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {where}
                ORDER BY n.nspname, c.relname, a.attnum
                """,  # noqa: S608 - `where` is one of two fixed strings
                params,
            ).fetchall()
    except psycopg.Error as exc:
        raise SchemaError(f"cannot read the schema: {exc}") from exc
    finally:
        conn.close()
    for nsp, rel, tcomment, col, ctype, nullable, ccomment, key in rows:
        name = rel if (schema or nsp == "public") else f"{nsp}.{rel}"
        _add(live, name, tcomment or "", Column(col, ctype, bool(nullable), key, ccomment or ""))
    return live


def _mysql_introspect(url: str) -> LiveSchema:
    try:
        import MySQLdb
    except ImportError as exc:  # the optional extra is not installed
        raise SchemaError("the MySQL driver is missing: install polise[mysql]") from exc
    parts = urlsplit(url)
    database = unquote(parts.path.lstrip("/"))
    try:
        conn = MySQLdb.connect(
            host=parts.hostname or "localhost",
            port=parts.port or 3306,
            user=unquote(parts.username or ""),
            passwd=unquote(parts.password or ""),
            db=database,
            connect_timeout=CONNECT_TIMEOUT,
            charset="utf8mb4",
        )
    except MySQLdb.Error as exc:
        raise SchemaError(f"cannot connect to MySQL/MariaDB at {parts.hostname}: {exc}") from exc
    live = LiveSchema("mysql", database)
    try:
        cursor = conn.cursor()
        cursor.execute(
            "SELECT TABLE_NAME, TABLE_COMMENT FROM information_schema.TABLES "
            "WHERE TABLE_SCHEMA = %s",
            (database,),
        )
        comments = dict(cursor.fetchall())
        cursor.execute(
            "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY, COLUMN_COMMENT "
            "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s "
            "ORDER BY TABLE_NAME, ORDINAL_POSITION",
            (database,),
        )
        rows = cursor.fetchall()
    except MySQLdb.Error as exc:
        raise SchemaError(f"cannot read the schema: {exc}") from exc
    finally:
        conn.close()
    for table, col, ctype, nullable, key, comment in rows:
        _add(
            live,
            table,
            comments.get(table) or "",
            Column(col, ctype, nullable == "YES", key or "", comment or ""),
        )
    return live


def _add(live: LiveSchema, table: str, comment: str, column: Column) -> None:
    entry = live.tables.get(table)
    if entry is None:
        if len(live.tables) >= MAX_TABLES:
            live.truncated = True
            return
        entry = live.tables[table] = Table(table, comment)
    entry.columns[column.name] = column


def introspect(url: str) -> LiveSchema:
    """Tables, columns, types, keys and comments of the database at `url`
    (postgres://... or mysql://...; `?schema=NAME` limits PostgreSQL to one schema)."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("postgres", "postgresql", "pgsql"):
        schema = parse_qs(urlsplit(url).query).get("schema", [None])[0]
        return _pg_introspect(url, schema)
    if scheme in ("mysql", "mariadb", "mysql2"):
        return _mysql_introspect(url)
    raise SchemaError(f"unsupported database URL scheme {scheme!r}: use postgres:// or mysql://")


# --- reading the docs -------------------------------------------------------------------------

_md = MarkdownIt("commonmark").enable("table")
_NAME = re.compile(r"^[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?$")
_TABLE_WORD = re.compile(r"^(?:tabel|table)\s*:?\s+(\S+)$", re.IGNORECASE)


@dataclass
class DocumentedSchema:
    # table (lower case) -> documented column names (lower case)
    tables: dict[str, set[str]] = field(default_factory=dict)
    # headings that may name a table only if the database has it (plain words)
    maybe_tables: dict[str, set[str]] = field(default_factory=dict)


def _clean(name: str) -> str:
    return name.strip().strip("`*_ ").lower()


def _heading_table(inline: Any) -> tuple[str | None, bool]:
    """(table name, certain) for one heading's inline token."""
    children = inline.children or []
    codes = [c.content for c in children if c.type == "code_inline"]
    if codes and _NAME.match(codes[0].strip()):
        return codes[0].strip().lower(), True
    text = inline.content.strip().replace("`", "")
    match = _TABLE_WORD.match(text)
    if match and _NAME.match(_clean(match.group(1))):
        return _clean(match.group(1)), True
    if _NAME.match(text):
        return text.lower(), False
    return None, False


def documented_schema(pages: Mapping[str, str]) -> DocumentedSchema:
    """What the database docs (path -> Markdown text) say exists."""
    doc = DocumentedSchema()
    for _path, text in sorted(pages.items()):
        tokens = _md.parse(text)
        current: set[str] | None = None
        in_body = False
        first_cell = False
        for i, token in enumerate(tokens):
            if token.type == "heading_open":
                name, certain = _heading_table(tokens[i + 1])
                if name is None:
                    current = None
                    continue
                target = doc.tables if certain else doc.maybe_tables
                current = target.setdefault(name, set())
            elif current is None:
                continue
            elif token.type == "tbody_open":
                in_body = True
            elif token.type == "tbody_close":
                in_body = False
            elif token.type == "tr_open" and in_body:
                first_cell = True
            elif token.type == "inline" and in_body and first_cell:
                first_cell = False
                name = _clean(token.content)
                if _NAME.match(name):
                    current.add(name)
            elif (
                token.type == "inline"
                and tokens[i - 1].type == "paragraph_open"
                and (i >= 2 and tokens[i - 2].type == "list_item_open")
            ):
                children = token.children or []
                if children and children[0].type == "code_inline":
                    name = _clean(children[0].content)
                    if _NAME.match(name):
                        current.add(name)
    return doc


# --- comparing --------------------------------------------------------------------------------


@dataclass
class Comparison:
    coverage: float  # percent of live columns documented (100 when there are none)
    live_tables: int
    live_columns: int
    documented_columns: int
    missing_tables: list[str]  # documented, not in the database
    missing_columns: list[str]  # table.column documented, not in the database
    undocumented_tables: list[str]
    undocumented_columns: list[str]  # of documented tables
    truncated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def compare(live: LiveSchema, doc: DocumentedSchema) -> Comparison:
    by_lower = {name.lower(): table for name, table in live.tables.items()}
    documented = dict(doc.tables)
    for name, columns in doc.maybe_tables.items():
        if name in by_lower:
            documented.setdefault(name, set()).update(columns)
    missing_tables, missing_columns, undocumented_columns = [], [], []
    documented_count = 0
    for name, columns in sorted(documented.items()):
        table = by_lower.get(name)
        if table is None:
            missing_tables.append(name)
            continue
        live_columns = {c.lower(): c for c in table.columns}
        for column in sorted(columns):
            if column in live_columns:
                documented_count += 1
            else:
                missing_columns.append(f"{table.name}.{column}")
        undocumented_columns += [
            f"{table.name}.{original}"
            for lower, original in live_columns.items()
            if lower not in columns
        ]
    undocumented_tables = sorted(
        table.name for lower, table in by_lower.items() if lower not in documented
    )
    total = sum(len(t.columns) for t in live.tables.values())
    return Comparison(
        coverage=round(100.0 * documented_count / total, 1) if total else 100.0,
        live_tables=len(live.tables),
        live_columns=total,
        documented_columns=documented_count,
        missing_tables=missing_tables,
        missing_columns=missing_columns,
        undocumented_tables=undocumented_tables,
        undocumented_columns=undocumented_columns,
        truncated=live.truncated,
    )


# --- the command line ---------------------------------------------------------------------------


def read_docs_folder(root: Any, folder: str) -> dict[str, str]:
    """Markdown files under `folder` of the repository at `root`, by repository path; links
    leaving the repository are not followed."""
    from pathlib import Path

    base = Path(root).resolve()
    start = (base / folder).resolve()
    if not start.is_relative_to(base) or not start.exists():
        return {}
    pages = {}
    for path in sorted(start.rglob("*")):
        if path.suffix.lower() not in (".md", ".markdown") or not path.is_file():
            continue
        if not path.resolve().is_relative_to(base):
            continue
        if path.stat().st_size > 1 << 20:
            continue
        pages[path.relative_to(base).as_posix()] = path.read_bytes().decode("utf-8", "replace")
    return pages


def manifest_settings(root: Any) -> tuple[str, float | None]:
    """(database docs folder, coverage threshold) from the repository's polise.yaml."""
    from pathlib import Path

    import yaml

    for name in ("polise.yaml", "polise.yml"):
        path = Path(root) / name
        if path.is_file():
            data = yaml.safe_load(path.read_text(encoding="utf-8", errors="replace")) or {}
            docs = data.get("docs") if isinstance(data, dict) else None
            docs = docs if isinstance(docs, dict) else {}
            threshold = docs.get("database_coverage")
            return (
                str(docs.get("database") or "docs/database"),
                float(threshold) if isinstance(threshold, int | float) else None,
            )
    return "docs/database", None


def report_lines(result: Comparison, *, limit: int = 50) -> Iterable[str]:
    yield (
        f"database docs cover {result.coverage}% of the live columns "
        f"({result.documented_columns} of {result.live_columns}, {result.live_tables} tables)"
    )
    if result.truncated:
        yield f"the schema has more than {MAX_TABLES} tables; the rest was not read"
    for title, items in (
        ("documented but not in the database (tables)", result.missing_tables),
        ("documented but not in the database (columns)", result.missing_columns),
        ("in the database but not documented (tables)", result.undocumented_tables),
        ("in the database but not documented (columns)", result.undocumented_columns),
    ):
        if items:
            yield f"{title}: {len(items)}"
            for item in items[:limit]:
                yield f"  {item}"
            if len(items) > limit:
                yield f"  ... and {len(items) - limit} more"


def check_command(
    path: str, *, database_url: str, threshold: float | None = None, out: Any = None
) -> int:
    """`polise docs check`: 0 when coverage meets the threshold (polise.yaml's
    docs.database_coverage, or --threshold), 1 when below, 2 when the check cannot run."""
    import sys

    out = out or sys.stdout
    folder, configured = manifest_settings(path)
    threshold = threshold if threshold is not None else configured
    pages = read_docs_folder(path, folder)
    try:
        live = introspect(database_url)
    except SchemaError as exc:
        print(f"polise docs check: {exc}", file=sys.stderr)
        return 2
    result = compare(live, documented_schema(pages))
    for line in report_lines(result):
        print(line, file=out)
    if threshold is not None and result.coverage < threshold:
        print(f"coverage {result.coverage}% is below the threshold {threshold}%", file=out)
        return 1
    return 0
