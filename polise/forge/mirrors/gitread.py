"""Reading a git repository (a bare mirror or any working copy) in plain Python: no Django.

The small read API that news, contributions and docs share, so that none of them runs git
itself:

- `log` streams commits (message, author, committer, co-authors, dates, files changed with
  lines added/removed) from one `git log` process, parsed as it runs: memory does not grow
  with the history, and a caller that stops early stops git too.
- `rev_list` streams SHAs only; `count`, `resolve`, `is_ancestor`, `default_branch` answer
  small questions.
- `tree` lists the files at a commit, `BlobReader` reads many files at a commit through one
  `git cat-file --batch` process, `blob` reads one.

Names and e-mails come through the repository's `.mailmap` (as `git shortlog` shows them; a
bare repository reads the tip's `.mailmap`). Text is decoded as UTF-8; bytes that are not
UTF-8 become U+FFFD in messages and names, and surrogate escapes in paths (so a path always
round-trips to git).
"""

from __future__ import annotations

import contextlib
import fcntl
import re
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO

GitDir = Path | str

_CHUNK = 1 << 20
# Linux's F_SETPIPE_SZ: a 1 MiB pipe lets git run ahead of the parser instead of waiting for
# it every 64 KiB, which on a busy machine costs a scheduler round trip each time.
_F_SETPIPE_SZ = 1031
_CONTACT = re.compile(r"\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>\s]+)>\s*")
_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


class GitError(RuntimeError):
    """git refused (not a repository, unknown revision, missing objects): its own words."""


class Files(StrEnum):
    """How much `log` says about the files a commit changed."""

    NONE = "none"  # nothing (fastest: no diff at all)
    NAMES = "names"  # the paths (a tree diff, no blob diff)
    NUMSTAT = "numstat"  # paths with lines added and removed, renames detected


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str

    @property
    def key(self) -> str:
        """What identifies a person: the e-mail, compared caselessly as git's mailmap does."""
        return self.email.lower()


@dataclass(frozen=True, slots=True)
class FileChange:
    path: str  # after the change (the new name of a renamed file)
    added: int = 0  # 0 unless read with Files.NUMSTAT; 0 for a binary file
    removed: int = 0
    binary: bool = False
    old_path: str | None = None  # a renamed file's earlier name (Files.NUMSTAT)


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author: Person
    committer: Person
    authored_at: datetime
    committed_at: datetime
    message: str  # the whole message, as written
    co_authors: tuple[Person, ...] = ()  # `Co-authored-by:` trailers, the author left out
    files: tuple[FileChange, ...] = ()  # empty for a merge (its changes are its parents')

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def title(self) -> str:
        return self.message.strip().split("\n", 1)[0].strip()


@dataclass(frozen=True, slots=True)
class TreeEntry:
    path: str
    mode: str
    kind: str  # "blob", "tree", "symlink" or "submodule"
    sha: str
    size: int | None  # bytes, for blobs and symlinks


def _git(git_dir: GitDir, *args: str) -> list[str]:
    return ["git", "-C", str(git_dir), *args]


def _run(git_dir: GitDir, *args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
    proc = subprocess.run(_git(git_dir, *args), capture_output=True, check=False)  # noqa: S603
    if proc.returncode not in ok:
        raise GitError(proc.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} failed")
    return proc


def is_sha(value: str) -> bool:
    return bool(_SHA.match(value))


def resolve(git_dir: GitDir, rev: str = "HEAD") -> str | None:
    """The commit SHA `rev` names, or None when there is no such commit (or no commits yet)."""
    proc = _run(
        git_dir,
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        f"{rev}^{{commit}}",
        ok=(0, 1, 128),
    )
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


def has_commit(git_dir: GitDir, sha: str) -> bool:
    return is_sha(sha) and resolve(git_dir, sha) == sha


def is_ancestor(git_dir: GitDir, ancestor: str, descendant: str) -> bool:
    """Whether `ancestor` is reachable from `descendant` (a commit is its own ancestor)."""
    proc = _run(git_dir, "merge-base", "--is-ancestor", ancestor, descendant, ok=(0, 1))
    return proc.returncode == 0


def default_branch(git_dir: GitDir) -> str | None:
    """The branch HEAD names (a mirror's HEAD follows the remote's default branch)."""
    proc = _run(git_dir, "symbolic-ref", "--quiet", "--short", "HEAD", ok=(0, 1, 128))
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


def _range(tip: str, exclude: Iterable[str]) -> list[str]:
    return ["--end-of-options", tip, *(f"^{sha}" for sha in exclude if sha), "--"]


def count(
    git_dir: GitDir, *, tip: str = "HEAD", exclude: Iterable[str] = (), merges: bool = True
) -> int:
    """How many commits `log` with the same range yields (for a progress display)."""
    no_merges = () if merges else ("--no-merges",)
    return int(_run(git_dir, "rev-list", "--count", *no_merges, *_range(tip, exclude)).stdout)


def _stream(argv: list[str]) -> Iterator[bytes]:
    """Chunks of a git process's output; stops git when the caller stops reading."""
    with (
        tempfile.TemporaryFile() as errors,
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errors) as proc,  # noqa: S603
    ):
        assert proc.stdout is not None
        with contextlib.suppress(OSError):
            fcntl.fcntl(proc.stdout.fileno(), _F_SETPIPE_SZ, _CHUNK)
        finished = False
        try:
            while chunk := proc.stdout.read1(_CHUNK):  # type: ignore[attr-defined]
                yield chunk
            finished = True
        finally:
            if not finished and proc.poll() is None:
                proc.kill()
        if proc.wait():
            errors.seek(0)
            raise GitError(errors.read().decode("utf-8", "replace").strip())


def rev_list(git_dir: GitDir, *, tip: str = "HEAD", exclude: Iterable[str] = ()) -> Iterator[str]:
    """The SHAs of `tip`'s history (less `exclude`'s), newest first, streamed."""
    tail = b""
    for chunk in _stream(_git(git_dir, "rev-list", *_range(tip, exclude))):
        lines = (tail + chunk).split(b"\n")
        tail = lines.pop()
        for line in lines:
            yield line.decode()
    if tail:
        yield tail.decode()


# One commit: RS, then the header fields, NUL-separated; then the files, one token each.
_FORMAT = "%x1e" + "%x00".join(
    [
        "%H",
        "%P",
        "%aN",
        "%aE",
        "%aI",
        "%cN",
        "%cE",
        "%cI",
        "%(trailers:key=Co-authored-by,valueonly,separator=%x1f)",
        "%B",
    ]
)
_HEADER_FIELDS = 10
# Pinned so that no local setting changes what is read.
_LOG_OPTIONS = (
    "-z",
    "--no-show-signature",
    "--no-ext-diff",
    "--no-relative",
    "--no-color",
    "--encoding=UTF-8",
    f"--format=tformat:{_FORMAT}",
)
_FILE_OPTIONS = {
    Files.NONE: ("--no-patch",),
    Files.NAMES: ("--name-only", "--no-renames", "--diff-merges=off"),
    Files.NUMSTAT: ("--numstat", "-M", "--diff-merges=off"),
}


def log(
    git_dir: GitDir,
    *,
    tip: str = "HEAD",
    exclude: Iterable[str] = (),
    files: Files = Files.NONE,
    merges: bool = True,
    reverse: bool = False,
    skip: int = 0,
    mailmap: bool = True,
) -> Iterator[Commit]:
    """The commits reachable from `tip` and not from any of `exclude`, newest first (or
    oldest first with `reverse`), streamed. `skip` leaves out the first commits of the walk,
    so that a reader that stopped after N commits can go on at N."""
    argv = _git(git_dir, "log", *_LOG_OPTIONS, *_FILE_OPTIONS[files])
    argv += ["--use-mailmap" if mailmap else "--no-use-mailmap"]
    argv += [] if merges else ["--no-merges"]
    argv += ["--reverse"] if reverse else []
    argv += [f"--skip={skip}"] if skip else []
    argv += _range(tip, exclude)
    with _CoAuthorMailmap(git_dir if mailmap else None) as people:
        yield from _parse(_stream(argv), people, numstat=files == Files.NUMSTAT)


def _parse(chunks: Iterator[bytes], people: _CoAuthorMailmap, *, numstat: bool) -> Iterator[Commit]:
    header: list[bytes] = []
    changes: list[FileChange] = []
    rename: list[bytes] | None = None
    tail = b""
    for chunk in chunks:
        tokens = (tail + chunk).split(b"\0")
        tail = tokens.pop()
        for token in tokens:
            if len(header) < _HEADER_FIELDS and header:
                header.append(token)
            elif rename is not None:
                rename.append(token)
                if len(rename) == 4:
                    added, removed, old, new = rename
                    changes.append(_numstat(added, removed, new, old))
                    rename = None
            elif token[:1] == b"\x1e":
                if header:
                    yield _commit(header, changes, people)
                header, changes = [token[1:]], []
            elif token := token.removeprefix(b"\n"):
                if not numstat:
                    changes.append(FileChange(path=_path(token)))
                    continue
                added, removed, path = token.split(b"\t", 2)
                if path:
                    changes.append(_numstat(added, removed, path, None))
                else:
                    rename = [added, removed]
    if header:
        yield _commit(header, changes, people)


def _path(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _numstat(added: bytes, removed: bytes, path: bytes, old: bytes | None) -> FileChange:
    binary = added == b"-"
    return FileChange(
        path=_path(path),
        added=0 if binary else int(added),
        removed=0 if binary else int(removed),
        binary=binary,
        old_path=_path(old) if old is not None else None,
    )


def parse_contact(text: str) -> Person | None:
    """`Name <email>` as a `Co-authored-by:` trailer writes it; None for anything else."""
    match = _CONTACT.fullmatch(text)
    return Person(match["name"], match["email"]) if match else None


def _commit(header: list[bytes], changes: list[FileChange], people: _CoAuthorMailmap) -> Commit:
    sha, parents, an, ae, ad, cn, ce, cd, trailers, message = (
        field.decode("utf-8", "replace") for field in header
    )
    author = Person(an, ae)
    co_authors: dict[str, Person] = {}
    for value in trailers.split("\x1f") if trailers else ():
        contact = parse_contact(value)
        person = people.resolve(contact) if contact else None
        if person and person.key != author.key:
            co_authors.setdefault(person.key, person)
    return Commit(
        sha=sha,
        parents=tuple(parents.split()),
        author=author,
        committer=Person(cn, ce),
        authored_at=_date(ad),
        committed_at=_date(cd),
        message=message,
        co_authors=tuple(co_authors.values()),
        files=tuple(changes),
    )


def _date(text: str) -> datetime:
    """An ISO date as git writes it; a time zone git accepted but no calendar has (old
    histories hold `+51800`) is read as UTC rather than stopping the whole walk."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return datetime.fromisoformat(text[:19]).replace(tzinfo=UTC)


class _CoAuthorMailmap:
    """Co-authors through `.mailmap` (`git check-mailmap --stdin`, started on the first
    co-author and kept running); remembers each contact, so it grows with the people only."""

    def __init__(self, git_dir: GitDir | None) -> None:
        self._git_dir = git_dir
        self._proc: subprocess.Popen[bytes] | None = None
        self._seen: dict[Person, Person] = {}

    def __enter__(self) -> _CoAuthorMailmap:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc:
            self._proc.kill()
            self._proc.wait()
            self._proc = None

    def resolve(self, contact: Person) -> Person:
        if self._git_dir is None:
            return contact
        if contact not in self._seen:
            self._seen[contact] = self._ask(contact) or contact
        return self._seen[contact]

    def _ask(self, contact: Person) -> Person | None:
        if self._proc is None:
            self._proc = subprocess.Popen(  # noqa: S603
                _git(self._git_dir or ".", "check-mailmap", "--stdin"),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        assert self._proc.stdin and self._proc.stdout
        try:
            self._proc.stdin.write(f"{contact.name} <{contact.email}>\n".encode())
            self._proc.stdin.flush()
            answer = self._proc.stdout.readline().decode("utf-8", "replace")
        except BrokenPipeError:
            answer = ""
        if not answer:  # git gave up on a contact it could not parse
            self.__exit__()
            self._git_dir = None
            return None
        return parse_contact(answer.rstrip("\n"))


_KINDS = {"040000": "tree", "120000": "symlink", "160000": "submodule"}


def tree(git_dir: GitDir, rev: str, path: str = "", *, recursive: bool = True) -> list[TreeEntry]:
    """The entries under `path` (the whole tree when empty) at commit `rev`, with blob sizes.
    Recursive listings hold files, symlinks and submodules, not the folders themselves."""
    spec = f"{rev}:{path.strip('/')}" if path.strip("/") else rev
    args = ["ls-tree", "-z", "-l", *(["-r"] if recursive else []), "--end-of-options", spec]
    prefix = path.strip("/") + "/" if path.strip("/") else ""
    entries = []
    for record in _run(git_dir, *args).stdout.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, kind, sha, size = meta.decode().split(maxsplit=3)
        entries.append(
            TreeEntry(
                path=prefix + _path(name),
                mode=mode,
                kind=_KINDS.get(mode, kind),
                sha=sha,
                size=None if size.strip() == "-" else int(size),
            )
        )
    return entries


@dataclass(frozen=True, slots=True)
class Blob:
    sha: str
    size: int
    data: bytes | None  # None when larger than the limit the caller gave


class BlobReader:
    """Many blobs through one `git cat-file --batch` process:

    with BlobReader(git_dir) as blobs:
        readme = blobs.read(f"{sha}:docs/usage/README.md", max_bytes=1 << 20)
    """

    def __init__(self, git_dir: GitDir) -> None:
        self._proc = subprocess.Popen(  # noqa: S603
            _git(git_dir, "cat-file", "--batch"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()

    def read(self, spec: str, *, max_bytes: int | None = None) -> Blob | None:
        """The blob `spec` names (a SHA or `rev:path`), or None when there is none (or it is
        not a blob). Past `max_bytes`, `data` is None and only the size is told."""
        if "\n" in spec:
            raise ValueError("a blob name cannot contain a newline")
        stdin, stdout = self._proc.stdin, self._proc.stdout
        assert stdin and stdout
        stdin.write(spec.encode("utf-8", "surrogateescape") + b"\n")
        stdin.flush()
        header = stdout.readline().decode("utf-8", "surrogateescape").rstrip("\n")
        if header.endswith((" missing", " ambiguous")):
            return None
        sha, kind, size_text = header.split(" ")
        size = int(size_text)
        data = _read_exactly(stdout, size)
        stdout.read(1)  # the newline after the contents
        if kind != "blob":
            return None
        if max_bytes is not None and size > max_bytes:
            return Blob(sha, size, None)
        return Blob(sha, size, data)


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    parts, left = [], size
    while left:
        part = stream.read(left)
        if not part:
            raise GitError("git cat-file stopped in the middle of an object")
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def blob(git_dir: GitDir, rev: str, path: str, *, max_bytes: int | None = None) -> Blob | None:
    """One file at commit `rev` (see BlobReader to read many)."""
    with BlobReader(git_dir) as reader:
        return reader.read(f"{rev}:{path}", max_bytes=max_bytes)
