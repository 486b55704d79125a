"""Backfill of a 10,000-commit repository into news, beside `git log` alone on the same
repository in the same run, and a commit-for-commit comparison of what was stored with git.

    .venv/bin/python bench/news/backfill.py [COMMITS] [ROUNDS]
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import setup  # noqa: F401  (Django, migrated)
from history import build

from polise.accounts.models import OrgUnit
from polise.catalog.models import App
from polise.forge.mirrors import gitread
from polise.forge.mirrors import services as mirrors
from polise.news.models import AppNews, Item, Update
from polise.news.services import news_sync

COMMITS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3

work = Path(tempfile.mkdtemp(prefix="polise-bench-history-"))
source = work / "bench.git"
t = time.perf_counter()
build(source, COMMITS)
print(f"built {COMMITS} commits in {time.perf_counter() - t:.1f}s")

unit, _ = OrgUnit.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
app, _ = App.objects.get_or_create(
    slug="bench", defaults={"name": "Bench", "summary": "b", "technology": "python",
                            "owner_unit": unit, "repo": "bench/history"},
)  # fmt: skip
mirrors.mirror_set_remote(repo=app.repo, url=str(source))
mirrors.mirror_fetch(repo=app.repo)
git_dir = mirrors.git_dir(app.repo)

# The same walk news does: git log with the read API's format and options, output discarded.
format_args = ["-z", "--no-show-signature", "--no-ext-diff", "--no-relative", "--no-color",
               "--encoding=UTF-8", f"--format=tformat:{gitread._FORMAT}", "--name-only",
               "--no-renames", "--diff-merges=off", "--use-mailmap", "--reverse", "main"]  # fmt: skip


def cpu() -> float:
    """CPU seconds used so far by this process and the git processes it waited for."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measured(run) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    wall, used = time.perf_counter(), cpu()
    run()
    return time.perf_counter() - wall, cpu() - used


def raw_git_log() -> None:
    subprocess.run(
        ["git", "-C", str(git_dir), "log", *format_args], stdout=subprocess.DEVNULL, check=True
    )


def backfill() -> None:
    news_sync(app=app, fetch=False)


git_runs, fill_runs = [], []
for _ in range(ROUNDS):
    Update.objects.filter(app=app).delete()
    Item.objects.filter(app=app).delete()
    AppNews.objects.filter(app=app).delete()
    git_runs.append(measured(raw_git_log))
    fill_runs.append(measured(backfill))

for label, runs in (("git log alone", git_runs), ("news backfill", fill_runs)):
    print(
        f"{label:18} wall median {statistics.median(r[0] for r in runs):.2f}s "
        f"cpu median {statistics.median(r[1] for r in runs):.2f}s  "
        f"wall runs {[round(r[0], 2) for r in runs]}"
    )
for i, label in ((0, "wall"), (1, "cpu")):
    ratio = statistics.median(r[i] for r in fill_runs) / statistics.median(r[i] for r in git_runs)
    print(f"ratio ({label})       {ratio:.2f}x")
print(f"load average       {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

# Commit for commit: what was stored against git's own account of the branch.
said = subprocess.run(
    ["git", "-C", str(git_dir), "log", "--use-mailmap", "--format=%H%x00%aE%x00%cI%x00%s", "main"],
    capture_output=True, check=True, text=True,
).stdout.splitlines()  # fmt: skip
expected = {}
for line in said:
    sha, email, date, subject = line.split("\0")
    expected[sha] = (email, date, subject)
stored = {
    sha: (email, committed.isoformat(), title)
    for sha, email, committed, title in Item.objects.filter(app=app).values_list(
        "sha", "author_email", "committed_at", "title"
    )
}
mismatched = [
    sha
    for sha, (email, date, subject) in expected.items()
    if sha not in stored
    or stored[sha][0] != email
    or gitread.datetime.fromisoformat(stored[sha][1]) != gitread.datetime.fromisoformat(date)
    or not subject.endswith(stored[sha][2])
]
print(
    f"agreement          {len(expected)} commits in git, {len(stored)} stored, {len(mismatched)} differ"
)
print(f"updates            {Update.objects.filter(app=app).count()}")
sys.exit(1 if mismatched or len(stored) != len(expected) else 0)
