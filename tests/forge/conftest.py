import pytest

from polise.forge import client


@pytest.fixture
def forge(settings, github_fake):
    """Polise's forge pointed at the GitHub fake, authenticated with the fake's test token."""
    settings.GITHUB_API_URL = github_fake.base_url.rstrip("/")
    settings.GITHUB_TOKEN = "test-token"
    settings.GITHUB_APP_ID = None
    settings.GITHUB_TIMEOUT_SECONDS = 1
    client.reset()
    yield github_fake
    client.reset()
