"""Create and fetch a bare mirror: one fetch per repository at a time, the token never in sight.

- The token reaches git only through its environment (`POLISE_GIT_TOKEN`), read by a
  credential helper given on the command line as a shell function that names the variable,
  not its value: neither the process list nor the remote URL (which git prints in errors and
  may store in the mirror's config) ever holds it. Other helpers and terminal prompts are
  switched off, so a missing or wrong token fails at once instead of hanging.
- A lock file beside the mirror (`flock`, held by the process, released by the kernel when it
  dies) lets one fetch run at a time across processes: the web process, workers, the CLI.
- Fetches are incremental (git sends only what the mirror lacks) and prune refs that went
  away, so a forced push moves the branch back (news withdraws what is no longer reachable;
  git's own garbage collection keeps unreachable objects for two weeks).
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from polise.forge.errors import PermanentForgeError, RetryableForgeError

from . import gitread

TOKEN_VARIABLE = "POLISE_GIT_TOKEN"  # noqa: S105 - the name of a variable, not a secret
# `git credential fill` asks with `get`; storing and erasing are no-ops. Git runs helpers that
# start with "!" through the shell, which expands the variable inside the helper's process.
CREDENTIAL_HELPER = (
    '!f() { test "$1" = get && echo username=x-access-token && '
    f'echo "password=${{{TOKEN_VARIABLE}}}"; }}; f'
)
REFSPECS = ("+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")
# What git says when another attempt may work, and when it cannot.
_RETRYABLE = (
    "could not resolve host",
    "connection timed out",
    "connection refused",
    "timed out",
    "early eof",
    "rpc failed",
    "the remote end hung up",
    "returned error: 5",
    "http/2 stream",
    "temporary failure",
    "unable to access",
)


class MirrorBusy(RetryableForgeError):
    """Another process is fetching this repository."""


@dataclass(frozen=True)
class FetchOutcome:
    created: bool
    fetched: bool  # False when the mirror already had what was wanted
    moved: dict[str, tuple[str | None, str | None]] = field(
        default_factory=dict
    )  # ref -> (old, new)


def _refs(git_dir: Path) -> dict[str, str]:
    proc = subprocess.run(  # noqa: S603
        ["git", "-C", str(git_dir), "for-each-ref", "--format=%(objectname) %(refname)"],  # noqa: S607
        capture_output=True,
        check=False,
    )
    pairs = (line.split(" ", 1) for line in proc.stdout.decode().splitlines() if " " in line)
    return {ref: sha for sha, ref in pairs}


@contextmanager
def locked(git_dir: Path, *, timeout: float) -> Iterator[None]:
    """Hold the repository's fetch lock, waiting up to `timeout` seconds for another holder."""
    git_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = git_dir.with_name(git_dir.name + ".lock")
    with open(lock_path, "a+b") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise MirrorBusy(
                        f"fetch {git_dir.name}: another fetch of this repository is still running",
                        retry_after=30.0,
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _environment(token: str | None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GIT_") and key != TOKEN_VARIABLE
    }
    env.update(GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="", SSH_ASKPASS="", LC_ALL="C")
    if token:
        env[TOKEN_VARIABLE] = token
    return env


def _git(git_dir: Path, args: list[str], *, token: str | None, timeout: float, what: str) -> str:
    argv = ["git", "-C", str(git_dir)]
    if token:
        # The empty helper first clears any helper from the system or global configuration.
        argv += ["-c", "credential.helper=", "-c", f"credential.helper={CREDENTIAL_HELPER}"]
    try:
        proc = subprocess.run(  # noqa: S603
            [*argv, *args],
            capture_output=True,
            check=False,
            timeout=timeout,
            env=_environment(token),
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise RetryableForgeError(f"{what}: git did not finish within {timeout:.0f}s") from None
    said = proc.stderr.decode("utf-8", "replace").strip()
    if token:
        said = said.replace(token, "***")
    if proc.returncode:
        lowered = said.lower()
        lines = [line for line in said.splitlines() if line.startswith(("fatal:", "error:"))]
        last = (
            (lines[0] if lines else said.splitlines()[-1])
            if said
            else f"git exited {proc.returncode}"
        )
        if any(marker in lowered for marker in _RETRYABLE) and "403" not in lowered:
            raise RetryableForgeError(f"{what}: {last}")
        raise PermanentForgeError(f"{what}: {last}")
    return proc.stdout.decode("utf-8", "replace")


def _create(git_dir: Path, url: str) -> None:
    git_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "--quiet", "--bare", str(git_dir)], check=True)  # noqa: S603, S607
    # Written at once rather than by one `git config` process per key.
    with open(git_dir / "config", "a", encoding="utf-8") as config:
        config.write('[remote "origin"]\n\turl = ' + _config_value(url) + "\n")
        config.writelines(f"\tfetch = {spec}\n" for spec in REFSPECS)


def _config_value(value: str) -> str:
    if any(ch in value for ch in "\n\0"):
        raise PermanentForgeError("a remote URL cannot contain a line break")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sync(
    git_dir: Path,
    url: str,
    *,
    token: str | None = None,
    want: tuple[str, str] | None = None,
    timeout: float = 600.0,
    lock_timeout: float = 600.0,
) -> FetchOutcome:
    """Bring the mirror at `git_dir` up to date with `url` (creating it on first use).

    `want` = (ref, sha): when the mirror's ref already points at sha (someone else fetched
    since the push), no network call is made."""
    what = f"fetch {url}"
    with locked(git_dir, timeout=lock_timeout):
        created = not (git_dir / "HEAD").exists()
        if created:
            _create(git_dir, url)
        elif _configured_url(git_dir) != url:
            subprocess.run(  # noqa: S603
                ["git", "-C", str(git_dir), "config", "remote.origin.url", url],  # noqa: S607
                check=True,
            )
        before = _refs(git_dir)
        if want and before.get(want[0]) == want[1]:
            return FetchOutcome(created=False, fetched=False)
        _git(
            git_dir,
            ["fetch", "--prune", "--quiet", "origin"],
            token=token,
            timeout=timeout,
            what=what,
        )
        if created or gitread.resolve(git_dir, "HEAD") is None:
            _follow_remote_head(git_dir, token=token, timeout=timeout, what=what)
        after = _refs(git_dir)
    moved = {
        ref: (before.get(ref), after.get(ref))
        for ref in before.keys() | after.keys()
        if before.get(ref) != after.get(ref)
    }
    return FetchOutcome(created=created, fetched=True, moved=moved)


def _configured_url(git_dir: Path) -> str:
    proc = subprocess.run(  # noqa: S603
        ["git", "-C", str(git_dir), "config", "--get", "remote.origin.url"],  # noqa: S607
        capture_output=True,
        check=False,
    )
    return proc.stdout.decode().strip()


def _follow_remote_head(git_dir: Path, *, token: str | None, timeout: float, what: str) -> None:
    """Point HEAD at the remote's default branch, as a clone does."""
    said = _git(
        git_dir,
        ["ls-remote", "--symref", "origin", "HEAD"],
        token=token,
        timeout=timeout,
        what=what,
    )
    for line in said.splitlines():
        if line.startswith("ref: ") and line.endswith("\tHEAD"):
            branch = line.removeprefix("ref: ").split("\t", 1)[0]
            subprocess.run(  # noqa: S603
                ["git", "-C", str(git_dir), "symbolic-ref", "HEAD", branch],  # noqa: S607
                check=True,
            )
            return


def set_default_branch(git_dir: Path, branch: str) -> None:
    """Point HEAD at `branch` (a push payload names the repository's default branch)."""
    if branch and gitread.resolve(git_dir, f"refs/heads/{branch}"):
        subprocess.run(  # noqa: S603
            ["git", "-C", str(git_dir), "symbolic-ref", "HEAD", f"refs/heads/{branch}"],  # noqa: S607
            check=True,
        )
