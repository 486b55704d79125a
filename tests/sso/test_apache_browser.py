"""End to end: Apache with mod_auth_openidc protects a page with Polise as its provider; headless
Chromium signs in, is signed out by back-channel logout, and signs out from the app
(RP-initiated logout)."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from polise.sso import services
from polise.sso.models import SessionClient, SignInSession
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import service_unavailable
from tests.factories import make_user
from tests.sso.helpers import SECRET, make_client
from tests.sso.peers import free_port, wait_for_port

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.service("apache"),
    pytest.mark.service("chromium"),
]
PASSWORD = "a-long-passphrase-1"
MODULES = Path("/usr/lib/apache2/modules")


@pytest.fixture(scope="session")
def apache(live_server):
    if not (shutil.which("apache2") or Path("/usr/sbin/apache2").exists()):
        service_unavailable("apache", "install apache2 (source .ci/sso-peers.sh)")
    if not (MODULES / "mod_auth_openidc.so").exists():
        service_unavailable("apache", "install libapache2-mod-auth-openidc")
    port = free_port()
    root = Path(tempfile.mkdtemp(prefix="polise-apache-"))
    root.chmod(0o755)
    docs = root / "htdocs"
    (docs / "private").mkdir(parents=True)
    (docs / "private" / "index.html").write_text("<h1>Halaman rahasia</h1>")
    (docs / "loggedout.html").write_text("<h1>Signed out of the app</h1>")
    for path in (docs, docs / "private"):
        path.chmod(0o755)
    base = f"http://localhost:{port}"
    issuer = live_server.url
    conf = root / "apache2.conf"
    conf.write_text(
        f"""
ServerRoot "{root}"
Listen 127.0.0.1:{port}
ServerName localhost
PidFile {root}/apache.pid
ErrorLog {root}/error.log
LogLevel warn auth_openidc:info
User www-data
Group www-data
LoadModule mpm_event_module {MODULES}/mod_mpm_event.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
LoadModule authn_core_module {MODULES}/mod_authn_core.so
LoadModule authz_user_module {MODULES}/mod_authz_user.so
LoadModule mime_module {MODULES}/mod_mime.so
LoadModule dir_module {MODULES}/mod_dir.so
LoadModule headers_module {MODULES}/mod_headers.so
LoadModule auth_openidc_module {MODULES}/mod_auth_openidc.so
TypesConfig /etc/mime.types
DocumentRoot "{docs}"
DirectoryIndex index.html
<Directory "{docs}">
  Require all granted
</Directory>

OIDCProviderMetadataURL {issuer}/.well-known/openid-configuration
OIDCClientID apache-test
OIDCClientSecret {SECRET}
OIDCRedirectURI {base}/private/redirect_uri
OIDCCryptoPassphrase {os.urandom(16).hex()}
OIDCScope "openid profile email"
OIDCPKCEMethod S256
OIDCCookieSameSite On
OIDCProviderTokenEndpointAuth client_secret_basic
<Location /private/>
  AuthType openid-connect
  Require valid-user
  # As a real protected app should: the browser must ask again, not show a cached copy.
  Header always set Cache-Control "no-store"
</Location>
"""
    )
    env = {**os.environ, "APACHE_RUN_USER": "www-data", "APACHE_RUN_GROUP": "www-data"}
    process = subprocess.Popen(
        ["/usr/sbin/apache2", "-f", str(conf), "-DFOREGROUND"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, process)
    except RuntimeError as exc:
        # Installed but refusing our configuration is a bug here, not a missing service.
        pytest.fail(f"{exc}: {process.stderr.read().decode()[-800:]}")
    yield {"base": base, "root": root}
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(root, ignore_errors=True)


class BrowserThread:
    """Headless Chromium on a thread of its own, driven step by step from the test.

    Playwright's sync API owns an event loop per thread, and another suite (tests/e2e) may keep
    one open on the main thread for the whole session, where a second would refuse to start.
    The test itself stays on the main thread (the job runner installs signal handlers there);
    each browser step is a function of the page, run on the browser's thread.
    """

    def __init__(self) -> None:
        self._steps: queue.Queue = queue.Queue()
        ready: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        error = ready.get(timeout=60)
        if error is not None:
            raise error

    def _run(self, ready: queue.Queue) -> None:
        from playwright.sync_api import sync_playwright

        try:
            playwright = sync_playwright().start()
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context().new_page()
        except BaseException as exc:
            ready.put(exc)
            return
        ready.put(None)
        while (item := self._steps.get()) is not None:
            step, reply = item
            try:
                reply.put((True, step(page)))
            except BaseException as exc:  # handed to the test's thread
                reply.put((False, exc))
        browser.close()
        playwright.stop()

    def __call__(self, step):
        reply: queue.Queue = queue.Queue()
        self._steps.put((step, reply))
        ok, value = reply.get(timeout=120)
        if not ok:
            raise value
        return value

    def close(self) -> None:
        self._steps.put(None)
        self._thread.join(timeout=30)


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        service_unavailable("chromium", "install Debian's chromium (source .ci/sso-peers.sh)")
    driver = BrowserThread()
    yield driver
    driver.close()


@pytest.fixture
def apache_client(apache, live_server, settings):
    settings.BASE_URL = live_server.url
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": live_server.url}
    base = apache["base"]
    return make_client(
        client_id="apache-test",
        redirect_uri=f"{base}/private/redirect_uri",
        post_logout_redirect_uri=f"{base}/loggedout.html",
        backchannel_logout_uri=f"{base}/private/redirect_uri?logout=backchannel",
    )


def _submit_login(page, base, user, apache_root):
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("#main form button[type=submit]")
    try:
        page.wait_for_url(f"{base}/private/**", timeout=15000)
    except Exception as exc:
        log = (apache_root / "error.log").read_text()[-3000:]
        raise AssertionError(f"stuck at {page.url}: {page.content()[:1500]}\n{log}") from exc
    return page.locator("h1").inner_text()


def _goto_expecting_login(page, url):
    page.goto(url)
    try:
        page.wait_for_url("**/login/**", timeout=10000)
    except Exception as exc:
        raise AssertionError(f"stuck at {page.url}: {page.content()[-1500:]}") from exc
    return page.url


def test_apache_sign_in_back_channel_logout_and_rp_initiated_logout(
    apache, apache_client, browser, live_server, run_jobs
):
    base, root = apache["base"], apache["root"]
    user = make_user(password=PASSWORD)

    # 1. Sign in through Apache: Polise's login page, then back to the protected page.
    browser(lambda page: _goto_expecting_login(page, f"{base}/private/"))
    assert browser(lambda page: _submit_login(page, base, user, root)) == "Halaman rahasia"
    session = SignInSession.objects.get(user=user, ended_at__isnull=True)
    assert SessionClient.objects.filter(session=session, application=apache_client).exists()

    # 2. The platform team ends the session in Polise: Apache hears of it by back-channel
    # logout, so the protected page asks Polise again instead of serving its own session.
    services.sessions_revoke(user=user, reason=SignInSession.EndReason.REVOKED_BY_ADMIN)
    run_jobs()
    link = SessionClient.objects.get(session=session, application=apache_client)
    assert link.logout_sent_at is not None, (root / "error.log").read_text()[-2000:]
    url = browser(lambda page: _goto_expecting_login(page, f"{base}/private/"))
    assert urlsplit(url).netloc == urlsplit(live_server.url).netloc

    # 3. Sign in again, then sign out from the app: RP-initiated logout ends the Polise session
    # and returns to the app's registered page.
    assert browser(lambda page: _submit_login(page, base, user, root)) == "Halaman rahasia"

    def rp_logout(page):
        page.goto(f"{base}/private/redirect_uri?logout={base}/loggedout.html")
        page.wait_for_url(f"{base}/loggedout.html**")

    browser(rp_logout)
    assert not SignInSession.objects.filter(user=user, ended_at__isnull=True).exists()
    browser(lambda page: _goto_expecting_login(page, f"{base}/private/"))
