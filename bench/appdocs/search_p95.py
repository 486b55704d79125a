"""Search latency over N docs pages: p50/p95/max of `search_docs` (the function the search
page calls: the access rule, the full-text query, ranking and highlighted snippets).

Pages are written straight into the tables (no git, no rendering: that is render_cold.py),
each 150 words drawn by Zipf's law from about 6,200 words (office words first), spread over
N/50 apps. Queries are one or two words drawn the same way, so common words match most pages
and ranking has work to do; a signed-in user who may open every app (the worst case) and one who may open a tenth
of them.

    .venv/bin/python bench/appdocs/search_p95.py [PAGES=50000] [QUERIES=200]
    DATABASE_URL=postgres://... .venv/bin/python bench/appdocs/search_p95.py
"""

from __future__ import annotations

import random
import statistics
import sys
import time

import setup  # noqa: F401 - Django first
from django.db import connection, transaction
from setup import bench_unit, page_text, word

from polise.accounts.models import User
from polise.appdocs import search
from polise.appdocs.models import DocPage
from polise.catalog.models import AccessPolicy, App

PAGES = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
QUERIES = int(sys.argv[2]) if len(sys.argv) > 2 else 200
PER_APP = 50


def main() -> None:
    rng = random.Random(18)
    unit = bench_unit()
    started = time.monotonic()
    n_apps = PAGES // PER_APP
    with transaction.atomic():
        apps = App.objects.bulk_create(
            App(slug=f"cari{n:04d}", name=f"Cari {n}", repo=f"bench/cari{n}", owner_unit=unit)
            for n in range(n_apps)
        )
        apps = list(App.objects.filter(slug__startswith="cari").order_by("slug"))
        reader = User.objects.create_user(username="pembaca", password=None)
        # 90% of the apps are restricted to a list the reader is not on.
        AccessPolicy.objects.bulk_create(
            AccessPolicy(app=app, audience=AccessPolicy.Audience.LISTED)
            for n, app in enumerate(apps)
            if n % 10
        )
        batch = []
        for app in apps:
            for p in range(PER_APP):
                batch.append(
                    DocPage(
                        app=app,
                        path=f"docs/usage/halaman-{p:02d}.md",
                        kind="usage",
                        status="rendered",
                        title=f"{word(rng)} {word(rng)}",
                        text=page_text(rng, 150),
                    )
                )
            if len(batch) >= 5000:
                search.index(DocPage.objects.bulk_create(batch))
                batch = []
        if batch:
            search.index(DocPage.objects.bulk_create(batch))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE appdocs_docpage")
    print(f"setup: {PAGES} pages of {n_apps} apps in {time.monotonic() - started:.1f} s")
    staff = User.objects.create_user(username="ops", password=None, is_staff=True)
    print(f"database: {connection.vendor} (text search config: {search.search_config() or '-'})")
    for who, user in (("staff (all apps)", staff), ("reader (a tenth of the apps)", reader)):
        times, hits = [], []
        for _ in range(QUERIES):
            q = " ".join(word(rng) for _ in range(rng.choice((1, 2))))
            t = time.perf_counter()
            found = search.search_docs(user=user, q=q)
            times.append(1000 * (time.perf_counter() - t))
            hits.append(len(found))
        times.sort()
        p95 = times[int(0.95 * len(times)) - 1]
        print(
            f"{who}: {QUERIES} queries, p50 {statistics.median(times):.1f} ms, "
            f"p95 {p95:.1f} ms, max {times[-1]:.1f} ms; mean hits shown {statistics.mean(hits):.1f}"
        )


if __name__ == "__main__":
    main()
