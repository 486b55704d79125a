"""Outside programs the SSO tests talk to (Node's openid-client, Caddy, Apache, Chromium):
found once per session, or reported through service_unavailable()."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.conftest import service_unavailable

HERE = Path(__file__).parent
NODE_RP = HERE / "node_rp"


def need_node_rp() -> Path:
    if shutil.which("node") is None:
        service_unavailable("node", "Node.js is not installed (source .ci/sso-peers.sh)")
    if not (NODE_RP / "node_modules" / "openid-client").exists():
        service_unavailable("openid-client", f"run npm ci in {NODE_RP} (source .ci/sso-peers.sh)")
    return NODE_RP


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen | None = None, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {seconds}s")
