from __future__ import annotations

import pytest

from tests.factories import make_app, make_unit, make_user

WEBHOOK_SECRET = "reports-hook-secret"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture
def forge(forge, settings):
    """The forge on the fake, with webhooks signed for Polise and e-mail kept in memory."""
    settings.GITHUB_TIMEOUT_SECONDS = 2
    settings.GITHUB_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    forge.webhook_url = "http://127.0.0.1:9/hooks/github"  # nobody listens: replayed by tests
    forge.webhook_secret = WEBHOOK_SECRET
    return forge


@pytest.fixture
def replay(client):
    """Hand Polise the webhooks the fake sent since the last call, as GitHub would."""
    sent = {"count": 0}

    def replay(fake) -> list[int]:
        fake.webhooks.flush()
        new = fake.webhooks.deliveries[sent["count"] :]
        sent["count"] = len(fake.webhooks.deliveries)
        statuses = []
        for delivery in new:
            headers = {
                f"HTTP_{k.upper().replace('-', '_')}": v
                for k, v in delivery.headers.items()
                if k.lower() != "content-type"
            }
            response = client.generic(
                "POST", "/hooks/github", delivery.body, content_type="application/json", **headers
            )
            statuses.append(response.status_code)
        return statuses

    return replay


@pytest.fixture
def simpeg(forge):
    forge.add_repo("diskominfo", "simpeg")
    owner = make_user(username="citra", first_name="Citra")
    return make_app(
        slug="simpeg",
        name="SIMPEG",
        repo="diskominfo/simpeg",
        owner_unit=make_unit(),
        owners=[owner],
    )


@pytest.fixture
def reporter(client):
    user = make_user(
        username="wati", first_name="Wati", last_name="Susanti", email="wati@example.go.id"
    )
    client.force_login(user)
    return user
