"""How fast Polise acknowledges a signed push webhook carrying 2,048 commits (GitHub's most):
100 deliveries through the full middleware stack, each a new delivery id, each stored and its
job queued before the answer.

    .venv/bin/python bench/news/webhook_ack.py [DELIVERIES]
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import statistics
import sys
import time
import uuid

import setup  # noqa: F401  (Django, migrated)
from django.conf import settings
from django.test import Client

import polise.wsgi  # noqa: F401  (start-up as `polise serve` does it)
from polise.accounts.models import OrgUnit
from polise.catalog.models import App

DELIVERIES = int(sys.argv[1]) if len(sys.argv) > 1 else 100
SECRET = "bench-secret"
settings.GITHUB_WEBHOOK_SECRET = SECRET

unit, _ = OrgUnit.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
App.objects.get_or_create(
    slug="simpeg", defaults={"name": "SIMPEG", "summary": "b", "technology": "python",
                             "owner_unit": unit, "repo": "pemprov-demo/simpeg"},
)  # fmt: skip


def commit(n: int) -> dict:
    sha = hashlib.sha1(str(n).encode()).hexdigest()
    person = {
        "name": "Ayu Lestari",
        "email": "ayu@diskominfo.example.go.id",
        "username": "ayu-lestari",
    }
    return {
        "id": sha, "tree_id": sha[::-1], "distinct": True,
        "message": f"feat(laporan): perubahan nomor {n}\n\nPenjelasan singkat perubahan ini.",
        "timestamp": "2025-05-12T10:00:00+07:00",
        "url": f"https://github.com/pemprov-demo/simpeg/commit/{sha}",
        "author": person, "committer": person,
        "added": [f"src/modul_{n % 9}.py"], "removed": [], "modified": ["docs/usage/index.md"],
    }  # fmt: skip


commits = [commit(n) for n in range(2048)]
payload = {
    "ref": "refs/heads/main",
    "before": "0" * 40,
    "after": commits[-1]["id"],
    "created": False, "deleted": False, "forced": False,
    "commits": commits, "head_commit": commits[-1],
    "repository": {"full_name": "pemprov-demo/simpeg", "default_branch": "main"},
    "pusher": {"name": "ayu-lestari"},
}  # fmt: skip
body = json.dumps(payload).encode()
signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
client = Client()
times = []
for _ in range(DELIVERIES):
    start = time.perf_counter()
    response = client.generic(
        "POST", "/hooks/github", body, content_type="application/json",
        HTTP_X_GITHUB_EVENT="push", HTTP_X_GITHUB_DELIVERY=str(uuid.uuid4()),
        HTTP_X_HUB_SIGNATURE_256=signature,
    )  # fmt: skip
    times.append((time.perf_counter() - start) * 1000)
    assert response.status_code == 202, response.content
times.sort()
p99 = times[min(len(times) - 1, round(0.99 * len(times)) - 1)]
print(f"payload            {len(body) / 1e6:.2f} MB, {len(commits)} commits")
print(
    f"acknowledge        median {statistics.median(times):.1f} ms, p99 {p99:.1f} ms, max {times[-1]:.1f} ms over {len(times)}"
)
print(f"database           {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
print(f"load average       {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
