"""The `polise` command.

`polise demo | serve | worker` run the portal; `polise onboard FILE.yaml` sets up an app; the
GitOps kit's commands (`new`, `template`, `lint`, `deploy`, `rollback`) run without Django,
inside a CI runner with no database; `polise contributions scan PATH` reads a git repository
without Django; any other word is passed to Django's management commands
(`polise migrate`, `polise createsuperuser`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

GITOPS_COMMANDS = {"new", "template", "lint", "deploy", "rollback"}


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polise.settings")
    import django

    django.setup()


def _parse_bind(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"--bind {value!r} is not HOST:PORT (e.g. 127.0.0.1:8000)")
    return host.strip("[]"), int(port)


def _serve(bind: tuple[str, int], *, workers: int) -> int:
    """Run the WSGI app on granian, the production server, in this process."""
    from granian.constants import Interfaces
    from granian.server import Server

    host, port = bind
    Server(
        "polise.wsgi:application",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        # Django is synchronous: a few threads per worker keep the GIL from thrashing.
        blocking_threads=int(os.environ.get("POLISE_THREADS", "8")),
        respawn_failed_workers=True,
    ).serve()
    return 0


def _url(bind: tuple[str, int]) -> str:
    host, port = bind
    return f"http://{host if ':' not in host else f'[{host}]'}:{port}"


def cmd_demo(args: argparse.Namespace) -> int:
    # The demo's issuer and absolute links follow --bind, unless a base URL is set explicitly;
    # the server's workers inherit the environment, so they agree with this process.
    os.environ.setdefault("POLISE_BASE_URL", _url(args.bind))
    _django_setup()
    from django.core.management import call_command

    from polise.demo.data import load_demo_data

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    report = load_demo_data()
    print(report.describe(os.environ["POLISE_BASE_URL"]), flush=True)
    return _serve(args.bind, workers=1)


def cmd_serve(args: argparse.Namespace) -> int:
    _django_setup()
    from django.core.management import call_command

    if args.migrate:
        call_command("migrate", interactive=False)
    call_command("collectstatic", interactive=False, verbosity=0)
    return _serve(args.bind, workers=args.workers)


def _wait_for_schema(poll_seconds: float = 2.0) -> None:
    """Block until the database answers and every migration is applied: on a deploy the worker
    may start before the one-shot migrate task has finished, and its first query would fail."""
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    said = ""
    while True:
        try:
            executor = MigrationExecutor(connection)
            if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
                return
            waiting = "waiting for the migrations to be applied"
        except DatabaseError as exc:
            connection.close()
            waiting = f"waiting for the database ({type(exc).__name__})"
        if waiting != said:
            print(waiting, flush=True)
            said = waiting
        time.sleep(poll_seconds)


def cmd_worker(args: argparse.Namespace) -> int:
    _django_setup()
    from django.core.management import call_command
    from django.utils.crypto import get_random_string

    from polise.core.jobs import WorkerKeeper
    from polise.forge.outbox import callbacks_missing

    _wait_for_schema()
    if missing := callbacks_missing():
        names = ", ".join(f"{name!r} ({count} writes)" for name, count in sorted(missing.items()))
        print(
            f"polise worker: refusing to start: no outbox callback is registered as {names}. "
            "Restore the name with @outbox.on_outcome, or move those writes to a registered "
            "name, before starting the worker.",
            file=sys.stderr,
            flush=True,
        )
        return 1
    # The lease exists before the first job is claimed, and is renewed beside the job loop,
    # whose sweep also queues again what dead workers left behind.
    worker_id = get_random_string(32)
    keeper = WorkerKeeper(worker_id=worker_id, queues=args.queues)
    keeper.renew()
    keeper.start()
    try:
        call_command(
            "db_worker", queue_name=args.queues, interval=args.interval, worker_id=worker_id
        )
    finally:
        keeper.release()
    return 0


def cmd_onboard(args: argparse.Namespace) -> int:
    """`polise onboard FILE.yaml`: the onboarding form's fields from a file (see
    docs/onboarding.md); the steps run on the worker, --wait follows them here."""
    _django_setup()
    import yaml

    from polise.onboarding.cli import onboard

    try:
        with open(args.file, encoding="utf-8") as file:
            data = yaml.safe_load(file)
    except (OSError, yaml.YAMLError) as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 2
    return onboard(data, started_by=args.by, wait=args.wait)


def cmd_docs_check(args: argparse.Namespace) -> int:
    """Database docs against a live schema; no Django needed (runs in an app's CI)."""
    from polise.appdocs.schema import check_command

    return check_command(args.path, database_url=args.database_url, threshold=args.threshold)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="polise", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="migrate, load demo data and serve on http://127.0.0.1:8000")
    demo.add_argument("--bind", type=_parse_bind, default=("127.0.0.1", 8000), metavar="HOST:PORT")
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser("serve", help="serve Polise on granian (production)")
    serve.add_argument("--bind", type=_parse_bind, default=("0.0.0.0", 8000), metavar="HOST:PORT")  # noqa: S104
    serve.add_argument("--workers", type=int, default=int(os.environ.get("POLISE_WORKERS", "2")))
    serve.add_argument("--migrate", action="store_true", help="apply migrations before serving")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run background jobs")
    worker.add_argument("--queues", default="*", help="comma-separated queue names, * for all")
    worker.add_argument(
        "--interval", type=float, default=1.0, help="seconds between polls when idle"
    )
    worker.set_defaults(func=cmd_worker)

    onboard = sub.add_parser("onboard", help="onboard an app from a YAML file (the form's fields)")
    onboard.add_argument("file", metavar="FILE.yaml")
    onboard.add_argument("--by", metavar="USERNAME", help="who is recorded as starting it")
    onboard.add_argument("--wait", action="store_true", help="follow the steps until they end")
    onboard.set_defaults(func=cmd_onboard)

    docs = sub.add_parser("docs", help="app docs: polise docs check PATH --database-url URL")
    docs_sub = docs.add_subparsers(dest="docs_command", metavar="SUBCOMMAND", required=True)
    check = docs_sub.add_parser("check", help="compare database docs with a live schema")
    check.add_argument("path", metavar="PATH", help="the repository (its polise.yaml is read)")
    check.add_argument(
        "--database-url", required=True, metavar="URL", help="postgres:// or mysql://"
    )
    check.add_argument("--threshold", type=float, help="minimum coverage %% (default: polise.yaml)")
    check.set_defaults(func=cmd_docs_check)

    for name in sorted(GITOPS_COMMANDS):
        sub.add_parser(name, help="GitOps kit (see polise NAME --help)", add_help=False)
    sub.add_parser(
        "contributions", help="polise contributions scan PATH: figures from git", add_help=False
    )
    sub.add_parser(
        "manage", help="any Django management command, e.g. polise migrate", add_help=False
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in GITOPS_COMMANDS:
        from polise.gitops.cli import main as gitops_main

        return gitops_main(argv)
    if argv and argv[0] == "contributions":
        from polise.contributions.cli import main as contributions_main

        return contributions_main(argv[1:])
    parser = build_parser()
    known = {"demo", "serve", "worker", "onboard", "docs", "-h", "--help"}
    if argv and argv[0] not in known:
        _django_setup()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["polise", *(argv[1:] if argv[0] == "manage" else argv)])
        return 0
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
