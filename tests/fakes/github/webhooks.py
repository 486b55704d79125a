"""Signed webhook deliveries from the fake back to Polise, recorded for redelivery."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

USER_AGENT = "GitHub-Hookshot/fake"


def signature(secret: str | bytes, body: bytes) -> str:
    """The value of X-Hub-Signature-256 GitHub sends: sha256=<hex HMAC-SHA256 of the raw body>."""
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


@dataclass
class Target:
    """Where an event goes: a repository hook, or the app's webhook (carries `installation`)."""

    hook_id: int
    url: str
    secret: str | None
    content_type: str = "json"
    installation_id: int | None = None


@dataclass
class Delivery:
    guid: str
    event: str
    action: str | None
    hook_id: int
    url: str
    body: bytes
    headers: dict[str, str]
    redelivery: bool = False
    status: int | None = None
    response: bytes = b""
    error: str | None = None
    duration: float = 0.0
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class WebhookSender:
    """Queues deliveries and sends them one at a time, in order, on a worker thread.

    Requests to the fake answer before their webhooks go out (as on GitHub), so a Polise test
    server that calls the fake from a request handler cannot deadlock on its own webhook.
    """

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self.deliveries: list[Delivery] = []
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self.on_delivered: Callable[[Delivery], None] | None = None

    def enqueue(self, event: str, payload: dict[str, Any], target: Target) -> Delivery:
        body = json.dumps(payload, separators=(",", ":")).encode()
        guid = str(uuid.uuid4())
        delivery = Delivery(
            guid,
            event,
            payload.get("action"),
            target.hook_id,
            target.url,
            body,
            self._headers(event, guid, target, body),
        )
        self._submit(delivery)
        return delivery

    def redeliver(self, guid: str) -> Delivery:
        """Send a recorded delivery again, with the same X-GitHub-Delivery, as GitHub does."""
        with self._lock:
            matches = [d for d in self.deliveries if d.guid == guid]
        if not matches:
            raise KeyError(f"no delivery {guid}")
        first = matches[0]
        again = Delivery(
            first.guid,
            first.event,
            first.action,
            first.hook_id,
            first.url,
            first.body,
            dict(first.headers),
            redelivery=True,
        )
        self._submit(again)
        return again

    def _headers(self, event: str, guid: str, target: Target, body: bytes) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": guid,
            "X-GitHub-Hook-ID": str(target.hook_id),
        }
        if target.installation_id is not None:
            headers["X-GitHub-Hook-Installation-Target-Type"] = "integration"
            headers["X-GitHub-Hook-Installation-Target-ID"] = str(target.installation_id)
        else:
            headers["X-GitHub-Hook-Installation-Target-Type"] = "repository"
        if target.secret:
            headers["X-Hub-Signature-256"] = signature(target.secret, body)
            # the legacy SHA-1 header GitHub still sends alongside
            headers["X-Hub-Signature"] = (
                "sha1=" + hmac.new(target.secret.encode(), body, hashlib.sha1).hexdigest()
            )
        return headers

    def _submit(self, delivery: Delivery) -> None:
        with self._lock:
            self.deliveries.append(delivery)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(
                    target=self._run, name="github-fake-webhooks", daemon=True
                )
                self._worker.start()
        self._queue.put(delivery)

    def _run(self) -> None:
        while True:
            delivery = self._queue.get()
            try:
                if delivery is not None:
                    self._send(delivery)
            finally:
                self._queue.task_done()

    def _send(self, delivery: Delivery) -> None:
        # http.client rather than urllib: urllib re-cases header names (X-github-event).
        started = time.monotonic()
        url = urlsplit(delivery.url)
        connection_class = (
            http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_class(url.hostname or "127.0.0.1", url.port, timeout=self.timeout)
        target = url.path + (f"?{url.query}" if url.query else "") or "/"
        try:
            connection.request("POST", target, body=delivery.body, headers=delivery.headers)
            response = connection.getresponse()
            delivery.status = response.status
            delivery.response = response.read()
        except Exception as exc:
            delivery.error = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
        delivery.duration = time.monotonic() - started
        delivery.done.set()
        if self.on_delivered is not None:
            self.on_delivered(delivery)

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until every queued delivery has been attempted."""
        deadline = time.monotonic() + timeout
        with self._lock:
            pending = [d for d in self.deliveries if not d.done.is_set()]
        for delivery in pending:
            if not delivery.done.wait(max(0.0, deadline - time.monotonic())):
                raise TimeoutError(f"webhook delivery {delivery.guid} still pending")

    def clear(self) -> None:
        self.flush()
        with self._lock:
            self.deliveries.clear()
