"""A small git repository a test writes commit by commit (the remote a mirror fetches from)."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path


class GitRepo:
    def __init__(self, path: Path, *, branch: str = "main") -> None:
        self.path = path
        self.branch = branch
        self._tick = 0
        # Commits are a minute apart, starting two days ago (recent, as new work is).
        self.start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "--quiet", f"--initial-branch={branch}")

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        proc = subprocess.run(
            ["git", "-C", str(self.path), *args],
            capture_output=True,
            check=True,
            env={**os.environ, **(env or {})},
        )
        return proc.stdout.decode("utf-8", "replace").strip()

    def commit(
        self,
        message: str | bytes,
        files: dict[str, str | bytes] | None = None,
        *,
        author: tuple[str, str] = ("Ayu Lestari", "ayu@diskominfo.example.go.id"),
    ) -> str:
        self._tick += 1
        for name, content in (files or {f"src/change_{self._tick}.txt": f"{self._tick}\n"}).items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content if isinstance(content, bytes) else content.encode())
            self.git("add", name)
        stamp = (self.start + timedelta(minutes=self._tick)).isoformat()
        env = {
            "GIT_AUTHOR_NAME": author[0],
            "GIT_AUTHOR_EMAIL": author[1],
            "GIT_COMMITTER_NAME": author[0],
            "GIT_COMMITTER_EMAIL": author[1],
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_DATE": stamp,
        }
        raw = message if isinstance(message, bytes) else message.encode()
        subprocess.run(
            ["git", "-C", str(self.path), "commit", "--quiet", "--allow-empty",
             "--allow-empty-message", "--cleanup=verbatim", "-F", "-"],
            input=raw, check=True, env={**os.environ, **env},
        )  # fmt: skip
        return self.head()

    def head(self, rev: str = "HEAD") -> str:
        return self.git("rev-parse", rev)

    def reset(self, rev: str) -> None:
        """Move the branch back (the next commit then makes a forced push)."""
        self.git("reset", "--hard", "--quiet", rev)
