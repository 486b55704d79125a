from __future__ import annotations

from dataclasses import dataclass

import pytest

from polise.catalog.models import App
from polise.forge.mirrors import services as mirrors
from tests.factories import make_app
from tests.gitrepo import GitRepo


@dataclass
class AppRepo:
    app: App
    repo: GitRepo


@pytest.fixture
def app_repo(tmp_path, settings) -> AppRepo:
    """An app whose repository is a local git repository the test commits to."""
    settings.DATA_DIR = tmp_path / "data"
    repo = GitRepo(tmp_path / "simpeg")
    app = make_app(slug="simpeg", name="SIMPEG", repo="pemprov-demo/simpeg")
    mirrors.mirror_set_remote(repo=app.repo, url=str(repo.path))
    return AppRepo(app, repo)
