"""What a forward-auth cache miss costs, in process, on the setup_scale.py data: a decision
whose session is not cached (the app's rule is), one whose app rule is not cached (the
session is), and a hit, with the queries each makes and cProfile's top functions for the
session miss. With 10,000 sessions and the 10 s TTL, a worker that sees every session
within the TTL reloads about 1,000 sessions and 20 hosts a second.

    d=$(mktemp -d); export POLISE_DATA_DIR=$d
    .venv/bin/python bench/forward_auth/setup_scale.py $d/scale
    .venv/bin/python bench/forward_auth/miss_cost.py $d/scale/sessions.txt [N]
"""

import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polise.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from polise.sso import cache, forward_auth  # noqa: E402

UNITS = 20
settings.FORWARD_AUTH_CACHE_SECONDS = 3600  # nothing expires by itself while this runs
cookies = [line.split()[0] for line in Path(sys.argv[1]).read_text().splitlines()]


def environ(i: int, host: int | None = None) -> dict[str, str]:
    app = i % UNITS if host is None else host
    return {
        "HTTP_COOKIE": f"polise_fa={cookies[i]}",
        "HTTP_X_FORWARDED_HOST": f"app{app}.bench.example.go.id",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_URI": "/laporan",
    }


def through_wsgi(env: dict[str, str]) -> str:
    """forward_auth.application as granian calls it (closing the connection after a miss)."""
    answer = []
    forward_auth.application(env, lambda status, headers: answer.append(status))
    return answer[0]


n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
envs = [environ(i) for i in range(n)]
for env in envs:  # warm: every cookie verified, the 20 apps' rules cached
    assert through_wsgi(env) == "200 OK"


def queries(before) -> list[str]:
    """The SQL one decision sends after `before()` emptied part of the cache."""
    sent: list[str] = []

    def note(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    before()
    with connection.execute_wrapper(note):
        forward_auth.decide(envs[1])
    return sent


session_queries = queries(cache.sessions.clear)
app_queries = queries(cache.apps.clear)


def timed(label: str, before) -> None:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for env in envs:
            before(env)
            through_wsgi(env)
        best = min(best, (time.perf_counter() - started) / n)
    print(f"{label}: {best * 1e6:8.1f} us")


timed("hit (session and app cached)           ", lambda env: None)
timed("session miss, through the WSGI entry    ", lambda env: cache.sessions.clear())
timed("app-rule miss, through the WSGI entry   ", lambda env: cache.apps.clear())
print(f"queries for a session miss: {len(session_queries)}")
for sql in session_queries:
    print("   ", sql[:150])
print(f"queries for an app-rule miss: {len(app_queries)}")
for sql in app_queries:
    print("   ", sql[:150])

profile = cProfile.Profile()
profile.enable()
for env in envs:
    cache.sessions.clear()
    through_wsgi(env)
profile.disable()
pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
