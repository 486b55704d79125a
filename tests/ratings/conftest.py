import pytest

from polise.ratings.selectors import forget_portal_means


@pytest.fixture(autouse=True)
def _fresh_prior():
    """Each test computes the portal-wide means (the prior) from its own ratings."""
    forget_portal_means()
    yield
    forget_portal_means()
