"""The packaged templates as a git repo with one tagged commit per template version.

Copier renders from a git repo and updates a rendered repo by replaying the diff between the
template version it was made from and the newest one, so it needs every past version. The
package ships the newest tree (`templates/`) plus, in `template_history/`, one reverse patch
per older version; `build_template_repo` replays them into a throwaway repo. Its commits have
fixed authors and dates, so the same package always builds the same commit ids.

Rendered repos record the template as `git+polise:templates`; `template_source` makes git
resolve that name to the throwaway repo (git's `url.<base>.insteadOf`), so an update run on a
laptop finds the same versions as one run on a CI runner.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib.resources import as_file, files
from pathlib import Path

import yaml

TEMPLATE_URL = "git+polise:templates"
_GIT_NAME = "polise:templates"
TECHS = ("python", "node", "php", "go", "static")
_SHARED = "common"
_ROOT_FILES = ("copier.yml", "facts.jinja")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


@dataclass(frozen=True)
class TemplateVersion:
    version: str
    date: str
    changes: str


def versions() -> list[TemplateVersion]:
    """Template versions, oldest first; the last one is the tree the package ships."""
    raw = yaml.safe_load(
        files("polise.gitops").joinpath("template_history", "versions.yaml").read_text()
    )
    return [
        TemplateVersion(str(v["version"]), str(v["date"]), str(v["changes"]).strip()) for v in raw
    ]


def current_version() -> str:
    return versions()[-1].version


def _git(*args: str, cwd: Path, date: str | None = None) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Polise templates",
        "GIT_AUTHOR_EMAIL": "templates@polise.invalid",
        "GIT_COMMITTER_NAME": "Polise templates",
        "GIT_COMMITTER_EMAIL": "templates@polise.invalid",
    }
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{date}T00:00:00+00:00"
    done = subprocess.run(  # noqa: S603 - fixed git argument lists
        ["git", *args],  # noqa: S607 - git from PATH, as copier itself runs it
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {cwd}: {done.stderr.strip()}")
    return done.stdout


def snapshot_current(dest: Path) -> Path:
    """The newest template source: `templates/` plus the polise.yaml schema every repo carries."""
    from polise.gitops.lint.manifest import manifest_schema_text

    with as_file(files("polise.gitops").joinpath("templates")) as source:
        shutil.copytree(source, dest, ignore=_IGNORE)
    schema = dest / _SHARED / ".polise" / "polise.schema.json"
    schema.parent.mkdir(parents=True, exist_ok=True)
    schema.write_text(manifest_schema_text(), encoding="utf-8")
    return dest


def _patch_for(version: str) -> Path:
    with as_file(files("polise.gitops").joinpath("template_history", f"{version}.patch")) as patch:
        return Path(patch)


def snapshots(workdir: Path) -> list[tuple[TemplateVersion, Path]]:
    """Every version's source tree, oldest first, made by undoing patches from the newest."""
    history = versions()
    trees = {history[-1].version: snapshot_current(workdir / history[-1].version)}
    for newer, older in zip(reversed(history), list(reversed(history))[1:], strict=False):
        tree = workdir / older.version
        shutil.copytree(trees[newer.version], tree)
        _git("apply", "--whitespace=nowarn", str(_patch_for(older.version)), cwd=tree)
        trees[older.version] = tree
    return [(v, trees[v.version]) for v in history]


def assemble(source: Path, dest: Path) -> None:
    """Lay a source tree out as copier wants it: one folder per technology (`_subdirectory`)."""
    for name in _ROOT_FILES:
        shutil.copy2(source / name, dest / name)
    for tech in TECHS:
        shutil.copytree(source / _SHARED, dest / tech, ignore=_IGNORE, dirs_exist_ok=True)
        shutil.copytree(source / tech, dest / tech, ignore=_IGNORE, dirs_exist_ok=True)


def build_template_repo(dest: Path) -> Path:
    """A git repo at `dest` with one commit per template version, tagged with the version."""
    dest.mkdir(parents=True)
    _git("init", "--quiet", "--initial-branch=main", cwd=dest)
    with tempfile.TemporaryDirectory(prefix="polise-template-src-") as work:
        for version, tree in snapshots(Path(work)):
            for child in dest.iterdir():
                if child.name != ".git":
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
            assemble(tree, dest)
            _git("add", "--all", cwd=dest)
            _git("commit", "--quiet", "--allow-empty", "-m", f"Polise templates {version.version}\n\n"
                 f"{version.changes}", cwd=dest, date=version.date)  # fmt: skip
            _git("tag", version.version, cwd=dest)
    return dest


@cache
def _cached_repo() -> Path:
    # One build per process: `polise new` and the tests render many times from the same one.
    holder = tempfile.mkdtemp(prefix="polise-templates-")
    atexit.register(shutil.rmtree, holder, ignore_errors=True)
    return build_template_repo(Path(holder) / "repo")


@cache
def newest_template_dir() -> Path:
    """The newest version assembled in a plain folder: copier renders it without git."""
    holder = Path(tempfile.mkdtemp(prefix="polise-template-newest-"))
    atexit.register(shutil.rmtree, holder, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="polise-template-src-") as work:
        (holder / "tree").mkdir()
        assemble(snapshot_current(Path(work) / "src"), holder / "tree")
    return holder / "tree"


@contextmanager
def template_source() -> Iterator[str]:
    """Yields the URL to give copier while git resolves it to the built template repo."""
    from plumbum import local  # copier runs git through plumbum, whose env is its own copy

    repo = _cached_repo()
    # Count on top of any GIT_CONFIG_* the caller already set, instead of replacing them.
    base = int(os.environ.get("GIT_CONFIG_COUNT", "0"))
    extra = {
        "GIT_CONFIG_COUNT": str(base + 1),
        f"GIT_CONFIG_KEY_{base}": f"url.{repo.as_uri()}.insteadOf",
        f"GIT_CONFIG_VALUE_{base}": _GIT_NAME,
    }
    saved = {key: os.environ.get(key) for key in extra}
    os.environ.update(extra)
    try:
        with local.env(**extra):
            yield TEMPLATE_URL
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def reverse_patch(newer: Path, older: Path) -> str:
    """A patch that turns the `newer` source tree into `older` (what template_history keeps)."""
    with tempfile.TemporaryDirectory(prefix="polise-template-diff-") as work:
        repo = Path(work)
        _git("init", "--quiet", cwd=repo)
        shutil.copytree(newer, repo, dirs_exist_ok=True, ignore=_IGNORE)
        _git("add", "--all", cwd=repo)
        _git("commit", "--quiet", "-m", "newer", cwd=repo)
        _git("rm", "--quiet", "-r", ".", cwd=repo)
        shutil.copytree(older, repo, dirs_exist_ok=True, ignore=_IGNORE)
        _git("add", "--all", cwd=repo)
        return _git("diff", "--cached", "--binary", "--no-color", cwd=repo)
