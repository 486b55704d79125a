"""The demo data rates every demo app, over several versions, and the API answers for each."""

from __future__ import annotations

import pytest

from polise.catalog.models import App
from polise.demo.data import load_demo_data
from polise.ratings.models import Rating

pytestmark = pytest.mark.django_db


def test_the_api_answers_for_every_demo_app_with_distributions_adding_up(
    tmp_path, settings, client
):
    settings.DATA_DIR = tmp_path
    load_demo_data()
    assert Rating.objects.values("user").distinct().count() >= 5
    assert Rating.objects.filter(app__slug="simpeg").values("version").distinct().count() >= 3
    apps = list(App.objects.all())
    assert len(apps) >= 8
    for app in apps:
        body = client.get(f"/api/apps/{app.slug}/ratings").json()
        assert body["app"] == app.slug
        assert set(body["dimensions"]) == {"quality", "ease", "docs"}
        for name, figures in body["dimensions"].items():
            assert sum(figures["distribution"].values()) == figures["count"], (app.slug, name)
            assert (
                figures["count"]
                == Rating.objects.filter(app=app, **{f"{name}__isnull": False}).count()
            )
        assert body["dimensions"]["quality"]["count"] > 0
    # Loading again adds nothing.
    before = Rating.objects.count()
    load_demo_data()
    assert Rating.objects.count() == before
