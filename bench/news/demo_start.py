"""`polise demo`'s first start as a new user runs it (fresh data dir, until /healthz answers),
and the share of it spent making the demo apps' git histories and reading their news.

    .venv/bin/python bench/news/demo_start.py
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_start() -> tuple[float, str]:
    data_dir = tempfile.mkdtemp(prefix="polise-bench-demo-")
    port = free_port()
    env = {**os.environ, "POLISE_DATA_DIR": data_dir}
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "polise.cli", "demo", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    break
            except OSError:
                if process.poll() is not None:
                    raise SystemExit(
                        process.stdout.read() if process.stdout else "demo died"
                    ) from None
                time.sleep(0.05)
        elapsed = time.perf_counter() - start
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/news/", timeout=10) as page:
            shows = "Fitur baru" in page.read().decode()
        return elapsed, "shows news" if shows else "NO NEWS"
    finally:
        process.terminate()
        process.wait()


def demo_data_times() -> tuple[float, float]:
    """Loading the demo data on a fresh database: all of it, and the git histories with their
    news alone (timed around `_load_histories`)."""
    os.environ["POLISE_DATA_DIR"] = tempfile.mkdtemp(prefix="polise-bench-demo-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polise.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from polise.demo import data

    call_command("migrate", interactive=False, verbosity=0)
    spent = []
    histories = data._load_histories

    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        histories(*args, **kwargs)
        spent.append(time.perf_counter() - start)

    data._load_histories = timed
    start = time.perf_counter()
    data.load_demo_data()
    return time.perf_counter() - start, spent[0]


elapsed, said = first_start()
print(f"first start until /healthz answers  {elapsed:5.1f} s  ({said})")
total, histories = demo_data_times()
print(f"demo data (migrations excluded)     {total:5.1f} s")
print(f"  of which git histories and news   {histories:5.1f} s")
print(f"load average                        {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
