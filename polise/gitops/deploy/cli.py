"""`polise deploy` and `polise rollback` arguments; wired into polise.gitops.cli."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import yaml

from polise.gitops.deploy.report import PoliseAPI, ReportError
from polise.gitops.deploy.run import DeployOptions, run_deploy

EXIT_FAILED = 1
EXIT_USAGE = 2


def _app_from_manifest() -> str | None:
    for name in ("polise.yaml", "polise.yml"):
        path = Path(name)
        if path.exists():
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if isinstance(data, dict) and isinstance(data.get("name"), str):
                return data["name"]
    return None


def _commit(given: str | None) -> str:
    if given:
        return given
    if os.environ.get("GITHUB_SHA"):
        return os.environ["GITHUB_SHA"]
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return ""


def _api(args: argparse.Namespace) -> PoliseAPI | None:
    if args.no_report:
        return None
    url = args.polise_url or os.environ.get("POLISE_URL")
    token = os.environ.get(args.token_env)
    if not url or not token:
        raise argparse.ArgumentTypeError(
            f"the deploy is recorded in Polise: set POLISE_URL and ${args.token_env} "
            "(the app's deploy token), or pass --no-report"
        )
    return PoliseAPI(url, token)


def _options(args: argparse.Namespace, **extra: object) -> DeployOptions:
    app = args.app or _app_from_manifest()
    if not app:
        raise argparse.ArgumentTypeError("--app is needed (no polise.yaml here names the app)")
    files = [Path(f) for f in (args.compose_file or ["docker-stack.yml"])]
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise argparse.ArgumentTypeError(f"no such stack file: {', '.join(missing)}")
    options = DeployOptions(
        stack=args.stack or app,
        files=files,
        app=app,
        commit=_commit(args.commit),
        timeout=args.timeout,
        docker_cli=os.environ.get("POLISE_DOCKER_CLI", "docker"),
        api=_api(args),
    )
    if args.deploy_id:
        options.deploy_id = args.deploy_id
    for key, value in extra.items():
        setattr(options, key, value)
    return options


def cmd_deploy(args: argparse.Namespace) -> int:
    outcome = run_deploy(_options(args))
    return 0 if outcome.ok else EXIT_FAILED


def cmd_rollback(args: argparse.Namespace) -> int:
    options = _options(args)
    if options.api is None:
        raise argparse.ArgumentTypeError(
            "rollback reads the previous image from Polise: drop --no-report"
        )
    try:
        target = options.api.previous(options.app, before=args.before)
    except ReportError as exc:
        print(f"polise rollback: {exc}", file=sys.stderr)
        return EXIT_FAILED
    images = target.get("images") or {}
    if not images:
        print(
            f"polise rollback: Polise has no earlier good deploy of {options.app}", file=sys.stderr
        )
        return EXIT_FAILED
    print(f"rolling {options.app} back to deploy {target.get('deploy_id')} "
          f"(commit {target.get('commit') or '?'})")  # fmt: skip
    options.kind = "rollback"
    options.images = {str(k): str(v) for k, v in images.items()}
    options.commit = str(target.get("commit") or "")
    outcome = run_deploy(options)
    return 0 if outcome.ok else EXIT_FAILED


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-c", "--compose-file", action="append", metavar="FILE",
                        help="stack file; repeat to add overrides (default: docker-stack.yml)")  # fmt: skip
    parser.add_argument("--app", help="app name (default: name in polise.yaml)")
    parser.add_argument("--stack", help="swarm stack name (default: the app name)")
    parser.add_argument("--commit", help="commit deployed (default: $GITHUB_SHA, then git HEAD)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="default: from the stack's update and rollback settings")  # fmt: skip
    parser.add_argument("--deploy-id", help="idempotency key of the record (default: a new UUID)")
    parser.add_argument("--polise-url", help="Polise's URL (default: $POLISE_URL)")
    parser.add_argument("--token-env", default="POLISE_DEPLOY_TOKEN",
                        help="variable holding the app's deploy token")  # fmt: skip
    parser.add_argument("--no-report", action="store_true", help="do not record in Polise")


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    deploy = sub.add_parser("deploy", help="deploy the stack and wait until it converges or fails")
    _common(deploy)
    deploy.set_defaults(func=cmd_deploy)
    rollback = sub.add_parser("rollback", help="deploy the app's previous good image again")
    _common(rollback)
    rollback.add_argument("--before", metavar="DEPLOY_ID",
                          help="go back to the good deploy before this one (default: the latest)")  # fmt: skip
    rollback.set_defaults(func=cmd_rollback)
