"""Contribution scan benchmark: a deterministic N-commit history (tests/contributions/
history.py), then in one run, each timed (wall and CPU of this process plus its children):

1. `git log --numstat` alone, with exactly the options the scan's reader uses, output
   discarded (the floor: the scan cannot read faster than git writes);
2. a full scan (read, classify, sum per identity), in this process;
3. the same through the command line (`polise contributions scan PATH --json`), with its
   peak memory, at the whole history and at a quarter of it (memory must not grow with it);
4. an incremental scan after one new commit (the commits after the last one seen);
5. `git fame` (PyPI git-fame, from a throwaway virtualenv given by GIT_FAME) where it
   finishes within the time limit.

    .venv/bin/python bench/contributions/bench.py 30000 [ROUNDS]

Figures go to stdout as a Markdown table; RESULTS.md keeps a run's output.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from polise.contributions.scan import rules_at, scan, totals  # noqa: E402
from polise.forge.mirrors import gitread  # noqa: E402
from tests.contributions.history import build  # noqa: E402

POLISE = Path(sys.executable).with_name("polise")


def cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[[], object], rounds: int) -> tuple[float, float, object]:
    """Best wall and CPU seconds of `rounds` runs (the machine is shared: the best is the
    least disturbed), and the last result."""
    best_wall = best_cpu = float("inf")
    result = None
    for _ in range(rounds):
        wall, used = time.perf_counter(), cpu()
        result = fn()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, cpu() - used)
    return best_wall, best_cpu, result


def git_log_alone(path: Path, exclude: list[str] | None = None) -> int:
    argv = [
        "git", "-C", str(path), "log", *gitread._LOG_OPTIONS,
        *gitread._FILE_OPTIONS[gitread.Files.NUMSTAT], "--use-mailmap", "--no-merges",
        "HEAD", *(f"^{sha}" for sha in exclude or []), "--",
    ]  # fmt: skip
    with open(os.devnull, "wb") as sink:
        return subprocess.run(argv, stdout=sink, check=True).returncode


def full_scan(path: Path) -> int:
    return len(totals(scan(path)))


def peak_kib(argv: list[str]) -> tuple[float, int]:
    """Wall seconds and peak resident memory (KiB) of a command, by GNU time."""
    with tempfile.NamedTemporaryFile("r") as report:
        started = time.perf_counter()
        subprocess.run(
            ["/usr/bin/time", "-o", report.name, "-f", "%M", *argv],
            stdout=subprocess.DEVNULL,
            check=True,
        )
        wall = time.perf_counter() - started
        return wall, int(report.read().strip().splitlines()[-1])


def main() -> int:
    commits = int(sys.argv[1]) if len(sys.argv) > 1 else 30000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    work = Path(tempfile.mkdtemp(prefix="bench-contributions-"))
    path = work / "repo"
    started = time.perf_counter()
    history = build(path, commits)
    built = time.perf_counter() - started
    walked = int(gitread.count(path, merges=False))
    print(f"history: {history.commits} commits ({history.merges} merges, {walked} non-merge), "
          f"{len(history.categories)} paths, built in {built:.1f} s; load {os.getloadavg()[0]:.1f}")  # fmt: skip
    rows = []

    wall, used, _ = timed(lambda: git_log_alone(path), rounds)
    rows.append(("git log --numstat alone (full)", wall, used, ""))
    log_wall, log_cpu = wall, used
    wall, used, people = timed(lambda: full_scan(path), rounds)
    rows.append(
        (
            "full scan (read, classify, sum)",
            wall,
            used,
            f"{wall / log_wall:.2f}x wall, {used / log_cpu:.2f}x CPU of git log; {people} identities",
        )
    )
    cli = [str(POLISE), "contributions", "scan", str(path), "--json", "--quiet"]
    wall, peak_full = peak_kib(cli)
    quarter = gitread.resolve(path, f"HEAD~{commits * 3 // 4}")
    assert quarter
    _, peak_quarter = peak_kib([*cli, "--rev", quarter])
    rows.append(
        (
            "CLI `polise contributions scan --json`",
            wall,
            float("nan"),
            f"peak RSS {peak_full / 1024:.1f} MiB (a quarter of the history: "
            f"{peak_quarter / 1024:.1f} MiB)",
        )
    )

    # One new commit on top, then only what is new.
    tip = gitread.resolve(path)
    assert tip
    (path / "src").mkdir(exist_ok=True)
    (path / "src" / "baru.py").write_text("print('baru')\n" * 5)
    subprocess.run(["git", "-C", str(path), "add", "src/baru.py"], check=True)
    subprocess.run(
        ["git", "-C", str(path), "-c", "user.name=Ayu Lestari",
         "-c", "user.email=ayu@diskominfo.example.go.id", "commit", "-q", "-m", "baru"],
        check=True,
    )  # fmt: skip

    def incremental() -> int:
        rules = rules_at(path)
        return len(totals(scan(path, exclude=[tip], classifier=rules)))

    wall, used, _ = timed(lambda: git_log_alone(path, [tip]), rounds)
    rows.append(("git log --numstat alone (one new commit)", wall, used, ""))
    wall, used, found = timed(incremental, rounds)
    rows.append(("incremental scan after one new commit", wall, used, f"{found} identity"))

    fame = os.environ.get("GIT_FAME")
    if fame:
        limit = int(os.environ.get("GIT_FAME_TIMEOUT", "900"))
        started, used = time.perf_counter(), cpu()
        try:
            subprocess.run(
                [fame, "--format=json", "--loc=ins", str(path)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=limit,
            )  # fmt: skip
            rows.append(("git fame --loc=ins", time.perf_counter() - started, cpu() - used, ""))
        except subprocess.TimeoutExpired:
            rows.append(("git fame --loc=ins", float("nan"), float("nan"), f"> {limit} s: stopped"))

    print("\n| what | wall s | CPU s | note |\n|---|---:|---:|---|")
    for what, wall, used, note in rows:
        print(f"| {what} | {wall:.3f} | {used:.3f} | {note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
