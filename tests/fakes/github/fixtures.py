"""Pytest plugin: `github_fake` (fresh state per test on one server per session).

Register it from tests/conftest.py with `pytest_plugins = ["tests.fakes.github.fixtures"]`.
Every test that uses `github_fake` fails at teardown if the fake saw a request or sent a
response or webhook that GitHub's published description does not allow.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from .fake import GitHubFake
from .spec import SpecUnavailable, load_contract, load_webhook_schemas


@pytest.fixture(scope="session")
def _github_fake_server() -> Iterator[GitHubFake]:
    try:
        contract = load_contract()
        schemas = load_webhook_schemas()
    except SpecUnavailable as exc:
        # Never skip: a fake without its contract check would hide exactly the bugs it is for.
        pytest.fail(f"GitHub fake: cannot load GitHub's API description: {exc}", pytrace=False)
    fake = GitHubFake(contract=contract, webhook_schemas=schemas).start()
    yield fake
    fake.stop()


@pytest.fixture
def github_fake(_github_fake_server: GitHubFake) -> Iterator[GitHubFake]:
    """The GitHub fake, empty, with token `test-token` (login `polise-bot`) and a GitHub App.

    Its URL is `github_fake.base_url`. Teardown fails the test on any contract violation.
    """
    fake = _github_fake_server
    fake.webhook_url = None
    fake.webhook_secret = None
    fake.reset()
    yield fake
    fake.webhooks.flush()
    violations = list(fake.violations)
    fake.reset()
    if violations:
        lines = "\n".join(f"  - {v}" for v in violations)
        pytest.fail(
            f"GitHub fake: {len(violations)} contract violation(s):\n{lines}", pytrace=False
        )


@dataclass
class Received:
    headers: Message  # case-insensitive, as HTTP headers are
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """A tiny HTTP endpoint that records what the fake delivers (stands in for Polise)."""

    url: str
    received: list[Received] = field(default_factory=list)
    status: int = 202  # what it answers
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def github_webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with receiver.lock:
                receiver.received.append(Received(self.headers, body))
            self.send_response(receiver.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/github"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    )
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()
