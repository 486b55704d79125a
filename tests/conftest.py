"""Shared fixtures. Test data comes from the small factories in tests/factories.py."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urlsplit

import pytest
from django.core.management import call_command

from tests.browser import AXE_SCRIPT, CHROMIUM, CHROMIUM_ARGS
from tests.gitrepo import GitRepo

if TYPE_CHECKING:
    from polise.catalog.models import App  # imported once Django is set up

pytest_plugins = ["tests.fakes.github.fixtures"]

REQUIRE_SERVICES = os.environ.get("POLISE_REQUIRE_SERVICES") == "1"


def service_unavailable(name: str, reason: str) -> None:
    """A test that needs an outside service skips on a developer's machine without it, and
    fails under POLISE_REQUIRE_SERVICES=1 (CI), where a missing service is a broken setup."""
    message = f"{name} is not available: {reason}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (POLISE_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(message)


def mariadb_server() -> tuple[Any, SplitResult]:
    """A connection to CI's MariaDB server (no database chosen) and the parts of its URL,
    POLISE_TEST_MYSQL_URL; without the server or its driver, `service_unavailable`."""
    url = os.environ.get("POLISE_TEST_MYSQL_URL")
    if not url:
        service_unavailable("MariaDB", "POLISE_TEST_MYSQL_URL is not set")
    try:
        import MySQLdb
    except ImportError:
        service_unavailable("MariaDB", "the mysql extra is not installed (POLISE_EXTRAS=mysql)")
    parts = urlsplit(url)
    try:
        server = MySQLdb.connect(
            host=parts.hostname, port=parts.port or 3306, user=parts.username,
            password=parts.password,
        )  # fmt: skip
    except MySQLdb.OperationalError as exc:
        service_unavailable("MariaDB", str(exc))
    return server, parts


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, tmp_path_factory):
    """On SQLite, test in a file rather than in memory: a live server thread and the test
    thread then wait for each other's locks (as the web process and the worker do) instead of
    failing at once with "database schema is locked"."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and not database.get("TEST", {}).get(
        "NAME"
    ):
        database.setdefault("TEST", {})["NAME"] = str(
            tmp_path_factory.mktemp("db") / "test.sqlite3"
        )


@pytest.fixture(autouse=True)
def _plain_static_storage(settings, tmp_path_factory):
    # Pages are rendered without a collectstatic run; hashed names are checked by the demo test.
    settings.STATIC_ROOT = tmp_path_factory.getbasetemp() / "static"
    settings.STATIC_ROOT.mkdir(exist_ok=True)
    settings.WHITENOISE_USE_FINDERS = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def forge(settings, github_fake):
    """Polise's forge pointed at the GitHub fake, authenticated with the fake's test token."""
    from polise.forge import client

    settings.GITHUB_API_URL = github_fake.base_url.rstrip("/")
    settings.GITHUB_TOKEN = "test-token"
    settings.GITHUB_APP_ID = None
    settings.GITHUB_TIMEOUT_SECONDS = 1
    client.reset()
    yield github_fake
    client.reset()


@pytest.fixture
def drain_jobs(run_jobs):
    """Run jobs until none is waiting, bringing retries scheduled for later forward each round."""
    from django.utils import timezone
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    def drain(rounds: int = 60) -> None:
        for _ in range(rounds):
            waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
            waiting.update(run_after=timezone.now())
            run_jobs()
            if not waiting.exists():
                return
        pytest.fail(f"jobs still waiting after {rounds} rounds")

    return drain


@pytest.fixture
def run_jobs():
    """Run every job that is due, the way `polise worker` does, then return."""

    def run() -> None:
        call_command(
            "db_worker", batch=True, queue_name="*", startup_delay=False, reload=False, verbosity=0
        )

    return run


@pytest.fixture(scope="session")
def chromium() -> Iterator:
    """One headless Chromium for the whole test session (Debian's, driven by Playwright)."""
    if not shutil.which(CHROMIUM):
        service_unavailable("Chromium", f"{CHROMIUM} is missing (Debian package chromium)")
    if not AXE_SCRIPT.exists():
        service_unavailable("axe-core", "run npm ci in tests/axe (source .ci/sso-peers.sh)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls are
    # still plain synchronous code, which Django would otherwise refuse.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium) -> Iterator:
    """A fresh browser context and page. Its browser speaks English: Polise still answers in
    Indonesian, as it does on the office's English-language machines."""
    context = chromium.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """A real S3-compatible server on loopback (moto's, a dev dependency), for the session:
    no MinIO server can be installed here. Yields its URL; any access key works."""
    moto = Path(sys.executable).parent / "moto_server"
    if not moto.exists():
        service_unavailable("moto", f"{moto} is missing (the moto[server] dev dependency)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [str(moto), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                service_unavailable("moto", "moto_server did not start")
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def _minio_admin_server():
    from tests.fakes.minio_admin import MinioAdminFake

    fake = MinioAdminFake()
    server, _thread = fake.start()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def minio_admin(_minio_admin_server):
    """The MinIO admin API stand-in, empty; the test fails on any request MinIO would refuse."""
    fake = _minio_admin_server
    fake.reset()
    yield fake
    violations = list(fake.violations)
    fake.reset()
    if violations:
        pytest.fail("MinIO admin API: " + "; ".join(violations), pytrace=False)


@pytest.fixture
def object_storage(settings, s3_server, minio_admin):
    """Polise's MinIO settings pointed at moto (S3) and the admin API stand-in."""
    settings.MINIO_ENDPOINT_URL = s3_server
    settings.MINIO_ADMIN_URL = minio_admin.url
    settings.MINIO_ACCESS_KEY = minio_admin.access_key
    settings.MINIO_SECRET_KEY = minio_admin.secret_key
    settings.MINIO_REGION = minio_admin.region
    return minio_admin


@dataclass
class AppRepo:
    app: App
    repo: GitRepo


@pytest.fixture
def app_repo(tmp_path, settings) -> AppRepo:
    """An app whose repository is a local git repository the test commits to (the news and
    docs tests read it through the app's mirror)."""
    from polise.forge.mirrors import services as mirrors
    from tests.factories import make_app

    settings.DATA_DIR = tmp_path / "data"
    repo = GitRepo(tmp_path / "simpeg")
    app = make_app(slug="simpeg", name="SIMPEG", repo="pemprov-demo/simpeg")
    mirrors.mirror_set_remote(repo=app.repo, url=str(repo.path))
    return AppRepo(app, repo)
