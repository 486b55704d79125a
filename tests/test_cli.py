"""`polise demo` as a new user runs it: a real server process, real HTTP."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from polise.cli import main


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def start_demo(data_dir: Path, port: int) -> tuple[subprocess.Popen, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLISE_", "DATABASE_URL"))}
    env["POLISE_DATA_DIR"] = str(data_dir)
    process = subprocess.Popen(
        [sys.executable, "-m", "polise.cli", "demo", "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if get(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        stop(process)
        pytest.fail(
            "polise demo did not answer /healthz within 60 s:\n"
            + (process.stdout.read() if process.stdout else "")
        )
    return process, ""


def stop(process: subprocess.Popen) -> str:
    os.killpg(process.pid, signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
    return output


def test_demo_serves_the_launcher_and_keeps_its_data_across_runs(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process, _ = start_demo(tmp_path, port)
    try:
        status, home = get(base + "/")
        assert status == 200
        assert 'lang="id"' in home and "<h1>Aplikasi</h1>" in home
        assert home.count('class="tile"') == 8
        assert get(base + "/readyz")[0] == 200
        assert "<h1>Apps</h1>" in get(base + "/?lang=en")[1]
        css = re.search(r'href="(/static/polise/site\.[0-9a-f]+\.css)"', home)
        assert css, "static files are served under hashed names"
        assert get(base + css.group(1))[0] == 200
        assert get(base + "/apps/awdi/")[0] == 200
        # The OpenID Connect issuer follows --bind (no POLISE_BASE_URL is set here).
        discovery = json.loads(get(base + "/.well-known/openid-configuration")[1])
        assert discovery["issuer"] == base
        assert discovery["authorization_endpoint"].startswith(base + "/")
    finally:
        first_output = stop(process)
    password = re.search(r"user: admin  password: (\S+)", first_output)
    assert password, first_output

    process, _ = start_demo(tmp_path, port)
    try:
        assert get(base + "/")[1].count('class="tile"') == 8
    finally:
        second_output = stop(process)
    assert "Demo data already present" in second_output
    assert "password:" not in second_output.replace("password shown", "")


def test_what_polise_serve_loads_at_start_up_is_out_of_the_collectors_reach(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLISE_", "DATABASE_URL"))}
    env["POLISE_DATA_DIR"] = str(tmp_path)
    code = "import gc, polise.wsgi; print(gc.get_freeze_count())"
    frozen = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    # Django, every app's modules and models: about 130,000 objects.
    assert int(frozen.stdout) > 50_000


def test_bind_must_be_host_and_port(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--bind", "8000"])
    assert "is not HOST:PORT" in capsys.readouterr().err


def test_django_management_commands_pass_through(capsys):
    main(["check"])
    assert "System check identified no issues" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_worker_refuses_to_start_when_a_stored_callback_no_longer_exists(monkeypatch, capsys):
    from django.core import management

    import polise.cli
    from polise.forge.models import Write

    monkeypatch.setattr(polise.cli, "_wait_for_schema", lambda: None)
    monkeypatch.setattr(management, "call_command", lambda *a, **k: pytest.fail("worker ran"))
    for n, status in enumerate([Write.Status.PENDING, Write.Status.FAILED, Write.Status.DONE]):
        Write.objects.create(
            key=f"k{n}",
            kind="create_issue",
            repo="a/b",
            payload={},
            status=status,
            on_outcome="reports.renamed",
        )
    assert main(["worker"]) == 1
    err = capsys.readouterr().err
    assert "no outbox callback is registered as 'reports.renamed' (2 writes)" in err


@pytest.mark.django_db(transaction=True)
def test_the_worker_waits_for_the_database_and_the_migrations(monkeypatch, capsys):
    from django.db import OperationalError
    from django.db.migrations.executor import MigrationExecutor

    import polise.cli

    answers = iter([OperationalError("connection refused"), ["0001_initial"], ["0001_initial"], []])

    def plan(self, targets):
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(MigrationExecutor, "migration_plan", plan)
    polise.cli._wait_for_schema(poll_seconds=0)
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "waiting for the database (OperationalError)",
        "waiting for the migrations to be applied",
    ]
