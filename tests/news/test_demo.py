"""`polise demo` shows news out of the box, read from a git repository per demo app that the
contribution page and the docs read too."""

from __future__ import annotations

import subprocess

import pytest

from polise.demo.data import COMMITS, DEMO_ORG, DEVELOPERS, load_demo_data
from polise.forge.mirrors import gitread
from polise.forge.mirrors import services as mirrors
from polise.news.models import Item, Update

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    return load_demo_data()


def test_the_demo_shows_news_from_each_apps_history(demo, client):
    assert Update.objects.filter(kind=Update.Kind.DEPLOY, app__slug="simpeg").exists()
    assert Update.objects.filter(kind=Update.Kind.HISTORY).count() > 20
    news = client.get("/news/").content.decode()
    assert "Fitur baru" in news and "Perbaikan" in news
    assert "Yang baru" in client.get("/apps/simpeg/").content.decode()
    # A second run changes nothing and reads nothing again.
    before = (Item.objects.count(), Update.objects.count())
    assert not [c for c in load_demo_data().created if c.startswith("history")]
    assert (Item.objects.count(), Update.objects.count()) == before


def test_the_demo_repositories_look_like_an_offices(demo):
    developer_emails = {email for *_, emails in DEVELOPERS for email in emails}
    git_dir = mirrors.git_dir(f"{DEMO_ORG}/simpeg")
    commits = list(gitread.log(git_dir, tip="refs/heads/main", files=gitread.Files.NAMES))
    assert len(commits) == COMMITS["simpeg"] + 2  # two more on the merged feature branch
    authors = {c.author.email for c in commits}
    assert authors - developer_emails <= {"49699333+dependabot[bot]@users.noreply.github.com"}
    assert any(c.is_merge for c in commits)
    assert any(c.co_authors for c in commits)
    # .mailmap joins a developer's two e-mails: `log` gives the canonical one.
    assert "ayu.lestari@gmail.example" not in {
        c.author.email for c in gitread.log(mirrors.git_dir(f"{DEMO_ORG}/portal-layanan"))
    }
    raw = subprocess.run(
        ["git", "-C", str(mirrors.git_dir(f"{DEMO_ORG}/portal-layanan")), "log", "--format=%ae"],
        capture_output=True, check=True, text=True,
    ).stdout.split()  # fmt: skip
    assert "ayu.lestari@gmail.example" in raw
    paths = {e.path for e in gitread.tree(git_dir, "HEAD")}
    assert {"docs/usage/index.md", "docs/database/README.md", ".mailmap", "polise.yaml"} <= paths
    assert "docs/usage/gambar/layar-masuk.png" in paths
    assert len([p for p in paths if p.startswith("docs/usage/")]) >= 4
    assert len([p for p in paths if p.startswith("docs/database/")]) >= 3
    page = gitread.blob(git_dir, "HEAD", "docs/usage/masuk.md").data.decode()
    assert "](gambar/layar-masuk.png)" in page and "](laporan.md)" in page
    table = gitread.blob(git_dir, "HEAD", "docs/database/pengguna.md").data.decode()
    assert "| `nip` | varchar(18) |" in table
    assert Item.objects.filter(app__slug="simpeg", usage_docs=True).exists()
    assert Item.objects.filter(app__slug="simpeg", database_docs=True).exists()
