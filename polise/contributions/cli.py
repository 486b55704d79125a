"""`polise contributions scan PATH [--json]`: per-identity figures of a local git repository,
computed without Django or a database, so that anyone can check the portal's figures
against git. A progress bar goes to stderr when stderr is a terminal."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TextIO

from polise.forge.mirrors.gitread import GitError

from .classify import CATEGORIES
from .scan import IdentityTotals, count, rules_at, scan, totals


class ProgressBar:
    """`commits 1234/30000 [#####.....] 4%` redrawn at most ten times a second."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.done, self.stream = total, 0, stream
        self._drawn = 0.0

    def step(self) -> None:
        self.done += 1
        now = time.monotonic()
        if now - self._drawn >= 0.1 or self.done == self.total:
            self._drawn = now
            self.draw()

    def draw(self) -> None:
        share = self.done / self.total if self.total else 1.0
        filled = int(share * 30)
        self.stream.write(
            f"\rcommits {self.done}/{self.total} [{'#' * filled}{'.' * (30 - filled)}] {share:4.0%}"
        )
        self.stream.flush()

    def close(self) -> None:
        self.draw()
        self.stream.write("\n")
        self.stream.flush()


def _table(people: list[IdentityTotals]) -> str:
    head = ["commits", *(f"{c}+/-" for c in CATEGORIES), "identity"]
    rows = [head]
    for person in people:
        rows.append(
            [
                str(person.commits),
                *(f"{person.lines[c][0]}/{person.lines[c][1]}" for c in CATEGORIES),
                f"{person.name} <{person.email}>",
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head) - 1)]
    return "\n".join(
        "  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=False))
        + "  "
        + row[-1]
        for row in rows
    )


def cmd_scan(args: argparse.Namespace) -> int:
    try:
        rules = rules_at(args.path, args.rev)
        bar = None
        if sys.stderr.isatty() and not args.quiet:
            bar = ProgressBar(count(args.path, tip=args.rev), sys.stderr)
        people = totals(
            scan(args.path, tip=args.rev, classifier=rules), on_commit=bar.step if bar else None
        )
        if bar:
            bar.close()
    except GitError as exc:
        print(f"polise contributions scan: {args.path}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        json.dump([p.as_json() for p in people], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print(_table(people))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="polise contributions", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    scan_parser = sub.add_parser("scan", help="per-identity figures of a local git repository")
    scan_parser.add_argument("path", metavar="PATH", help="a git repository (bare or not)")
    scan_parser.add_argument("--rev", default="HEAD", help="the tip to read (default HEAD)")
    scan_parser.add_argument("--json", action="store_true", help="a JSON list, one per identity")
    scan_parser.add_argument("--quiet", action="store_true", help="no progress bar")
    scan_parser.set_defaults(func=cmd_scan)
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))
