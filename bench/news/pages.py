"""The portal news page and the launcher with unread badges at 200 apps and 50,000 news items:
p95 over 200 requests each, and the number of queries per request (the same at any size; the
tests assert it).

    .venv/bin/python bench/news/pages.py [APPS] [ITEMS] [REQUESTS]
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta

import setup  # noqa: F401  (Django, migrated)
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_bench import bench_apps, page, summary, timed

from polise.accounts.models import OrgUnit, User
from polise.catalog.models import App
from polise.news.models import Item, Seen, Update

APPS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
ITEMS = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
REQUESTS = int(sys.argv[3]) if len(sys.argv) > 3 else 200
PER_UPDATE = 4

now = timezone.now()
unit, _ = OrgUnit.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
user, _ = User.objects.get_or_create(username="reader", defaults={"email": "r@example.go.id"})
user.date_joined = now - timedelta(days=400)
user.save()
unit.members.add(user)
if not App.objects.filter(slug__startswith="bench-").exists():
    t = time.perf_counter()
    apps = bench_apps(APPS, unit)  # a tenth open to listed units only, the reader's among them
    updates = Update.objects.bulk_create(
        Update(app=apps[n % APPS], key=f"push:{n}", kind="push", status="published",
               occurred_at=now - timedelta(minutes=n), published_at=now - timedelta(minutes=n),
               item_count=PER_UPDATE)
        for n in range(ITEMS // PER_UPDATE)
    )  # fmt: skip
    categories = ["feature", "fix", "performance", "docs", "other"]
    Item.objects.bulk_create(
        (
            Item(app_id=u.app_id, sha=f"{u.pk:020d}{i:020d}", update=u, title=f"Perubahan {i} pada pembaruan {u.pk}",
                 category=categories[(u.pk + i) % 5], author_name="Ayu", author_email="ayu@x.go.id",
                 committed_at=u.occurred_at)
            for u in updates
            for i in range(PER_UPDATE)
        ),
        batch_size=2000,
    )  # fmt: skip
    Seen.objects.bulk_create(
        Seen(user=user, app=app, seen_at=now - timedelta(days=n % 30))
        for n, app in enumerate(apps[::2])
    )
    print(
        f"made {APPS} apps, {Update.objects.count()} updates, {Item.objects.count()} items in {time.perf_counter() - t:.0f}s"
    )

client = Client()
client.force_login(user)


for path in ("/", "/news/", "/news/?page=50", "/news/feed.atom"):
    took, queries = page(client, path, REQUESTS)
    print(f"{path:18} {summary(took)}  queries {queries}")

# The unread badges' share of the launcher: the one query that counts them, on its own.
from polise.catalog.selectors import app_list_for_launcher  # noqa: E402
from polise.news.selectors import unread_counts  # noqa: E402

launcher_apps = list(app_list_for_launcher(user))
took = timed(lambda: unread_counts(user=user, apps=launcher_apps), REQUESTS)
print(f"{'unread badges':18} {summary(took)}  queries 1 ({len(launcher_apps)} apps)")
print(f"database           {connection.vendor}")
print(f"load average       {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
