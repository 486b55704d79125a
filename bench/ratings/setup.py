"""Django for the ratings benchmarks: a fresh data dir (SQLite) unless DATABASE_URL is set."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("POLISE_DATA_DIR", tempfile.mkdtemp(prefix="polise-bench-ratings-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polise.settings")
os.environ.setdefault("POLISE_ALLOWED_HOSTS", "testserver,127.0.0.1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

call_command("migrate", interactive=False, verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
