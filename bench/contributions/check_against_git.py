"""The scan against git itself on any repository (a real, long history):

- per identity, the commits it authored equal `git shortlog -sne --no-merges`;
- per identity, lines added and removed over all categories equal the sums of
  `git log --numstat --no-merges` for that (mailmapped) e-mail;
- the identities git names and the scan leaves out are bots only.

    .venv/bin/python bench/contributions/check_against_git.py PATH

Exits 1 on any difference, printing each one.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from polise.contributions.scan import scan, totals


def git(path: str, *args: str) -> str:
    out = subprocess.run(["git", "-C", path, *args], capture_output=True, check=True).stdout
    return out.decode("utf-8", "surrogateescape")


def main(path: str) -> int:
    shortlog: Counter[str] = Counter()
    for line in git(path, "shortlog", "-sne", "--no-merges", "HEAD").splitlines():
        match = re.fullmatch(r"\s*(\d+)\t.*<([^<>]*)>", line)
        assert match, line
        shortlog[match[2].lower()] += int(match[1])
    numstat: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    email = ""
    raw = git(path, "log", "--numstat", "--no-merges", "--use-mailmap", "--format=@@%aE", "HEAD")
    for line in raw.splitlines():
        if line.startswith("@@"):
            email = line[2:].lower()
        elif line:
            added, removed, _ = line.split("\t", 2)
            if added != "-":
                numstat[email][0] += int(added)
                numstat[email][1] += int(removed)
    people = {p.email.lower(): p for p in totals(scan(path))}
    problems = []
    for email, count in shortlog.items():
        person = people.get(email)
        if person is None:
            problems.append(f"{email}: {count} commits in git, left out by the scan")
            continue
        lines = [sum(v[0] for v in person.lines.values()), sum(v[1] for v in person.lines.values())]
        if person.authored != count:
            problems.append(f"{email}: git {count} commits, scan {person.authored}")
        if lines != numstat[email]:
            problems.append(f"{email}: git lines +{numstat[email]}, scan {lines}")
    left_out = sorted(set(shortlog) - set(people))
    co_only = sorted(set(people) - set(shortlog))
    for problem in problems:
        print(problem)
    bots = [e for e in left_out if "[bot]" in e or "bot" in e.split("@")[0]]
    print(
        f"{path}: {sum(shortlog.values())} non-merge commits by {len(shortlog)} identities in git; "
        f"{len(shortlog) - len(left_out)} compared, {len(problems) - len(bots)} differ; "
        f"left out as bots: {len(bots)} ({', '.join(bots) or 'none'}); "
        f"{len(co_only)} identities appear only as co-authors"
    )
    return 1 if len(problems) != len(bots) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
