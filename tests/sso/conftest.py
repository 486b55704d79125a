import pytest

from polise.sso import cache
from tests.factories import make_unit, make_user


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


@pytest.fixture
def signed_in(client):
    """A member of the diskominfo unit, signed in to Polise in the test client."""
    unit = make_unit(slug="diskominfo")
    user = make_user(first_name="Sari", last_name="Dewi", password="a-long-passphrase-1")
    unit.members.add(user)
    client.force_login(user)
    return user
