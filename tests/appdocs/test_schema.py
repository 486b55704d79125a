"""Database docs against a live schema, on the real PostgreSQL and MariaDB servers CI starts
(each test makes its own schema or database and drops it)."""

from __future__ import annotations

import io
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import urlunsplit

import pytest

from polise.appdocs import schema
from tests.conftest import mariadb_server, service_unavailable

DOCS = {
    "docs/database/pegawai.md": """# Basis data SIMPEG

## Tabel `pegawai`

| Kolom | Tipe | Arti |
|---|---|---|
| `id` | bigint | kunci |
| `nip` | varchar | nomor induk |
| `nama` | varchar | nama lengkap |
| `alamat_lama` | text | dihapus tahun lalu |

## cuti

- `id`: kunci
- `pegawai_id`: siapa
- `jenis`: tahunan atau sakit

## Table: arsip_lama

| column | meaning |
|---|---|
| id | key |
""",
}

TABLES = [
    "CREATE TABLE {p}pegawai (id bigint PRIMARY KEY, nip varchar(18) UNIQUE NOT NULL, "
    "nama varchar(200), telepon varchar(20))",
    "CREATE TABLE {p}cuti (id bigint PRIMARY KEY, pegawai_id bigint REFERENCES {p}pegawai(id), "
    "jenis varchar(20), mulai date)",
    "CREATE TABLE {p}audit_log (id bigint PRIMARY KEY, pesan text)",
]


def check_expected(result: schema.Comparison) -> None:
    assert result.missing_tables == ["arsip_lama"]
    assert result.missing_columns == ["pegawai.alamat_lama"]
    assert result.undocumented_tables == ["audit_log"]
    assert sorted(result.undocumented_columns) == ["cuti.mulai", "pegawai.telepon"]
    assert result.live_columns == 10 and result.documented_columns == 6
    assert result.coverage == 60.0


@pytest.fixture
def postgres_url() -> Iterator[str]:
    url = os.environ.get("POLISE_TEST_POSTGRES_URL")
    if not url:
        service_unavailable("PostgreSQL", "POLISE_TEST_POSTGRES_URL is not set")
    import psycopg

    name = f"appdocs_check_{secrets.token_hex(4)}"
    try:
        conn = psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)
    except psycopg.OperationalError as exc:
        service_unavailable("PostgreSQL", str(exc))
    conn.execute(f"CREATE SCHEMA {name}")
    for sql in TABLES:
        conn.execute(sql.format(p=f"{name}."))
    conn.execute(f"COMMENT ON COLUMN {name}.pegawai.nip IS 'Nomor induk pegawai'")
    try:
        yield f"{url}?schema={name}"
    finally:
        conn.execute(f"DROP SCHEMA {name} CASCADE")
        conn.close()


@pytest.fixture
def mysql_url() -> Iterator[str]:
    server, parts = mariadb_server()
    name = f"appdocs_check_{secrets.token_hex(4)}"
    cursor = server.cursor()
    cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        for sql in TABLES:
            cursor.execute(sql.format(p=f"`{name}`."))
        cursor.execute(
            f"ALTER TABLE `{name}`.pegawai MODIFY nip varchar(18) NOT NULL "
            "COMMENT 'Nomor induk pegawai'"
        )
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        cursor.execute(f"DROP DATABASE `{name}`")
        server.close()


def test_the_docs_are_read_for_tables_and_columns():
    doc = schema.documented_schema(DOCS)
    assert doc.tables == {
        "pegawai": {"id", "nip", "nama", "alamat_lama"},
        "arsip_lama": {"id"},
    }
    assert doc.maybe_tables == {"cuti": {"id", "pegawai_id", "jenis"}}


def test_postgresql_schema_against_the_docs(postgres_url):
    live = schema.introspect(postgres_url)
    assert set(live.tables) == {"pegawai", "cuti", "audit_log"}
    nip = live.tables["pegawai"].columns["nip"]
    assert nip.type == "character varying(18)" and not nip.nullable and nip.key == "UNI"
    assert nip.comment == "Nomor induk pegawai"
    assert live.tables["pegawai"].columns["id"].key == "PRI"
    assert live.tables["cuti"].columns["pegawai_id"].key == "MUL"
    check_expected(schema.compare(live, schema.documented_schema(DOCS)))


def test_mariadb_schema_against_the_docs(mysql_url):
    live = schema.introspect(mysql_url)
    assert set(live.tables) == {"pegawai", "cuti", "audit_log"}
    nip = live.tables["pegawai"].columns["nip"]
    assert nip.type == "varchar(18)" and not nip.nullable and nip.key == "UNI"
    assert nip.comment == "Nomor induk pegawai"
    assert live.tables["cuti"].columns["pegawai_id"].key == "MUL"
    check_expected(schema.compare(live, schema.documented_schema(DOCS)))


def _repo(tmp_path, threshold: int | None) -> str:
    (tmp_path / "docs/database").mkdir(parents=True)
    (tmp_path / "docs/database/pegawai.md").write_text(DOCS["docs/database/pegawai.md"])
    docs = "docs:\n  usage: docs/usage\n  database: docs/database\n"
    if threshold is not None:
        docs += f"  database_coverage: {threshold}\n"
    (tmp_path / "polise.yaml").write_text("name: simpeg\n" + docs)
    return str(tmp_path)


def test_the_command_fails_below_the_threshold_in_polise_yaml(postgres_url, tmp_path):
    repo = _repo(tmp_path, threshold=80)
    command = [sys.executable, "-m", "polise.cli", "docs", "check", repo]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    below = subprocess.run(
        [*command, "--database-url", postgres_url], capture_output=True, text=True, env=env
    )
    assert below.returncode == 1, below.stderr
    assert "60.0%" in below.stdout and "pegawai.alamat_lama" in below.stdout
    assert "below the threshold 80" in below.stdout
    out = io.StringIO()
    assert schema.check_command(repo, database_url=postgres_url, threshold=50, out=out) == 0
    bad = subprocess.run(
        [*command, "--database-url", "postgres://nobody:x@127.0.0.1:1/none"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 2 and "cannot connect" in bad.stderr


def test_the_check_module_imports_no_django():
    code = "import sys, polise.appdocs.schema; sys.exit('django' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_a_schema_with_thousands_of_tables_is_compared_quickly():
    live = schema.LiveSchema("postgresql", "big")
    for t in range(5000):
        for c in range(8):
            schema._add(live, f"t{t}", "", schema.Column(f"c{c}", "int"))
    doc = schema.documented_schema(
        {"a.md": "\n".join(f"## `t{t}`\n\n| c |\n|---|\n| c0 |\n| c1 |\n" for t in range(2500))}
    )
    result = schema.compare(live, doc)
    assert result.live_tables == 5000 and result.documented_columns == 5000
    assert result.coverage == 12.5


@pytest.mark.django_db
def test_the_job_records_the_check_for_the_apps_developers(postgres_url, app_repo, client):
    from polise.appdocs import services
    from polise.forge.mirrors import services as mirrors
    from tests.factories import make_user

    app_repo.repo.commit("db docs", DOCS)
    mirrors.mirror_fetch(repo=app_repo.app.repo)
    services.docs_build(app=app_repo.app)
    [check] = services.schema_check_app(
        app=app_repo.app,
        urls={
            "simpeg": ("postgresql", postgres_url),
            "lost": ("mysql", "mysql://x:y@127.0.0.1:1/z"),
        },
    )[:1]
    assert check.coverage == 60.0 and check.result["missing_columns"] == ["pegawai.alamat_lama"]
    owner = make_user(username="owner")
    app_repo.app.owners.add(owner)
    client.force_login(owner)
    manage = client.get(f"/apps/{app_repo.app.slug}/docs-manage/").content.decode()
    assert "pegawai.alamat_lama" in manage and "cuti.mulai" in manage
    assert "cannot connect" in manage  # the unreachable one is recorded, not raised
    section = client.get(f"/apps/{app_repo.app.slug}/").content.decode()
    assert "60%" in section


@pytest.mark.django_db
def test_a_provisioned_database_is_read_on_the_provisioning_server(settings):
    from polise.appdocs.services import database_url_for
    from polise.onboarding.models import ProvisionedDatabase
    from tests.factories import make_app

    settings.PROVISION_POSTGRES_URL = "postgres://admin:pw@db.internal:5432/postgres"
    settings.PROVISION_MYSQL_URL = ""
    app = make_app(slug="simpeg")
    pg = ProvisionedDatabase(app=app, engine="postgresql", name="simpeg_prod", user="simpeg")
    my = ProvisionedDatabase(app=app, engine="mysql", name="simpeg_prod", user="simpeg")
    assert database_url_for(pg) == "postgres://admin:pw@db.internal:5432/simpeg_prod"
    assert database_url_for(my) == ""
