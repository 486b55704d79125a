import httpx
import pytest
from githubkit.exception import RequestError, RequestFailed, RequestTimeout
from githubkit.response import Response

from polise.core.jobs import PermanentError
from polise.forge.errors import (
    IssuesDisabled,
    NotFound,
    PermanentForgeError,
    RetryableForgeError,
    classify,
)

NOW = 1_800_000_000.0


def failed(status: int, message: str = "", **headers: str) -> RequestFailed:
    request = httpx.Request("POST", "https://api.github.com/repos/a/b/issues")
    raw = httpx.Response(status, json={"message": message}, headers=headers, request=request)
    return RequestFailed(Response(raw, dict))


def test_a_server_error_is_retryable():
    error = classify(failed(500, "Server Error"), what="create issue in a/b", now=NOW)
    assert isinstance(error, RetryableForgeError)
    assert not error.ambiguous
    assert "create issue in a/b" in str(error) and "500" in str(error)


@pytest.mark.parametrize("status", [502, 504])
def test_a_gateway_error_leaves_the_outcome_unknown(status):
    assert classify(failed(status), what="x", now=NOW).ambiguous


def test_secondary_rate_limit_honours_retry_after():
    error = classify(
        failed(403, "You have exceeded a secondary rate limit", **{"retry-after": "42"}),
        what="x",
        now=NOW,
    )
    assert isinstance(error, RetryableForgeError)
    assert error.retry_after == 42
    assert "secondary rate limit" in str(error)


def test_secondary_rate_limit_without_retry_after_waits_a_minute():
    error = classify(failed(403, "You have exceeded a secondary rate limit"), what="x", now=NOW)
    assert error.retry_after == 60


def test_primary_rate_limit_waits_until_the_reset():
    error = classify(
        failed(
            403,
            "API rate limit exceeded",
            **{"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 300)},
        ),
        what="x",
        now=NOW,
    )
    assert isinstance(error, RetryableForgeError)
    assert error.retry_after == 300


def test_429_is_retryable_with_its_retry_after():
    error = classify(failed(429, "Too many requests", **{"retry-after": "7"}), what="x", now=NOW)
    assert error.retryable and error.retry_after == 7


@pytest.mark.parametrize(
    ("status", "message", "kind", "text"),
    [
        (410, "Issues are disabled for this repo", IssuesDisabled, "issues are disabled"),
        (404, "Not Found", NotFound, "not found"),
        (401, "Bad credentials", PermanentForgeError, "credentials"),
        (403, "Resource not accessible by integration", PermanentForgeError, "lacks permission"),
        (422, "Validation Failed", PermanentForgeError, "refused the data"),
    ],
)
def test_refusals_are_permanent_and_say_why(status, message, kind, text):
    error = classify(failed(status, message), what="x", now=NOW)
    assert isinstance(error, kind)
    assert isinstance(error, PermanentError)  # the job runner never retries these
    assert not error.retryable
    assert text in str(error)


def test_timeouts_and_dropped_connections_are_retryable_and_ambiguous():
    request = httpx.Request("POST", "https://api.github.com/x")
    timeout = classify(RequestTimeout(httpx.ReadTimeout("slow", request=request)), what="x")
    dropped = classify(RequestError(httpx.RemoteProtocolError("closed", request=request)), what="x")
    for error in (timeout, dropped):
        assert isinstance(error, RetryableForgeError)
        assert error.ambiguous
