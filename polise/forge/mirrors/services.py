"""The forge's local git mirrors: where they live, how they are fetched, and the read API that
news, contributions and docs use instead of running git themselves.

    mirror_fetch(repo="diskominfo/simpeg")                 # in a job; retried like any GitHub call
    for commit in commits(repo="diskominfo/simpeg", tip=after, exclude=[before], files=Files.NUMSTAT):
        ...
    with blobs(repo="diskominfo/simpeg") as reader:
        page = reader.read(f"{sha}:docs/usage/index.md", max_bytes=1 << 20)

Each mirror is a bare repository under `POLISE_DATA_DIR/mirrors/<owner>/<name>.git`, fetched
from GitHub with the installation token (or the configured token), or from the remote URL set
on its Mirror row (a local path or file:// URL: the demo and the tests).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from polise.forge.api import split_repo
from polise.forge.errors import ForgeError, classify

from . import fetch, gitread
from .gitread import BlobReader, Commit, Files, TreeEntry
from .models import Mirror

logger = logging.getLogger(__name__)

__all__ = [
    "BlobReader",
    "Commit",
    "Files",
    "TreeEntry",
    "blobs",
    "commits",
    "git_dir",
    "mirror_fetch",
    "mirror_set_remote",
    "resolve",
    "tree",
]


def git_dir(repo: str) -> Path:
    """Where the mirror of `repo` (owner/name) lives; GitHub names are caseless."""
    owner, name = split_repo(repo.lower())
    return Path(settings.DATA_DIR) / "mirrors" / owner / f"{name}.git"


def remote_url(repo: str) -> str:
    configured = Mirror.objects.filter(repo__iexact=repo).values_list("remote_url", flat=True)
    return configured.first() or settings.GIT_URL_TEMPLATE.format(repo=repo)


def _github_host() -> str:
    return urlsplit(settings.GIT_URL_TEMPLATE.format(repo="o/r")).netloc.lower()


_token_lock = threading.Lock()
_installation_token: tuple[str, float] | None = None


def _app_installation_token() -> str:
    """A GitHub App installation token, kept until a few minutes before it expires (1 h)."""
    global _installation_token
    from datetime import datetime

    from polise.forge import client

    with _token_lock:
        if _installation_token and _installation_token[1] > time.time():
            return _installation_token[0]
        github = client.github()
        as_app = github.with_auth(github.auth.as_app())
        try:
            data = as_app.rest.apps.create_installation_access_token(
                int(str(settings.GITHUB_APP_INSTALLATION_ID))
            ).parsed_data
        except Exception as exc:
            raise classify(exc, what="get an installation token for git") from exc
        expires = datetime.fromisoformat(str(data.expires_at).replace("Z", "+00:00"))
        _installation_token = (data.token, expires.timestamp() - 300)
        return data.token


def token_for(url: str) -> str | None:
    """The token git may send to `url`: only to GitHub's own host, over HTTPS, never to a
    remote someone typed into the admin."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or parts.netloc.lower() != _github_host():
        return None
    if settings.GITHUB_APP_ID:
        return _app_installation_token()
    return settings.GITHUB_TOKEN or None


def mirror_set_remote(*, repo: str, url: str) -> Mirror:
    """Mirror `repo` from `url` instead of GitHub (blank: back to GitHub)."""
    mirror, _ = Mirror.objects.update_or_create(repo=repo.lower(), defaults={"remote_url": url})
    return mirror


def mirror_fetch(
    *, repo: str, want: tuple[str, str] | None = None, default_branch: str = ""
) -> fetch.FetchOutcome:
    """Create or update the mirror of `repo`. Raises RetryableForgeError when another attempt
    may work (network, GitHub down, another fetch holding the lock) and PermanentForgeError
    when it cannot (no such repository, no access): callers run this in a retrying job.

    `want` = (ref, sha) skips the network when the mirror has it already; `default_branch`
    (from a push payload) keeps the mirror's HEAD on the repository's default branch."""
    url = remote_url(repo)
    path = git_dir(repo)
    mirror, _ = Mirror.objects.get_or_create(repo=repo.lower())
    try:
        outcome = fetch.sync(
            path,
            url,
            token=token_for(url),
            want=want,
            timeout=settings.GIT_FETCH_TIMEOUT_SECONDS,
            lock_timeout=settings.GIT_FETCH_TIMEOUT_SECONDS,
        )
    except ForgeError as exc:
        logger.warning("mirror of %s: %s", repo, exc)
        Mirror.objects.filter(pk=mirror.pk).update(failed_at=timezone.now(), last_error=str(exc))
        raise
    if default_branch:
        fetch.set_default_branch(path, default_branch)
    if outcome.fetched:
        Mirror.objects.filter(pk=mirror.pk).update(
            fetched_at=timezone.now(), last_error="", fetches=F("fetches") + 1
        )
    return outcome


def commits(
    *,
    repo: str,
    tip: str = "HEAD",
    exclude: Iterable[str] = (),
    files: Files = Files.NONE,
    merges: bool = True,
    reverse: bool = False,
    skip: int = 0,
) -> Iterator[Commit]:
    """Commits of the mirror of `repo` reachable from `tip` and not from `exclude`, streamed
    (see gitread.log)."""
    return gitread.log(
        git_dir(repo),
        tip=tip,
        exclude=exclude,
        files=files,
        merges=merges,
        reverse=reverse,
        skip=skip,
    )


def resolve(*, repo: str, rev: str = "HEAD") -> str | None:
    return gitread.resolve(git_dir(repo), rev)


def tree(*, repo: str, rev: str, path: str = "", recursive: bool = True) -> list[TreeEntry]:
    return gitread.tree(git_dir(repo), rev, path, recursive=recursive)


def blobs(*, repo: str) -> BlobReader:
    return BlobReader(git_dir(repo))
