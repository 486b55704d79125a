"""`polise new` and `polise template update`: copier runs on the packaged template versions."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from polise.gitops.template_repo import (
    TECHS,
    current_version,
    newest_template_dir,
    template_source,
)

ANSWERS_FILE = ".copier-answers.yml"
_NAME = re.compile(r"^[a-z][a-z0-9-]{1,62}[a-z0-9]$")
_CONFLICT = re.compile(r"^(<<<<<<< |>>>>>>> )", re.M)


class TemplateError(ValueError):
    """Input or repo state that stops a render or an update; the message says what to do."""


@dataclass(frozen=True)
class UpdateResult:
    old_version: str
    new_version: str
    conflicts: list[str]


def render_new(
    dest: Path,
    *,
    tech: str,
    name: str,
    data: dict[str, Any] | None = None,
    version: str | None = None,
    init_git: bool = True,
    versioned: bool = True,
) -> str:
    """Render a new repo into `dest` (empty or missing); returns the template version used.

    `versioned=False` renders the newest templates from a plain folder, skipping copier's git
    clone (a third of a second a render): the repo cannot be updated later, so it is for
    previews and for test matrices that render every option set.
    """
    if tech not in TECHS:
        raise TemplateError(f"unknown technology {tech!r}; choose one of {', '.join(TECHS)}")
    if not _NAME.match(name):
        raise TemplateError(
            f"name {name!r}: use 3-64 lowercase letters, digits and '-' (it becomes the stack, "
            "image and host name)"
        )
    if dest.exists() and any(dest.iterdir()):
        raise TemplateError(f"{dest} is not empty; polise new renders into a new folder")
    answers = {**(data or {}), "tech": tech, "name": name}
    import copier  # here: a third of a second that `polise deploy` on a runner need not pay

    with template_source() as url:
        copier.run_copy(
            url if versioned else str(newest_template_dir()),
            dest,
            data=answers,
            defaults=True,
            vcs_ref=version,
            quiet=True,
            unsafe=False,
        )
    if init_git and not _inside_git(dest):
        _git(dest, "init", "--quiet", "--initial-branch=main").check_returncode()
    return rendered_version(dest) if versioned else current_version()


def rendered_version(dest: Path) -> str:
    answers = _answers(dest)
    return str(answers.get("_commit", "unknown"))


def update(
    dest: Path, *, data: dict[str, Any] | None = None, version: str | None = None
) -> UpdateResult:
    """Bring a rendered repo (committed, clean) up to `version` (default: the newest)."""
    old = rendered_version(dest)
    if not _inside_git(dest):
        raise TemplateError(f"{dest} is not a git repository; commit the rendered repo first")
    import copier

    with template_source() as _url:
        try:
            copier.run_update(
                dest,
                data=data or {},
                defaults=True,
                overwrite=True,
                skip_answered=True,
                vcs_ref=version or current_version(),
                conflict="inline",
                quiet=True,
                unsafe=False,
            )
        except copier.errors.UserMessageError as exc:  # dirty repo, missing answers, ...
            raise TemplateError(str(exc)) from exc
    return UpdateResult(old, rendered_version(dest), _conflicted_files(dest))


def _answers(dest: Path) -> dict[str, Any]:
    path = dest / ANSWERS_FILE
    if not path.is_file():
        raise TemplateError(f"{path} not found: {dest} was not rendered by polise new")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _git(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed git argument lists
        ["git", "-C", str(path), *args],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )


def _inside_git(path: Path) -> bool:
    done = _git(path, "rev-parse", "--is-inside-work-tree")
    return done.returncode == 0 and done.stdout.strip() == "true"


def _conflicted_files(dest: Path) -> list[str]:
    # Unmerged files appear once per stage; a set keeps one entry each.
    out = set(_git(dest, "ls-files", "--modified", "--others", "--exclude-standard").stdout.split())
    conflicted = []
    for name in out:
        path = dest / name
        if path.name.endswith(".rej") or (path.is_file() and _CONFLICT.search(_text(path))):
            conflicted.append(name)
    return sorted(conflicted)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
