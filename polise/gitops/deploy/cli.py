"""`polise deploy` and `polise rollback` arguments; wired into polise.gitops.cli."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import yaml

from polise.gitops.deploy.record import DeployReport
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


def _api(args: argparse.Namespace) -> PoliseAPI:
    url = args.polise_url or os.environ.get("POLISE_URL")
    token = os.environ.get(args.token_env)
    if not url or not token:
        raise argparse.ArgumentTypeError(
            f"deploys are recorded in Polise: set POLISE_URL and ${args.token_env} "
            "(the app's deploy token)"
            + (", or pass --no-report" if args.command == "deploy" else "")
        )
    return PoliseAPI(url, token)


DEPRECATED_POSITIONAL = (
    "polise deploy: warning: stack files without -c are deprecated; write "
    "`polise deploy -c {files}` (run `polise template update` to fix the workflow)"
)


def _app(args: argparse.Namespace) -> str:
    app = args.app or _app_from_manifest()
    if not app:
        raise argparse.ArgumentTypeError("--app is needed (no polise.yaml here names the app)")
    return str(app)


def cmd_deploy(args: argparse.Namespace) -> int:
    app = _app(args)
    if args.files:
        # The form every repo rendered before template 1.2.0 calls; keep those deploying.
        print(DEPRECATED_POSITIONAL.format(files=" -c ".join(args.files)), file=sys.stderr)
    files = [Path(f) for f in [*(args.compose_file or []), *args.files] or ["docker-stack.yml"]]
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise argparse.ArgumentTypeError(f"no such stack file: {', '.join(missing)}")
    options = DeployOptions(
        stack=args.stack or app,
        app=app,
        files=files,
        commit=_commit(args.commit),
        timeout=args.timeout,
        docker_cli=os.environ.get("POLISE_DOCKER_CLI", "docker"),
        api=None if args.no_report else _api(args),
    )
    if args.deploy_id:
        options.deploy_id = args.deploy_id
    return 0 if run_deploy(options).ok else EXIT_FAILED


def cmd_rollback(args: argparse.Namespace) -> int:
    api = _api(args)
    app = args.app or _app_from_manifest()
    try:
        target = api.record_of(args.to) if args.to else api.previous(app, before=args.before)
    except ReportError as exc:
        print(f"polise rollback: {exc}", file=sys.stderr)
        return EXIT_FAILED
    problem = _not_a_target(target)
    if problem:
        print(f"polise rollback: {problem}", file=sys.stderr)
        return EXIT_FAILED
    print(f"rolling {target.app} back to deploy {target.deploy_id} "
          f"(commit {target.commit or '?'}, {target.started_at:%Y-%m-%d %H:%M} UTC)")  # fmt: skip
    options = DeployOptions(
        stack=target.stack,
        app=target.app,
        commit=target.commit,
        timeout=args.timeout,
        docker_cli=os.environ.get("POLISE_DOCKER_CLI", "docker"),
        rollback_to=target,
        api=api,
    )
    if args.deploy_id:
        options.deploy_id = args.deploy_id
    return 0 if run_deploy(options).ok else EXIT_FAILED


def _not_a_target(target: DeployReport) -> str:
    if target.result != "succeeded":
        return f"deploy {target.deploy_id} did not succeed ({target.result}); pick a good one"
    if target.stack_spec is None:
        return (
            f"deploy {target.deploy_id} was recorded by an older polise, without its stack, so "
            "it cannot be deployed again exactly; roll back --to a newer good deploy, or "
            "redeploy that commit"
        )
    return ""


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--app", help="app name (default: name in polise.yaml)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="default: from the stack's update and rollback settings")  # fmt: skip
    parser.add_argument("--deploy-id", help="idempotency key of the record (default: a new UUID)")
    parser.add_argument("--polise-url", help="Polise's URL (default: $POLISE_URL)")
    parser.add_argument("--token-env", default="POLISE_DEPLOY_TOKEN",
                        help="variable holding the app's deploy token")  # fmt: skip


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    deploy = sub.add_parser("deploy", help="deploy the stack and wait until it converges or fails")
    deploy.add_argument("-c", "--compose-file", action="append", metavar="FILE",
                        help="stack file; repeat to add overrides (default: docker-stack.yml)")  # fmt: skip
    deploy.add_argument("files", nargs="*", metavar="FILE", help=argparse.SUPPRESS)
    _common(deploy)
    deploy.add_argument("--stack", help="swarm stack name (default: the app name)")
    deploy.add_argument("--commit", help="commit deployed (default: $GITHUB_SHA, then git HEAD)")
    deploy.add_argument("--no-report", action="store_true", help="do not record in Polise")
    deploy.set_defaults(func=cmd_deploy)

    rollback = sub.add_parser(
        "rollback",
        help="deploy again exactly the stack and images an earlier good deploy recorded",
    )
    _common(rollback)
    target = rollback.add_mutually_exclusive_group()
    target.add_argument("--before", metavar="DEPLOY_ID",
                        help="the last good deploy before this one (default: before the live one)")  # fmt: skip
    target.add_argument("--to", metavar="DEPLOY_ID", help="this good deploy")
    rollback.set_defaults(func=cmd_rollback)
