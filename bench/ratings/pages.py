"""The app page, the launcher and the ratings API at 200 apps and 100,000 ratings: p95 over
200 requests each, and the number of queries per request (the same at any size; the tests
assert it).

    .venv/bin/python bench/ratings/pages.py [APPS] [RATINGS] [REQUESTS]
    DATABASE_URL=postgres://…/bench_polise_ratings .venv/bin/python bench/ratings/pages.py
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import timedelta

import setup  # noqa: F401  (Django, migrated)
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_bench import bench_apps, page, summary

from polise.accounts.models import OrgUnit, User
from polise.catalog.models import App
from polise.ratings.models import Rating
from polise.sso.models import Launch

APPS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
RATINGS = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
REQUESTS = int(sys.argv[3]) if len(sys.argv) > 3 else 200
VERSIONS = 8

now = timezone.now()
unit, _ = OrgUnit.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
reader, _ = User.objects.get_or_create(username="reader", defaults={"email": "r@example.go.id"})
unit.members.add(reader)
if not App.objects.filter(slug__startswith="bench-").exists():
    t = time.perf_counter()
    apps = bench_apps(APPS, unit)  # a tenth open to listed units only, the reader's among them
    raters = -(-RATINGS // APPS)  # each rater rates every app once
    users = User.objects.bulk_create(
        User(username=f"rater{n}", email=f"rater{n}@example.go.id") for n in range(raters)
    )
    chance = random.Random(16)
    comments = ["", "", "Bagus", "Kadang lambat", "Panduannya kurang jelas", "<b>tebal</b>"]

    def stars(mean: float) -> int | None:
        return None if chance.random() < 0.15 else min(5, max(1, round(chance.gauss(mean, 1.1))))

    rows = (
        Rating(app=app, user=user, quality=stars(2.5 + (app.pk % 5) / 2), ease=stars(3.5),
               docs=stars(3.0), comment=chance.choice(comments),
               version=f"{app.pk:08x}{(n * VERSIONS) // raters:032x}",
               updated_at=now - timedelta(days=(raters - n) * 365 // raters))
        for app in apps
        for n, user in enumerate(users)
    )  # fmt: skip
    Rating.objects.bulk_create(rows, batch_size=2000)
    # The reader opened each app three times and rated none: every tile asks "how was it?".
    Launch.objects.bulk_create(Launch(user=reader, app=app) for app in apps for _ in range(3))
    print(f"made {APPS} apps, {Rating.objects.count()} ratings in {time.perf_counter() - t:.0f}s")

client = Client()
client.force_login(reader)
slug = (
    App.objects.filter(slug__startswith="bench-").order_by("pk").values_list("slug", flat=True)[1]
)


def measure(label: str, path: str) -> None:
    took, queries = page(client, path, REQUESTS)
    print(f"{label:34} {summary(took)}  queries {queries}")


client.get(f"/apps/{slug}/")  # the news part records the first visit
measure("launcher (200 tiles)", "/")
measure(f"app page /apps/{slug}/", f"/apps/{slug}/")
measure("API /api/apps/<slug>/ratings", f"/api/apps/{slug}/ratings")
print(f"ratings            {Rating.objects.count()} on {App.objects.count()} apps")
print(f"database           {connection.vendor}")
print(f"load average       {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
