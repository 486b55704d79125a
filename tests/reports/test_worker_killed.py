"""Real `polise worker` processes killed with SIGKILL while GitHub holds their answers, and a
replacement started at once, as Swarm does: within one lease the replacement's sweep queues
again the issue being filed, the security report being routed and the webhook delivery being
processed, and each ends done exactly once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from polise.core.models import WorkerLease
from polise.forge.models import Delivery, Write
from polise.reports import services
from polise.reports.models import Report
from tests.factories import make_app

from .test_security import enable_reporting

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
LEASE = 4  # seconds
SWEEP = 1


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    return f"postgres://{user}:{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


class Workers:
    """`polise worker` processes on the test database, pointed at the GitHub fake."""

    def __init__(self, fake, folder: Path) -> None:
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("POLISE_", "DATABASE_URL"))
        }
        self.env.update(
            DATABASE_URL=database_url(),
            POLISE_GITHUB_API_URL=fake.base_url.rstrip("/"),
            POLISE_GITHUB_TOKEN="test-token",
            POLISE_GITHUB_TIMEOUT_SECONDS="120",  # the worker waits as long as GitHub holds
            POLISE_JOBS_LEASE_SECONDS=str(LEASE),
            POLISE_JOBS_SWEEP_SECONDS=str(SWEEP),
        )
        self.folder = folder
        self.running: list[subprocess.Popen] = []

    def start(self, name: str) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("w")
        # A data folder each: two processes must not generate the local keys at once.
        (self.folder / name).mkdir()
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.reports.worker_probe"],
            cwd=ROOT,
            env={**self.env, "POLISE_DATA_DIR": str(self.folder / name)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.running.append(process)
        return process

    def output(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text()

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_for(condition, what: str, timeout: float = 60.0) -> None:
    """Poll a condition on the database until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_work_held_by_killed_workers_is_done_once_by_their_replacement(
    forge, reporter, drain_jobs, replay, client, tmp_path, capsys
):
    forge.add_repo("diskominfo", "simpeg")
    forge.add_repo("diskominfo", "jdih", private=False)
    enable_reporting(forge, "diskominfo", "jdih")
    simpeg = make_app(slug="simpeg", name="SIMPEG", repo="diskominfo/simpeg")
    jdih = make_app(slug="jdih", repo="diskominfo/jdih")
    # An earlier report, filed and followed: its issue will be closed while a worker is busy.
    filed = services.report_submit(
        reporter=reporter, app=simpeg, kind="bug", title="Ekspor lambat", what_happened="x"
    )
    drain_jobs()
    replay(forge)
    drain_jobs()
    filed.refresh_from_db()
    assert filed.status == Report.Status.OPEN

    hold_issue = forge.hold_next(method="POST", path=r"/repos/diskominfo/simpeg/issues$")
    hold_routing = forge.hold_next(method="GET", path=r"/repos/diskominfo/jdih$")
    hold_delivery = forge.hold_next(method="GET", path=r"/repos/diskominfo/simpeg$")
    bug = services.report_submit(
        reporter=reporter, app=simpeg, kind="bug", title="Tombol simpan mati", what_happened="x"
    )
    security = services.report_submit(
        reporter=reporter, app=jdih, kind="security", title="Data bocor", what_happened="x"
    )
    workers = Workers(forge, tmp_path)
    try:
        for name in ("w1", "w2", "w3"):
            workers.start(name)
        assert hold_issue.wait_reached(60) and hold_routing.wait_reached(60)
        # Only now the delivery, for the worker left idle: on SQLite its transaction holds
        # the database while it waits.
        forge.close_issue("diskominfo", "simpeg", filed.github_number)
        assert replay(forge) == [202]
        assert hold_delivery.wait_reached(60)
        stuck = list(DBTaskResult.objects.filter(status="RUNNING").values_list("pk", flat=True))
        assert len(stuck) == 3

        killed_at = timezone.now()
        for process in workers.running:
            os.killpg(process.pid, signal.SIGKILL)
        workers.start("w4")  # at once, as Swarm does
        for hold in (hold_issue, hold_routing, hold_delivery):
            hold.release()  # GitHub answers (and files the issue) to workers that are gone
        assert hold_issue.wait_applied()
        wait_for(lambda: WorkerLease.objects.count() == 4, "the replacement's lease")
        replacement_up = WorkerLease.objects.latest("started_at").started_at

        def done() -> bool:
            return (
                not Write.objects.exclude(status=Write.Status.DONE).exists()
                and Delivery.objects.get(action="closed").status == Delivery.Status.PROCESSED
                and Report.objects.get(pk=filed.pk).notified_status == Report.Status.RESOLVED
            )

        wait_for(done, "the replacement to finish what the killed workers held", LEASE * 6)
    finally:
        workers.stop_all()

    requeued: list[datetime] = list(
        DBTaskResult.objects.filter(pk__in=stuck).values_list("finished_at", flat=True)
    )
    delays = sorted((at - killed_at).total_seconds() for at in requeued)
    with capsys.disabled():
        up = (replacement_up - killed_at).total_seconds()
        print(
            f"\nkilled -> replacement's lease {up:.1f}s -> queued again "
            f"{', '.join(f'{d:.1f}s' for d in delays)} (lease {LEASE}s, sweep every {SWEEP}s)"
        )
    assert len(delays) == 3 and set(
        DBTaskResult.objects.filter(pk__in=stuck).values_list("exception_class_path", flat=True)
    ) == {"polise.core.jobs.WorkerLost"}
    # Not before the lease ran out (a worker renews it every third of a lease), and no later
    # than the first sweep after that once the replacement is up.
    assert min(delays) >= LEASE - LEASE / 3 - 0.5
    latest = max(killed_at.timestamp() + LEASE, replacement_up.timestamp()) + SWEEP + 2.0
    assert max(requeued).timestamp() <= latest, delays
    swept = re.findall(r"sweep queued again: (\d+) jobs left running", workers.output("w4"))
    assert sum(map(int, swept)) == 3

    # Each exactly once: one issue per bug report, one advisory, the reporter told once.
    issues = forge.state.issues("diskominfo", "simpeg")
    assert sorted(i.title for i in issues) == ["Ekspor lambat", "Tombol simpan mati"]
    assert len(forge.state.repo("diskominfo", "jdih").advisories) == 1
    bug.refresh_from_db()
    security.refresh_from_db()
    assert (bug.status, bug.github_number) == (Report.Status.OPEN, issues[1].number)
    assert Write.objects.get(key=f"report:{bug.pk}:issue").result["recovered"] is True
    assert (security.channel, security.status) == (Report.Channel.ADVISORY, Report.Status.OPEN)
    assert Report.objects.get(pk=filed.pk).status == Report.Status.RESOLVED
    told = workers.output("w4").count("Subject: Laporan Anda tentang SIMPEG: Selesai")
    assert told == 1
