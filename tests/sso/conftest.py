import pytest

from polise.sso import cache


@pytest.fixture(autouse=True)
def _fresh_forward_auth_cache():
    # The cache is per process; each test starts from an empty one, as a new worker would.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def live_base(live_server, settings):
    """The live server's URL, which Polise then takes for its own base URL."""
    settings.BASE_URL = live_server.url
    return live_server.url
