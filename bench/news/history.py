"""A deterministic history of N commits (`git fast-import`), for the backfill benchmark."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

AUTHORS = [(f"Developer {i}", f"dev{i}@vendor{i % 3}.example.co.id") for i in range(12)]
TYPES = ["feat", "fix", "perf", "docs", "chore", "ci", "refactor", None]


def build(path: Path, commits: int, *, seed: int = 14) -> None:
    rng = random.Random(seed)
    out = []
    start = 1_700_000_000
    for n in range(1, commits + 1):
        name, email = rng.choice(AUTHORS)
        kind = rng.choice(TYPES)
        title = (
            f"{kind}(modul{n % 9}): perubahan nomor {n}" if kind else f"Perubahan bebas nomor {n}"
        )
        body = "\n\nPenjelasan singkat perubahan ini." if n % 3 == 0 else ""
        if n % 11 == 0:
            co_name, co_email = rng.choice(AUTHORS)
            body += f"\n\nCo-authored-by: {co_name} <{co_email}>"
        message = (title + body).encode()
        stamp = f"{start + n * 600} +0700"
        out.append(
            f"commit refs/heads/main\nmark :{n}\nauthor {name} <{email}> {stamp}\n"
            f"committer {name} <{email}> {stamp}\ndata {len(message)}\n".encode()
            + message
            + b"\n"
        )
        if n > 1:
            out.append(f"from :{n - 1}\n".encode())
        folder = "docs/usage" if kind == "docs" else f"src/modul{n % 9}"
        for f in range(1 + n % 3):
            content = f"baris {n}\n".encode()
            out.append(
                f"M 100644 inline {folder}/berkas_{f}_{n % 50}.txt\ndata {len(content)}\n".encode()
                + content
                + b"\n"
            )
        out.append(b"\n")
    subprocess.run(
        ["git", "init", "--quiet", "--bare", "--initial-branch=main", str(path)], check=True
    )
    subprocess.run(
        ["git", "-C", str(path), "fast-import", "--quiet", "--done"],
        input=b"".join(out) + b"done\n",
        check=True,
    )
