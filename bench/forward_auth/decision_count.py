"""What counting forward-auth's decisions for /metrics costs, in process: one allowed decision
(cookie and policy cached, as in the wrk run), and the counting line alone (flushes to the
Prometheus counter included).

    POLISE_DATA_DIR=$(mktemp -d) .venv/bin/python bench/forward_auth/decision_count.py
"""

import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polise.settings")
cookie = subprocess.run(
    [sys.executable, str(Path(__file__).with_name("setup_data.py"))],
    capture_output=True,
    text=True,
    check=True,
).stdout.strip()

import django  # noqa: E402

django.setup()
from django.conf import settings  # noqa: E402

from polise.sso import forward_auth  # noqa: E402

settings.FORWARD_AUTH_CACHE_SECONDS = 3600
environ = {
    "HTTP_COOKIE": f"{settings.FORWARD_AUTH_COOKIE_NAME}={cookie}",
    "HTTP_X_FORWARDED_HOST": "bench.example.go.id",
    "HTTP_X_FORWARDED_PROTO": "https",
    "HTTP_X_FORWARDED_URI": "/laporan",
}
assert forward_auth.decide(environ)[0] == "200 OK"


def per_decision(n: int = 200_000) -> float:
    started = time.perf_counter()
    for _ in range(n):
        forward_auth.decide(environ)
    return (time.perf_counter() - started) / n * 1e6


def per_count(n: int = 2_000_000) -> float:
    """The line decide() runs to count: `if not next(_ALLOWED) & _FLUSH: flush()`, against the
    same loop without it."""
    count, mask, tally = forward_auth._ALLOWED, forward_auth._FLUSH, forward_auth.forward_auth_tally
    started = time.perf_counter()
    for _ in range(n):
        if not next(count) & mask:
            tally.flush()
    counted = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(n):
        pass
    return (counted - (time.perf_counter() - started)) / n * 1e6


decide_us = min(per_decision() for _ in range(5))
count_us = min(per_count() for _ in range(5))
print(
    f"allowed decision: {decide_us:.2f} us, of which counting it {count_us:.3f} us "
    f"({100 * count_us / decide_us:.1f}%), best of 5"
)
