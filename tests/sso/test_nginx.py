"""nginx's auth_request against Polise's forward-auth in nginx mode: 401 (never a 302, which
nginx would turn into a 500), the login URL in a header nginx redirects to, 200 with the
identity headers, 403 outside the policy."""

from __future__ import annotations

import shutil
import subprocess
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from polise.catalog.models import AccessPolicy
from tests.conftest import service_unavailable
from tests.factories import make_app, make_user
from tests.sso.helpers import Browser
from tests.sso.peers import free_port, wait_for_port
from tests.sso.test_proxy import _Echo

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.service("nginx")]
PASSWORD = "a-long-passphrase-1"


@pytest.fixture(scope="session")
def nginx(live_server, tmp_path_factory):
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        service_unavailable("nginx", "install Debian's nginx (source .ci/sso-peers.sh)")
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port = free_port()
    root = tmp_path_factory.mktemp("nginx")
    polise = urlsplit(live_server.url).netloc
    config = root / "nginx.conf"
    config.write_text(
        f"""
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {root}/body;
  proxy_temp_path {root}/proxy;
  fastcgi_temp_path {root}/fastcgi;
  uwsgi_temp_path {root}/uwsgi;
  scgi_temp_path {root}/scgi;
  server {{
    listen 127.0.0.1:{port};
    server_name localhost;

    location = /_polise_auth {{
      internal;
      proxy_pass http://{polise}/forward-auth?mode=nginx;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Uri $request_uri;
    }}
    location @polise_login {{
      return 302 $polise_login;
    }}
    location / {{
      auth_request /_polise_auth;
      auth_request_set $polise_login $upstream_http_x_polise_login_url;
      auth_request_set $polise_user $upstream_http_x_forwarded_user;
      auth_request_set $polise_email $upstream_http_x_forwarded_email;
      error_page 401 = @polise_login;
      proxy_set_header X-Forwarded-User $polise_user;
      proxy_set_header X-Forwarded-Email $polise_email;
      proxy_pass http://127.0.0.1:{upstream.server_port};
    }}
  }}
}}
"""
    )
    process = subprocess.Popen(
        [binary, "-c", str(config), "-p", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, process)
    except RuntimeError as exc:
        pytest.fail(f"{exc}: {process.stderr.read().decode()[-800:]}")
    yield f"http://localhost:{port}"
    process.terminate()
    process.wait(timeout=10)
    upstream.shutdown()


def test_nginx_sends_a_stranger_to_sign_in_with_the_whole_original_url(nginx, live_base):
    make_app(url=nginx + "/")
    user = make_user(password=PASSWORD)
    browser = Browser(live_base)
    first = browser.http.get(nginx + "/laporan?bulan=5&tahun=2026")
    assert first.status_code == 302  # nginx's own redirect, from Polise's 401
    location = first.headers["location"]
    assert location.startswith(live_base + "/login/?")
    next_url = parse_qs(urlsplit(location).query)["next"][0]
    assert next_url == nginx + "/laporan?bulan=5&tahun=2026"

    signed_in = browser.login(user.username, PASSWORD, next_url)
    assert signed_in.headers["location"] == next_url
    page = browser.http.get(next_url, headers={"X-Forwarded-User": "admin"})
    assert page.status_code == 200
    assert page.json()["x-forwarded-user"] == user.username
    assert page.json()["x-forwarded-email"] == user.email


def test_nginx_refuses_a_user_outside_the_policy_with_403(nginx, live_base):
    app = make_app(url=nginx + "/")
    AccessPolicy.objects.create(app=app, audience=AccessPolicy.Audience.LISTED)
    user = make_user(password=PASSWORD)
    browser = Browser(live_base)
    browser.login(user.username, PASSWORD)
    assert browser.http.get(nginx + "/").status_code == 403
