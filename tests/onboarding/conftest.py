from __future__ import annotations

import contextlib
import os
import secrets

import pytest
from django.utils import translation

from polise.onboarding import databases
from tests.factories import make_unit


@pytest.fixture(autouse=True)
def _english():
    """Messages asserted here are the English source strings (pages still answer in Indonesian
    through the language middleware)."""
    with translation.override("en"):
        yield


@pytest.fixture
def org(forge, settings):
    """GitHub's organisation for new repositories, on the fake, with webhooks to Polise."""
    forge.state.user("diskominfo", "Organization")
    settings.ONBOARDING_GITHUB_ORG = "diskominfo"
    settings.ONBOARDING_REGISTRY = "registry.lan:5000"
    settings.ONBOARDING_WEBHOOK_URL = "https://polise.apps.lan/hooks/github"
    settings.GITHUB_TIMEOUT_SECONDS = 5
    return forge


@pytest.fixture
def unit():
    return make_unit(slug="bkd", name="Badan Kepegawaian Daerah")


@pytest.fixture
def app_name() -> str:
    """A fresh name: databases and buckets live on shared servers across runs."""
    return f"simpeg-{secrets.token_hex(3)}"


@pytest.fixture
def postgres(settings):
    url = os.environ.get("POLISE_TEST_POSTGRES_URL")
    if not url:
        from tests.conftest import service_unavailable

        service_unavailable("postgresql", "POLISE_TEST_POSTGRES_URL is not set")
    settings.PROVISION_POSTGRES_URL = url
    made: list[databases.Target] = []
    yield made
    for target in made:
        with contextlib.suppress(databases.DatabaseError):
            databases.drop(url, target)


def request_data(name: str, **overrides) -> dict:
    data = {
        "name": name,
        "title": "SIMPEG",
        "summary": "Data kepegawaian pemerintah provinsi.",
        "owner_unit": "bkd",
        "technology": "python",
        "template_options": {"framework": "django", "sso": "oidc"},
        "developers": ["budi-dev", "sari-vendor"],
        "maintainers": ["citra-lead"],
        "databases": [],
        "bucket": False,
        "private": True,
    }
    data.update(overrides)
    return data
