"""Process metrics for Prometheus (the standard client library): requests by view, and
forward-auth decisions. Polise's /metrics view (polise.metrics) adds what the database knows.

Several granian workers share a container: with PROMETHEUS_MULTIPROC_DIR set (an empty
directory per container, as prometheus_client's multiprocess mode requires) every worker's
counts add up in one scrape; without it each process reports its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "polise_http_requests",
    "Requests Django answered, by view (URL name), method and status class.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "polise_http_request_duration_seconds",
    "Time Django took to answer, by view (URL name).",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
FORWARD_AUTH = Counter(
    "polise_forward_auth_decisions",
    "Forward-auth answers: allowed, denied (signed in, not allowed), sign_in (sent to the "
    "login page), unknown_app (the host is not a catalog app).",
    ["decision"],
)
FORWARD_AUTH_DECISIONS = ("allowed", "denied", "sign_in", "unknown_app")


class DecisionTally:
    """Forward-auth counts its decisions here: a dictionary increment on the hot path (about a
    tenth of a microsecond), added to the Prometheus counter every FLUSH_EVERY decisions and
    at each scrape. A bound counter's `inc()` takes a lock and costs a microsecond, a fifth of a
    whole cached decision; this keeps counting off the benchmark."""

    FLUSH_EVERY = 64

    def __init__(self, counter: Counter, labels: tuple[str, ...]) -> None:
        self._children = {label: counter.labels(label) for label in labels}
        self._pending = dict.fromkeys(labels, 0)

    def add(self, decision: str) -> None:
        pending = self._pending[decision] + 1
        if pending >= self.FLUSH_EVERY:
            self._children[decision].inc(pending)
            pending = 0
        self._pending[decision] = pending

    def flush(self) -> None:
        for decision, pending in list(self._pending.items()):
            if pending:
                self._pending[decision] = 0
                self._children[decision].inc(pending)


forward_auth_tally = DecisionTally(FORWARD_AUTH, FORWARD_AUTH_DECISIONS)


class RequestMetricsMiddleware:
    """Counts and times every request by the name of the view that answered it (a bounded set
    of labels: URL names, never paths, which carry ids and slugs)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or "unnamed") if match is not None else "unresolved"
        LATENCY.labels(view).observe(time.perf_counter() - started)
        REQUESTS.labels(view, request.method or "", f"{response.status_code // 100}xx").inc()
        return response
