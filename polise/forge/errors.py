"""What can go wrong talking to GitHub, sorted into what another attempt may fix and what it cannot."""

from __future__ import annotations

import time
from collections.abc import Mapping

import httpx
from githubkit.exception import RequestError, RequestFailed, RequestTimeout

from polise.core.jobs import PermanentError

# GitHub asks for at least a minute's pause on a secondary rate limit without Retry-After.
SECONDARY_LIMIT_PAUSE = 60.0


class ForgeError(Exception):
    """A GitHub call failed. `status` is the HTTP status when GitHub answered at all."""

    retryable = False

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class RetryableForgeError(ForgeError):
    """GitHub is down, slow or rate-limiting: the same call may succeed later.

    `ambiguous` is set when the request may have reached GitHub and taken effect even though no
    answer came back (a timeout, a dropped connection, a 502/504): a write must look for what
    its earlier attempt did before doing it again.
    """

    retryable = True

    def __init__(self, message: str, *, ambiguous: bool = False, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.ambiguous = ambiguous


class PermanentForgeError(ForgeError, PermanentError):
    """GitHub refused the call for a reason another attempt will not change."""


class NotFound(PermanentForgeError):
    pass


class IssuesDisabled(PermanentForgeError):
    pass


def _retry_after(headers: Mapping[str, str], now: float) -> float | None:
    if value := headers.get("retry-after"):
        try:
            return max(0.0, float(value))
        except ValueError:
            return None
    if headers.get("x-ratelimit-remaining") == "0" and (reset := headers.get("x-ratelimit-reset")):
        try:
            return max(1.0, float(reset) - now)
        except ValueError:
            return None
    return None


def _github_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("message", "")) if isinstance(body, dict) else ""


def classify(exc: Exception, *, what: str, now: float | None = None) -> ForgeError:
    """Turn a failed SDK call into a ForgeError with a message a person can act on."""
    now = time.time() if now is None else now
    if isinstance(exc, ForgeError):
        return exc
    if isinstance(exc, RequestTimeout):
        return RetryableForgeError(f"{what}: GitHub did not answer in time", ambiguous=True)
    if isinstance(exc, RequestFailed):
        response = exc.response.raw_response
        status = response.status_code
        message = _github_message(response)
        retry_after = _retry_after(response.headers, now)
        lowered = message.lower()
        if status == 429 or (
            status == 403 and ("rate limit" in lowered or retry_after is not None)
        ):
            pause = retry_after if retry_after is not None else SECONDARY_LIMIT_PAUSE
            kind = (
                "secondary rate limit" if "secondary" in lowered or status == 429 else "rate limit"
            )
            return RetryableForgeError(
                f"{what}: GitHub {kind} ({status}); retry in {pause:.0f}s",
                status=status,
                retry_after=pause,
            )
        if status >= 500:
            return RetryableForgeError(
                f"{what}: GitHub error {status} {message}".rstrip(),
                status=status,
                retry_after=retry_after,
                ambiguous=status in (502, 504),
            )
        if status == 410 and "issue" in lowered:
            return IssuesDisabled(
                f"{what}: issues are disabled on this repository (410)", status=status
            )
        if status == 404:
            return NotFound(f"{what}: not found, or the token cannot see it (404)", status=status)
        if status == 401:
            return PermanentForgeError(
                f"{what}: GitHub rejected the credentials (401); check POLISE_GITHUB_*",
                status=status,
            )
        if status == 403:
            return PermanentForgeError(
                f"{what}: the token lacks permission (403): {message}", status=status
            )
        if status == 422:
            return PermanentForgeError(
                f"{what}: GitHub refused the data (422): {message}", status=status
            )
        return PermanentForgeError(f"{what}: GitHub answered {status}: {message}", status=status)
    if isinstance(exc, RequestError):
        inner = exc.exc
        # The request may have been sent before the connection dropped.
        return RetryableForgeError(
            f"{what}: connection to GitHub failed ({type(inner).__name__})", ambiguous=True
        )
    if isinstance(exc, httpx.TransportError):
        return RetryableForgeError(
            f"{what}: connection to GitHub failed ({type(exc).__name__})", ambiguous=True
        )
    raise exc
