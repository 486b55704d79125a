"""Databases on the database node: one database and one least-privilege user per app, on
PostgreSQL or MySQL/MariaDB, made through an admin connection given as a URL.

No Django here: `infra/bootstrap.sh` creates Polise's own database with the same code
(`python -m polise.onboarding.databases`) before Polise runs.

What "least privilege" means here:
- PostgreSQL: a role with LOGIN and nothing else (no superuser, createdb, createrole,
  replication, bypassrls; a member of no role), owning its database, which nobody else may
  connect to (CONNECT revoked from PUBLIC). Owning it is what lets the app run its own
  migrations. The admin role is made a member of the app role: PostgreSQL requires that to
  create a database owned by another role without being a superuser.
- MySQL/MariaDB: a user whose privileges are the ones an app and its migrations use, on its
  own database only; no GRANT OPTION, nothing global.

Every database made here carries a marker naming its app (PostgreSQL: a comment on the
database and on the role; MySQL/MariaDB: the database's COMMENT, set in the same statement
that creates it). Polise drops only a database with its marker, and refuses to adopt a
database or user of the same name that someone else made.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

ENGINES = ("postgresql", "mysql")
# Lower case, starting with a letter; short enough for every server's identifiers (MySQL user
# names stop at 80 characters, database names and PostgreSQL identifiers at 63-64).
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
MARKER_PREFIX = "polise:app="
# A MySQL user with no rights at all: left by an attempt that stopped before its grant.
BARE = "\0bare"
# What an app and its migrations do; ALL would add GRANT-free but needless rights such as
# CREATE ROUTINE ... SECURITY DEFINER tricks on shared servers.
MYSQL_APP_PRIVILEGES = (
    "SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX, REFERENCES, "
    "CREATE TEMPORARY TABLES, LOCK TABLES, CREATE VIEW, SHOW VIEW, TRIGGER, EXECUTE"
)


class DatabaseError(Exception):
    """Provisioning failed; `retryable` says whether trying again later may help."""

    retryable = False


class DatabaseClash(DatabaseError):
    """The name is taken by a database or user that Polise did not make for this app."""


class ServerUnavailable(DatabaseError):
    retryable = True


class NotOurs(DatabaseError):
    """A drop was asked for a database without Polise's marker for this app."""


@dataclass(frozen=True)
class Target:
    engine: str
    database: str
    user: str
    app: str  # the app slug the marker names

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise DatabaseError(f"unknown engine {self.engine!r}; use {' or '.join(ENGINES)}")
        for what, value in (("database", self.database), ("user", self.user)):
            if not NAME_RE.match(value):
                raise DatabaseError(
                    f"{what} name {value!r}: use 1-63 lower-case letters, digits and '_', "
                    "starting with a letter"
                )

    @property
    def marker(self) -> str:
        return f"{MARKER_PREFIX}{self.app}"


@dataclass(frozen=True)
class Ensured:
    created_database: bool
    created_user: bool


# --- PostgreSQL --------------------------------------------------------------------------------


class _Postgres:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def _one(self, query: str, *args: Any) -> Any:
        with self.conn.cursor() as cursor:
            cursor.execute(query, args)
            row = cursor.fetchone()
        return row

    def _run(self, statement: Any) -> None:
        with self.conn.cursor() as cursor:
            cursor.execute(statement)

    def database_marker(self, name: str) -> str | None:
        row = self._one(
            "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database "
            "WHERE datname = %s",
            name,
        )
        return None if row is None else row[0]

    def user_marker(self, name: str) -> str | None:
        row = self._one(
            "SELECT coalesce(shobj_description(oid, 'pg_authid'), '') FROM pg_roles "
            "WHERE rolname = %s",
            name,
        )
        return None if row is None else row[0]

    def create_user(self, target: Target, password: str) -> None:
        from psycopg import sql

        role = sql.Identifier(target.user)
        # One transaction: the role exists with its marker, or not at all.
        with self.conn.transaction():
            self._run(
                sql.SQL(
                    "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                    "NOREPLICATION NOBYPASSRLS PASSWORD {}"
                ).format(role, sql.Literal(password))
            )
            self._run(sql.SQL("COMMENT ON ROLE {} IS {}").format(role, sql.Literal(target.marker)))
            self._run(sql.SQL("GRANT {} TO CURRENT_USER").format(role))

    def set_password(self, target: Target, password: str) -> None:
        from psycopg import sql

        self._run(
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(target.user), sql.Literal(password)
            )
        )

    def create_database(self, target: Target) -> None:
        from psycopg import sql

        database = sql.Identifier(target.database)
        # CREATE DATABASE cannot run in a transaction; the role that owns it already carries
        # the marker, so a crash before the comment still leaves it recognisably ours.
        self._run(
            sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0").format(
                database, sql.Identifier(target.user)
            )
        )
        self.mark_database(target)

    def mark_database(self, target: Target) -> None:
        from psycopg import sql

        self._run(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(target.database), sql.Literal(target.marker)
            )
        )

    def grant(self, target: Target) -> None:
        from psycopg import sql

        database = sql.Identifier(target.database)
        self._run(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(database))
        self._run(
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                database, sql.Identifier(target.user)
            )
        )

    def provision(
        self, target: Target, password: str, *, user_exists: bool, db_exists: bool
    ) -> None:
        # The role first: it owns the database.
        if user_exists:
            self.set_password(target, password)
        else:
            self.create_user(target, password)
        if not db_exists:
            self.create_database(target)
        self.grant(target)

    def database_owner(self, name: str) -> str | None:
        row = self._one("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", name)
        return None if row is None else row[0]

    def drop(self, target: Target) -> None:
        from psycopg import sql

        if self.database_marker(target.database) is not None:
            self._run(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(target.database))
            )
        if self.user_marker(target.user) is not None:
            self._run(sql.SQL("DROP ROLE {}").format(sql.Identifier(target.user)))


# --- MySQL / MariaDB ---------------------------------------------------------------------------


class _Mysql:
    def __init__(self, conn: Any, user_host: str) -> None:
        self.conn = conn
        self.user_host = user_host

    def _one(self, query: str, *args: Any) -> Any:
        with self.conn.cursor() as cursor:
            cursor.execute(query, args)
            return cursor.fetchone()

    def _run(self, query: str, *args: Any) -> None:
        with self.conn.cursor() as cursor:
            cursor.execute(query, args)

    def _account(self, target: Target) -> str:
        # Names are checked against NAME_RE; the host comes from Polise's own settings. Every
        # statement is formatted by the driver, which reads '%' as a placeholder.
        return f"'{target.user}'@'{self.user_host.replace('%', '%%')}'"

    def database_marker(self, name: str) -> str | None:
        row = self._one(
            "SELECT SCHEMA_COMMENT FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", name
        )
        return None if row is None else (row[0] or "")

    def user_marker(self, name: str) -> str | None:
        # MariaDB keeps no comment on a user: a user is ours when its only rights are on a
        # database with our marker. A user with no rights at all is one an interrupted attempt
        # made (the database comes first, then the user, then the grant); the caller adopts it
        # only when the app's database is ours.
        if not self._one(
            "SELECT 1 FROM mysql.user WHERE User = %s AND Host = %s", name, self.user_host
        ):
            return None
        grantee = f"'{name}'@'{self.user_host}'"
        schemas = [
            row[0]
            for row in self._all(
                "SELECT DISTINCT TABLE_SCHEMA FROM information_schema.SCHEMA_PRIVILEGES "
                "WHERE GRANTEE = %s",
                grantee,
            )
        ]
        global_rights = self._all(
            "SELECT 1 FROM information_schema.USER_PRIVILEGES "
            "WHERE GRANTEE = %s AND PRIVILEGE_TYPE <> 'USAGE'",
            grantee,
        )
        if global_rights:
            return ""
        if not schemas:
            return BARE
        markers = {self.database_marker(schema) or "" for schema in schemas}
        return markers.pop() if len(markers) == 1 else ""

    def _all(self, query: str, *args: Any) -> Any:
        with self.conn.cursor() as cursor:
            cursor.execute(query, args)
            return cursor.fetchall()

    def create_user(self, target: Target, password: str) -> None:
        self._run(f"CREATE USER {self._account(target)} IDENTIFIED BY %s", password)

    def set_password(self, target: Target, password: str) -> None:
        self._run(f"ALTER USER {self._account(target)} IDENTIFIED BY %s", password)

    def create_database(self, target: Target) -> None:
        # The marker is part of the statement that creates the database.
        self._run(
            f"CREATE DATABASE `{target.database}` CHARACTER SET utf8mb4 "
            "COLLATE utf8mb4_unicode_ci COMMENT %s",
            target.marker,
        )

    def grant(self, target: Target) -> None:
        self._run(
            f"GRANT {MYSQL_APP_PRIVILEGES} ON `{target.database}`.* TO {self._account(target)}"
        )

    def provision(
        self, target: Target, password: str, *, user_exists: bool, db_exists: bool
    ) -> None:
        # The database first: it carries the marker that makes the user recognisably ours.
        if not db_exists:
            self.create_database(target)
        if user_exists:
            self.set_password(target, password)
        else:
            self.create_user(target, password)
        self.grant(target)

    def drop(self, target: Target) -> None:
        if self.database_marker(target.database) is not None:
            self._run(f"DROP DATABASE `{target.database}`")
        if self._one(
            "SELECT 1 FROM mysql.user WHERE User = %s AND Host = %s", target.user, self.user_host
        ):
            self._run(f"DROP USER {self._account(target)}")


# --- connecting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminUrl:
    engine: str
    host: str
    port: int
    user: str
    password: str
    database: str

    @classmethod
    def parse(cls, url: str) -> AdminUrl:
        parts = urlsplit(url)
        engine = {"postgres": "postgresql", "postgresql": "postgresql", "mysql": "mysql"}.get(
            parts.scheme
        )
        if engine is None or not parts.hostname or not parts.username:
            raise DatabaseError(
                "the admin URL must look like postgres://USER:PASSWORD@HOST:PORT/DB or "
                "mysql://USER:PASSWORD@HOST:PORT/"
            )
        return cls(
            engine,
            parts.hostname,
            parts.port or (5432 if engine == "postgresql" else 3306),
            unquote(parts.username),
            unquote(parts.password or ""),
            parts.path.lstrip("/") or ("postgres" if engine == "postgresql" else ""),
        )


@contextmanager
def connect(url: str, *, mysql_user_host: str = "%") -> Iterator[_Postgres | _Mysql]:
    """An admin session on the server behind `url`, in autocommit (DDL as it is run)."""
    admin = AdminUrl.parse(url)
    if admin.engine == "postgresql":
        import psycopg

        try:
            conn: Any = psycopg.connect(
                host=admin.host,
                port=admin.port,
                user=admin.user,
                password=admin.password,
                dbname=admin.database,
                autocommit=True,
                connect_timeout=10,
            )
        except psycopg.OperationalError as exc:
            raise ServerUnavailable(f"PostgreSQL at {admin.host}:{admin.port}: {exc}") from exc
        try:
            yield _Postgres(conn)
        except psycopg.errors.DuplicateObject as exc:
            raise DatabaseClash(str(exc).strip()) from exc
        except psycopg.errors.DuplicateDatabase as exc:
            raise DatabaseClash(str(exc).strip()) from exc
        except psycopg.OperationalError as exc:
            raise ServerUnavailable(str(exc).strip()) from exc
        except psycopg.Error as exc:
            raise DatabaseError(str(exc).strip()) from exc
        finally:
            conn.close()
        return
    try:
        import MySQLdb
    except ImportError as exc:
        raise DatabaseError(
            "the MySQL driver is missing: install Polise with the mysql extra"
        ) from exc
    try:
        conn = MySQLdb.connect(
            host=admin.host,
            port=admin.port,
            user=admin.user,
            password=admin.password,
            connect_timeout=10,
            autocommit=True,
        )
    except MySQLdb.OperationalError as exc:
        raise ServerUnavailable(f"MySQL at {admin.host}:{admin.port}: {exc}") from exc
    try:
        yield _Mysql(conn, mysql_user_host)
    except MySQLdb.OperationalError as exc:
        # 1007: database exists, 1396: user operation failed (it exists): both name clashes.
        if exc.args and exc.args[0] in (1007, 1396):
            raise DatabaseClash(str(exc.args[1])) from exc
        raise ServerUnavailable(str(exc)) from exc
    except MySQLdb.Error as exc:
        raise DatabaseError(str(exc)) from exc
    finally:
        conn.close()


# --- what onboarding calls ---------------------------------------------------------------------


def _check_ours(what: str, name: str, marker: str | None, target: Target) -> bool:
    """True if it exists and is ours; False if it does not exist; DatabaseClash otherwise."""
    if marker is None:
        return False
    if marker != target.marker:
        owner = marker.removeprefix(MARKER_PREFIX) if marker.startswith(MARKER_PREFIX) else ""
        whose = f"Polise made it for the app {owner!r}" if owner else "Polise did not make it"
        raise DatabaseClash(
            f"a {what} named {name!r} already exists on the server and {whose}; choose another name"
        )
    return True


def ensure(url: str, target: Target, *, password: str, mysql_user_host: str = "%") -> Ensured:
    """Make the app's user and database, or bring them back in line; safe to run again.

    The user's password becomes `password` either way, so the caller delivers the password it
    just set: running this twice leaves one user, one database and a working password.
    """
    with connect(url, mysql_user_host=mysql_user_host) as server:
        db_marker = server.database_marker(target.database)
        user_marker = server.user_marker(target.user)
        if (
            isinstance(server, _Postgres)
            and db_marker == ""
            and user_marker == target.marker
            and server.database_owner(target.database) == target.user
        ):
            # Created by an attempt that stopped before its comment: ours by its owner.
            server.mark_database(target)
            db_marker = target.marker
        db_exists = _check_ours("database", target.database, db_marker, target)
        if user_marker == BARE:
            user_marker = target.marker if db_exists else ""
        user_exists = _check_ours("user", target.user, user_marker, target)
        server.provision(target, password, user_exists=user_exists, db_exists=db_exists)
    return Ensured(created_database=not db_exists, created_user=not user_exists)


def drop(url: str, target: Target, *, mysql_user_host: str = "%") -> None:
    """Drop the app's database and user: only when they carry Polise's marker for this app."""
    with connect(url, mysql_user_host=mysql_user_host) as server:
        db_marker = server.database_marker(target.database)
        if db_marker is not None and db_marker != target.marker:
            raise NotOurs(
                f"the database {target.database!r} was not made by Polise for {target.app!r}; "
                "Polise does not drop it"
            )
        user_marker = server.user_marker(target.user)
        if db_marker is None and user_marker not in (None, BARE, target.marker):
            raise NotOurs(f"the user {target.user!r} was not made by Polise for {target.app!r}")
        server.drop(target)


def _with_password(url: str, password_file: str | None) -> str:
    if not password_file:
        return url
    with open(password_file, encoding="utf-8") as file:
        password = quote(file.read().strip(), safe="")
    parts = urlsplit(url)
    netloc = f"{quote(unquote(parts.username or ''), safe='')}:{password}@{parts.hostname}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def main(argv: list[str] | None = None) -> int:
    """Polise's own database, made by infra/bootstrap.sh with the same rules as every app's:
    `python -m polise.onboarding.databases ensure --admin-url postgres://postgres@HOST/postgres
    --admin-password-file F --name polise --password-file F2`."""
    parser = argparse.ArgumentParser(prog="python -m polise.onboarding.databases")
    parser.add_argument("action", choices=["ensure"])
    parser.add_argument("--admin-url", required=True, help="the server's admin URL")
    parser.add_argument("--admin-password-file", help="the admin's password, if not in the URL")
    parser.add_argument("--name", required=True, help="database and user name")
    parser.add_argument("--app", help="the app the marker names (default: the name)")
    parser.add_argument("--password-file", required=True, help="the user's password")
    parser.add_argument("--mysql-user-host", default="%")
    args = parser.parse_args(argv)
    try:
        url = _with_password(args.admin_url, args.admin_password_file)
        with open(args.password_file, encoding="utf-8") as file:
            password = file.read().strip()
        target = Target(AdminUrl.parse(url).engine, args.name, args.name, args.app or args.name)
        result = ensure(url, target, password=password, mysql_user_host=args.mysql_user_host)
    except (DatabaseError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    made = [
        what
        for what, new in (("user", result.created_user), ("database", result.created_database))
        if new
    ]
    print(f"{args.name}: {'created ' + ' and '.join(made) if made else 'already there'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
