"""`polise demo` shows each app's docs out of the box."""

from __future__ import annotations

import pytest

from polise.appdocs.models import DocPage, DocsState
from polise.demo.data import APPS, load_demo_data

pytestmark = pytest.mark.django_db


def test_the_demo_shows_docs_for_its_apps(tmp_path, settings, admin_client):
    settings.DATA_DIR = tmp_path
    load_demo_data()
    assert DocsState.objects.filter(built_at__isnull=False).count() == len(APPS)
    simpeg = DocPage.objects.filter(app__slug="simpeg")
    assert simpeg.filter(kind="usage", status="rendered").count() >= 2
    assert simpeg.filter(kind="database", status="rendered").exists()
    index = admin_client.get("/apps/simpeg/docs/", follow=True).content.decode()
    assert "Lihat juga" in index
    assert not [c for c in load_demo_data().created if c.startswith("docs")]  # built once
