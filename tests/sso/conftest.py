import pytest

from polise.sso import cache


@pytest.fixture(autouse=True)
def _fresh_forward_auth_cache():
    # The cache is per process; each test starts from an empty one, as a new worker would.
    cache.clear()
    yield
    cache.clear()
