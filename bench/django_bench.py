"""What the Django benchmarks share: Django on a fresh data dir (SQLite unless DATABASE_URL is
set), migrated, and timings taken and printed one way.

A benchmark's own `setup.py` calls `start("name")` before the rest imports models.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def start(name: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("POLISE_DATA_DIR", tempfile.mkdtemp(prefix=f"polise-bench-{name}-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polise.settings")
    os.environ.setdefault("POLISE_ALLOWED_HOSTS", "testserver,127.0.0.1")

    import django

    django.setup()

    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def bench_apps(count: int, unit: Any) -> list[Any]:
    """`count` apps of `unit` (bench-0, bench-1, ...), a tenth of them open to listed units
    only, `unit` among them: the catalog the page benchmarks read."""
    from polise.catalog.models import AccessPolicy, App

    apps = App.objects.bulk_create(
        App(slug=f"bench-{n}", name=f"Aplikasi {n}", summary="Bench", technology="python",
            owner_unit=unit, url=f"https://bench-{n}.example.go.id/")
        for n in range(count)
    )  # fmt: skip
    for app in apps[::10]:
        AccessPolicy.objects.create(app=app, audience="listed").units.add(unit)
    return apps


def timed(run: Callable[[], object], times: int) -> list[float]:
    """`run` called `times` times: each call's milliseconds, sorted."""
    took = []
    for _ in range(times):
        began = time.perf_counter()
        run()
        took.append((time.perf_counter() - began) * 1000)
    return sorted(took)


def summary(took: list[float]) -> str:
    p95 = took[max(round(0.95 * len(took)) - 1, 0)]
    return f"median {statistics.median(took):7.1f} ms  p95 {p95:7.1f} ms"


def page(client: Any, path: str, requests: int) -> tuple[list[float], int]:
    """A page's timings over `requests` GETs after one counted for its queries."""
    from django.db import connection

    queries: list[str] = []
    with connection.execute_wrapper(
        lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)
    ):
        assert client.get(path).status_code == 200

    def get() -> None:
        assert client.get(path).status_code == 200

    return timed(get, requests), len(queries)
