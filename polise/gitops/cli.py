"""`polise new | template | lint` (and, later, `deploy | rollback`): the GitOps kit's commands.

Called by the top-level `polise` command with argv[0] naming the command. Runs without Django.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from polise.gitops.config import ConfigError, load_config
from polise.gitops.deploy.cli import add_parsers as add_deploy_parsers
from polise.gitops.render import TemplateError, render_new, update
from polise.gitops.template_repo import TECHS, current_version, versions

Command = Callable[[argparse.Namespace], int]


def _data(pairs: list[str]) -> dict[str, str]:
    data = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise argparse.ArgumentTypeError(f"--data {pair!r} is not KEY=VALUE")
        data[key] = value
    return data


def cmd_new(args: argparse.Namespace) -> int:
    data = _data(args.data)
    if args.framework:
        data["framework"] = args.framework
    used = render_new(
        Path(args.dest), tech=args.tech, name=args.name, data=data, version=args.template_version
    )
    print(f"{args.dest}: {args.tech} repo '{args.name}' from Polise templates {used}.")
    print("Next: git add -A && git commit, then push to GitHub; check with `polise lint .`.")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    if args.action == "versions":
        for v in versions():
            print(f"{v.version}  {v.date}  {v.changes.splitlines()[0]}")
        return 0
    result = update(Path(args.dest), data=_data(args.data), version=args.template_version)
    print(f"{args.dest}: templates {result.old_version} -> {result.new_version}")
    if result.conflicts:
        print("Conflicts to resolve by hand (konflik, selesaikan manual):", file=sys.stderr)
        for name in result.conflicts:
            print(f"  {name}", file=sys.stderr)
        return 1
    print("Review with `git diff`, then commit.")
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    # Imported here, as copier is in render: `polise deploy` on a runner starts without them.
    from polise.gitops.lint import LintOptions, lint_paths
    from polise.gitops.lint.output import format_json, format_sarif, format_text, has_errors

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"polise lint: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    options = LintOptions(
        config=load_config(args.config),
        app=args.app,
        sso=args.sso,
        actionlint="off" if args.no_actionlint else "auto",
    )
    if args.no_actionlint:
        print("polise lint: actionlint skipped (--no-actionlint)", file=sys.stderr)
    findings = lint_paths(args.paths, options)
    if args.format == "sarif":
        out = format_sarif(findings, version=_polise_version())
    else:
        out = {"text": format_text, "json": format_json}[args.format](findings)
    sys.stdout.write(out if out.endswith("\n") else out + "\n")
    return 1 if has_errors(findings) else 0


def _polise_version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    try:
        return package_version("polise")
    except PackageNotFoundError:
        return "0"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="polise", description="Polise GitOps kit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    new = sub.add_parser("new", help="render a new app repo from a template")
    new.add_argument("--tech", required=True, choices=TECHS)
    new.add_argument("--name", required=True, help="app slug: stack, image and host name")
    new.add_argument("--framework", help="python: fastapi (default) or django")
    new.add_argument("--data", action="append", default=[], metavar="KEY=VALUE",
                     help="another template answer (title, team, domain, placement, sso, database)")  # fmt: skip
    new.add_argument("--template-version", help=f"default: the newest ({current_version()})")
    new.add_argument("dest")
    new.set_defaults(func=cmd_new)

    template = sub.add_parser("template", help="template versions and updates")
    template.add_argument("action", choices=["update", "versions"])
    template.add_argument("dest", nargs="?", default=".")
    template.add_argument("--data", action="append", default=[], metavar="KEY=VALUE")
    template.add_argument("--template-version", help="default: the newest")
    template.set_defaults(func=cmd_template)

    lint = sub.add_parser("lint", help="check stack files, workflows and polise.yaml")
    lint.add_argument("paths", nargs="+", metavar="PATH")
    lint.add_argument("--format", choices=["text", "json", "sarif"], default="text")
    lint.add_argument("--config", help="platform config YAML (default: $POLISE_GITOPS_CONFIG)")
    lint.add_argument("--app", help="app name for a stack file linted away from its polise.yaml")
    lint.add_argument(
        "--sso", choices=["forward_auth", "oidc", "none"], help="likewise, sign-in mode"
    )
    lint.add_argument("--no-actionlint", action="store_true", help="skip actionlint (says so)")
    lint.set_defaults(func=cmd_lint)
    add_deploy_parsers(sub)
    return parser


def main(argv: list[str]) -> int:
    """Run one GitOps command; argv[0] is the command word (new, template, lint)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (TemplateError, ConfigError, argparse.ArgumentTypeError) as exc:
        print(f"polise {argv[0]}: {exc}", file=sys.stderr)
        return 2
