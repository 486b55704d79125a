"""The forge's git mirrors: created and fetched from a local remote, read through the API."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from polise.forge.errors import PermanentForgeError
from polise.forge.mirrors import fetch, gitread
from polise.forge.mirrors import services as mirrors
from polise.forge.mirrors.models import Mirror
from tests.forge.git_http import git_http_server
from tests.gitrepo import GitRepo

pytestmark = pytest.mark.django_db


@pytest.fixture
def remote(tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    repo = GitRepo(tmp_path / "remote")
    mirrors.mirror_set_remote(repo="pemprov-demo/simpeg", url=str(repo.path))
    return repo


def test_a_mirror_is_created_then_fetched_incrementally(remote):
    first = remote.commit(
        "feat(laporan): ekspor PDF\n\nBadan.\n\nCo-authored-by: Budi <budi@x.go.id>"
    )
    outcome = mirrors.mirror_fetch(repo="pemprov-demo/simpeg")
    assert outcome.created and outcome.moved == {"refs/heads/main": (None, first)}
    git_dir = mirrors.git_dir("pemprov-demo/simpeg")
    assert git_dir.is_dir() and gitread.default_branch(git_dir) == "main"

    second = remote.commit("fix: tombol simpan", {"docs/usage/index.md": "# Panduan\n"})
    outcome = mirrors.mirror_fetch(repo="pemprov-demo/simpeg")
    assert not outcome.created and outcome.moved == {"refs/heads/main": (first, second)}
    # Nothing new: a fetch moves no ref; a wanted ref that is there already skips the network.
    assert mirrors.mirror_fetch(repo="pemprov-demo/simpeg").moved == {}
    assert not mirrors.mirror_fetch(
        repo="pemprov-demo/simpeg", want=("refs/heads/main", second)
    ).fetched
    assert Mirror.objects.get(repo="pemprov-demo/simpeg").fetches == 3

    commits = list(
        mirrors.commits(repo="pemprov-demo/simpeg", tip=second, files=gitread.Files.NUMSTAT)
    )
    assert [c.sha for c in commits] == [second, first]
    assert commits[0].files == (gitread.FileChange("docs/usage/index.md", 1, 0),)
    assert commits[1].co_authors == (gitread.Person("Budi", "budi@x.go.id"),)
    assert commits[1].message.startswith("feat(laporan): ekspor PDF\n\nBadan.")
    assert commits[1].author == gitread.Person("Ayu Lestari", "ayu@diskominfo.example.go.id")
    assert [
        c.sha for c in mirrors.commits(repo="pemprov-demo/simpeg", tip=second, exclude=[first])
    ] == [second]


def test_tree_and_blobs_at_a_commit(remote):
    sha = remote.commit(
        "docs: panduan", {"docs/usage/a.md": "# A\n", "docs/usage/img/x.png": b"\x89PNG\0"}
    )
    mirrors.mirror_fetch(repo="pemprov-demo/simpeg")
    entries = mirrors.tree(repo="pemprov-demo/simpeg", rev=sha, path="docs/usage")
    assert [(e.path, e.kind, e.size) for e in entries] == [
        ("docs/usage/a.md", "blob", 4),
        ("docs/usage/img/x.png", "blob", 5),
    ]
    with mirrors.blobs(repo="pemprov-demo/simpeg") as reader:
        assert reader.read(f"{sha}:docs/usage/a.md").data == b"# A\n"
        assert reader.read(f"{sha}:docs/usage/img/x.png", max_bytes=2).data is None
        assert reader.read(f"{sha}:missing.md") is None
        assert reader.read(f"{sha}:no such file.md") is None
        assert reader.read(f"{sha}:docs/usage") is None  # a folder is not a blob
        assert reader.read(entries[0].sha).data == b"# A\n"


def test_an_unreachable_remote_fails_permanently_with_a_clear_message(tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    mirrors.mirror_set_remote(repo="pemprov-demo/gone", url=str(tmp_path / "nowhere"))
    with pytest.raises(PermanentForgeError, match="does not appear to be a git repository"):
        mirrors.mirror_fetch(repo="pemprov-demo/gone")
    assert "nowhere" in Mirror.objects.get(repo="pemprov-demo/gone").last_error


def test_one_fetch_per_repository_at_a_time_across_processes(remote, tmp_path):
    remote.commit("feat: satu")
    git_dir = mirrors.git_dir("pemprov-demo/simpeg")
    git_dir.parent.mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import fcntl, sys; f = open(sys.argv[1], 'a+b'); fcntl.flock(f, fcntl.LOCK_EX);"
            "print('locked', flush=True); sys.stdin.readline()"
        ), str(git_dir.with_name(git_dir.name + ".lock"))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(fetch.MirrorBusy):
            fetch.sync(git_dir, str(remote.path), lock_timeout=0)
        assert not (git_dir / "HEAD").exists()
    finally:
        holder.stdin.close()
        holder.wait()
    assert fetch.sync(git_dir, str(remote.path), lock_timeout=0).created


def _process_list() -> str:
    """Every process's command line, as `ps` and /proc show them to anyone on the machine."""
    ps = subprocess.run(
        ["ps", "-eo", "args", "ww"], capture_output=True, check=True
    ).stdout.decode()
    cmdlines = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    cmdlines.append(handle.read().replace(b"\0", b" ").decode("utf-8", "replace"))
            except OSError:
                pass
    return ps + "\n".join(cmdlines)


def test_the_token_reaches_git_but_never_the_process_list_a_url_or_a_log(
    tmp_path, settings, caplog
):
    token = "ghs_" + "Zq9" * 12  # an installation token's shape
    source = GitRepo(tmp_path / "work")
    head = source.commit("feat: rahasia aman")
    served = tmp_path / "served"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(source.path),
                    str(served / "pemprov-demo" / "simpeg.git")], check=True)  # fmt: skip
    snapshots: list[str] = []
    with git_http_server(
        served, token=token, on_authenticated=lambda: snapshots.append(_process_list())
    ) as base:
        settings.DATA_DIR = tmp_path / "data"
        settings.GIT_URL_TEMPLATE = base + "/{repo}.git"
        settings.GITHUB_TOKEN = token
        settings.GITHUB_APP_ID = None
        outcome = mirrors.mirror_fetch(repo="pemprov-demo/simpeg")
    assert outcome.moved == {"refs/heads/main": (None, head)}
    assert len(snapshots) == 1, "git never sent the token"
    assert "git" in snapshots[0] and "fetch" in snapshots[0]  # git was running at that moment
    assert token not in snapshots[0]
    config = (mirrors.git_dir("pemprov-demo/simpeg") / "config").read_text()
    assert token not in config and "simpeg.git" in config
    assert token not in caplog.text


def test_a_wrong_token_fails_at_once_without_showing_it(tmp_path, settings, caplog):
    source = GitRepo(tmp_path / "work")
    source.commit("feat: satu")
    served = tmp_path / "served"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(source.path),
                    str(served / "pemprov-demo" / "simpeg.git")], check=True)  # fmt: skip
    with git_http_server(served, token="right-token", on_authenticated=lambda: None) as base:
        settings.DATA_DIR = tmp_path / "data"
        settings.GIT_URL_TEMPLATE = base + "/{repo}.git"
        settings.GITHUB_TOKEN = "wrong-token-123"
        settings.GITHUB_APP_ID = None
        with pytest.raises(PermanentForgeError, match="Authentication failed") as failure:
            mirrors.mirror_fetch(repo="pemprov-demo/simpeg")
    assert "wrong-token-123" not in str(failure.value) + caplog.text


def test_the_token_goes_only_to_githubs_own_host(settings):
    settings.GIT_URL_TEMPLATE = "https://github.com/{repo}.git"
    settings.GITHUB_TOKEN = "t0ken"
    settings.GITHUB_APP_ID = None
    assert mirrors.token_for("https://github.com/o/r.git") == "t0ken"
    assert mirrors.token_for("https://evil.example.com/o/r.git") is None
    assert mirrors.token_for("/srv/git/o/r.git") is None
    assert mirrors.token_for("file:///srv/git/o/r.git") is None
