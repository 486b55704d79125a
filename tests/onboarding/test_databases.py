"""Apps' databases and users on the real PostgreSQL and MariaDB servers CI starts."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from polise.onboarding import databases
from polise.onboarding.databases import DatabaseClash, NotOurs, Target
from tests.conftest import service_unavailable


def _admin_url(engine: str) -> str:
    variable = {"postgresql": "POLISE_TEST_POSTGRES_URL", "mysql": "POLISE_TEST_MYSQL_URL"}[engine]
    url = os.environ.get(variable)
    if not url:
        service_unavailable(engine, f"{variable} is not set")
    if engine == "mysql":
        try:
            import MySQLdb  # noqa: F401
        except ImportError:
            service_unavailable("MariaDB", "the mysql extra is not installed (POLISE_EXTRAS=mysql)")
    try:
        with databases.connect(url):
            pass
    except databases.ServerUnavailable as exc:
        service_unavailable(engine, str(exc))
    return url


def _connect_as(engine: str, admin_url: str, *, user: str, password: str, database: str):
    """A connection as the app's user, or the driver's error."""
    host = urlsplit(admin_url)
    if engine == "postgresql":
        import psycopg

        return psycopg.connect(
            host=host.hostname,
            port=host.port,
            user=user,
            password=password,
            dbname=database,
            connect_timeout=5,
        )
    import MySQLdb

    return MySQLdb.connect(
        host=host.hostname, port=host.port, user=user, password=password, database=database
    )


def _driver_error(engine: str) -> type[Exception]:
    if engine == "postgresql":
        import psycopg

        return psycopg.OperationalError
    import MySQLdb

    return MySQLdb.OperationalError


@pytest.fixture(params=["postgresql", "mysql"])
def server(request) -> Iterator[tuple[str, str, list[Target]]]:
    """(engine, admin URL, targets to drop afterwards)."""
    engine = request.param
    url = _admin_url(engine)
    made: list[Target] = []
    yield engine, url, made
    for target in made:
        with contextlib.suppress(databases.DatabaseError):
            databases.drop(url, target)


def _target(engine: str, made: list[Target], app: str | None = None) -> Target:
    name = f"t_{secrets.token_hex(4)}"
    target = Target(engine, name, name, app or name.replace("_", "-"))
    made.append(target)
    return target


def test_a_new_app_gets_its_database_and_a_user_who_can_reach_only_it(server):
    engine, url, made = server
    mine, other = _target(engine, made), _target(engine, made)
    password = secrets.token_urlsafe(24)

    ensured = databases.ensure(url, mine, password=password)
    databases.ensure(url, other, password=secrets.token_urlsafe(24))

    assert ensured == databases.Ensured(created_database=True, created_user=True)
    conn = _connect_as(engine, url, user=mine.user, password=password, database=mine.database)
    with conn.cursor() as cursor:
        # The app runs its own migrations: it may create and use tables in its database.
        cursor.execute("CREATE TABLE pegawai (id integer PRIMARY KEY, nama varchar(80))")
        cursor.execute("INSERT INTO pegawai VALUES (1, 'Citra')")
        cursor.execute("SELECT nama FROM pegawai")
        assert cursor.fetchone() == ("Citra",)
    conn.commit()
    conn.close()
    with pytest.raises(_driver_error(engine)):
        _connect_as(engine, url, user=mine.user, password=password, database=other.database)


def test_the_user_has_no_rights_beyond_its_database(server):
    engine, url, made = server
    mine = _target(engine, made)
    password = secrets.token_urlsafe(24)
    databases.ensure(url, mine, password=password)
    conn = _connect_as(engine, url, user=mine.user, password=password, database=mine.database)
    with conn.cursor() as cursor:
        if engine == "postgresql":
            cursor.execute(
                "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls "
                "FROM pg_roles WHERE rolname = current_user"
            )
            assert cursor.fetchone() == (False, False, False, False, False)
            cursor.execute(
                "SELECT count(*) FROM pg_auth_members WHERE member = "
                "(SELECT oid FROM pg_roles WHERE rolname = current_user)"
            )
            assert cursor.fetchone() == (0,)  # a member of no role
        else:
            cursor.execute("SHOW GRANTS")
            grants = " ".join(row[0] for row in cursor.fetchall())
            assert "ON *.*" not in grants.replace("GRANT USAGE ON *.*", "")
            assert "GRANT OPTION" not in grants
            assert "ALL PRIVILEGES" not in grants
            assert f"`{mine.database}`.*" in grants
    conn.close()


def test_ensuring_again_changes_nothing_but_the_password_it_delivers(server):
    engine, url, made = server
    mine = _target(engine, made)
    first, second = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    databases.ensure(url, mine, password=first)
    conn = _connect_as(engine, url, user=mine.user, password=first, database=mine.database)
    with conn.cursor() as cursor:
        cursor.execute("CREATE TABLE kept (id integer)")
    conn.commit()
    conn.close()

    again = databases.ensure(url, mine, password=second)

    assert again == databases.Ensured(created_database=False, created_user=False)
    with pytest.raises(_driver_error(engine)):
        _connect_as(engine, url, user=mine.user, password=first, database=mine.database)
    conn = _connect_as(engine, url, user=mine.user, password=second, database=mine.database)
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM kept")  # the data survived
        assert cursor.fetchone() == (0,)
    conn.close()


def _create_foreign_database(engine: str, url: str, name: str) -> None:
    with databases.connect(url) as server:
        server._run(f"CREATE DATABASE {name}")  # a database someone made by hand


def test_a_database_polise_did_not_make_is_a_clash_and_is_never_dropped(server):
    engine, url, made = server
    target = _target(engine, made)
    _create_foreign_database(engine, url, target.database)
    try:
        with pytest.raises(DatabaseClash, match="Polise did not make it"):
            databases.ensure(url, target, password="x" * 20)
        with pytest.raises(NotOurs):
            databases.drop(url, target)
        with databases.connect(url) as admin:
            assert admin.database_marker(target.database) == ""  # still there, untouched
    finally:
        with databases.connect(url) as admin:
            admin._run(f"DROP DATABASE {target.database}")
        made.remove(target)


def test_another_apps_database_of_that_name_is_a_clash(server):
    engine, url, made = server
    theirs = _target(engine, made, app="simpeg")
    databases.ensure(url, theirs, password=secrets.token_urlsafe(24))
    mine = Target(engine, theirs.database, theirs.user, "sikda")

    with pytest.raises(DatabaseClash, match="for the app 'simpeg'"):
        databases.ensure(url, mine, password="y" * 20)
    with pytest.raises(NotOurs):
        databases.drop(url, mine)


def test_drop_removes_what_polise_made(server):
    engine, url, made = server
    target = _target(engine, made)
    password = secrets.token_urlsafe(24)
    databases.ensure(url, target, password=password)

    databases.drop(url, target)

    with databases.connect(url) as admin:
        assert admin.database_marker(target.database) is None
        assert admin.user_marker(target.user) is None
    with pytest.raises(_driver_error(engine)):
        _connect_as(engine, url, user=target.user, password=password, database=target.database)


def test_a_user_left_without_its_grant_by_an_interrupted_attempt_is_taken_up(server):
    engine, url, made = server
    target = _target(engine, made)
    with databases.connect(url) as admin:
        if engine == "postgresql":
            admin.create_user(target, "first-password-000")  # stopped before the database
        else:
            admin.create_database(target)
            admin.create_user(target, "first-password-000")  # stopped before the grant

    ensured = databases.ensure(url, target, password="second-password-00")

    assert ensured.created_user is False
    conn = _connect_as(
        engine, url, user=target.user, password="second-password-00", database=target.database
    )
    conn.close()


def test_bad_names_are_refused_before_anything_runs():
    with pytest.raises(databases.DatabaseError, match="lower-case"):
        Target("postgresql", "Robert'); DROP TABLE x;--", "u", "app")
    with pytest.raises(databases.DatabaseError, match="unknown engine"):
        Target("oracle", "app", "app", "app")
