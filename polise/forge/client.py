"""The configured GitHub SDK client. Only polise.forge imports this module."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from githubkit import AppInstallationAuthStrategy, GitHub, TokenAuthStrategy
from githubkit.cache import MemCacheStrategy

USER_AGENT = "Polise (+https://github.com/)"
NOT_CONFIGURED = (
    "GitHub is not configured: set POLISE_GITHUB_TOKEN (a fine-grained token) or "
    "POLISE_GITHUB_APP_ID, POLISE_GITHUB_APP_PRIVATE_KEY and POLISE_GITHUB_APP_INSTALLATION_ID."
)


def configured() -> bool:
    """Whether Polise has credentials for GitHub (production requires them; the demo may not)."""
    return bool(settings.GITHUB_APP_ID or settings.GITHUB_TOKEN)


def _auth() -> Any:
    if settings.GITHUB_APP_ID:
        # githubkit trades the app's JWT for an installation token and refreshes it a minute
        # before its one-hour expiry.
        return AppInstallationAuthStrategy(
            settings.GITHUB_APP_ID,
            str(settings.GITHUB_APP_PRIVATE_KEY),
            int(str(settings.GITHUB_APP_INSTALLATION_ID)),
        )
    if settings.GITHUB_TOKEN:
        return TokenAuthStrategy(settings.GITHUB_TOKEN)
    raise ImproperlyConfigured(NOT_CONFIGURED)


@functools.cache
def github() -> GitHub:
    return GitHub(
        _auth(),
        base_url=settings.GITHUB_API_URL + "/",
        timeout=settings.GITHUB_TIMEOUT_SECONDS,
        user_agent=USER_AGENT,
        # Retries belong to the job runner, which classifies faults and never sleeps in a worker.
        auto_retry=False,
        http_cache=False,
        # This client's own token cache, so that reset() also forgets installation tokens.
        cache_strategy=MemCacheStrategy(),
    )


def reset() -> None:
    """Forget the client (settings changed, e.g. in tests)."""
    github.cache_clear()
