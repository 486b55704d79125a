"""Faults the fake injects on command: what GitHub does on a bad day."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

KINDS = {
    "error",  # a 5xx answer; the request is not applied
    "timeout",  # no answer for `seconds`, then the connection is closed (or answered)
    "secondary_rate_limit",  # 403 with Retry-After
    "too_many_requests",  # 429 with Retry-After
    "rate_limit",  # primary limit exhausted: 403, x-ratelimit-remaining 0, reset
    "lost_response",  # the request is applied, then the answer is lost
    "hold",  # the request waits until the test releases it, then is applied (or dropped)
}
# A held request gives up after this long, so a test that forgets to release cannot hang.
HOLD_LIMIT = 120.0


@dataclass
class Fault:
    kind: str
    times: int | None = 1  # None: until removed (or, for rate_limit, until `reset_at`)
    method: str | None = None  # exact HTTP method, or any
    path: str | None = None  # regular expression searched in the path, or any
    status: int = 500  # for "error"; "lost_response" uses 502 when mode is "502"
    seconds: float = 0.0  # for "timeout"
    apply: bool = False  # for "timeout" and "hold": process the request after the delay
    retry_after: int = 60  # for the rate limits
    reset_at: int = 0  # for "rate_limit": epoch seconds when the limit resets
    mode: str = "close"  # for "lost_response": "close" the connection, or answer "502"
    hits: int = 0
    id: int = field(default=0)
    # For "hold": set when a request arrives, when the test lets it go, and once it is applied.
    _reached: threading.Event = field(default_factory=threading.Event, init=False, repr=False)
    _released: threading.Event = field(default_factory=threading.Event, init=False, repr=False)
    _applied: threading.Event = field(default_factory=threading.Event, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(KINDS)}")
        if self.mode not in {"close", "502"}:
            raise ValueError("lost_response mode is 'close' or '502'")
        if self.kind == "rate_limit" and not self.reset_at:
            self.reset_at = int(time.time()) + self.retry_after
        self._path_re = re.compile(self.path) if self.path else None

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method:
            return False
        return not (self._path_re and not self._path_re.search(path))

    def expired(self) -> bool:
        if self.kind == "rate_limit" and self.times is None:
            return time.time() >= self.reset_at
        return self.times is not None and self.hits >= self.times

    def wait_reached(self, timeout: float = 30.0) -> bool:
        """Wait until a request is being held."""
        return self._reached.wait(timeout)

    def release(self) -> None:
        """Let the held requests go on (and every later one this fault catches)."""
        self._released.set()

    def wait_applied(self, timeout: float = 30.0) -> bool:
        """Wait until a released request has been applied."""
        return self._applied.wait(timeout)

    def hold(self) -> None:
        self._reached.set()
        self._released.wait(HOLD_LIMIT)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next = 1
        self.fired: list[tuple[str, str, str]] = []  # (kind, method, path)

    def add(self, kind: str, **options: Any) -> Fault:
        fault = Fault(kind, **options)
        with self._lock:
            fault.id = self._next
            self._next += 1
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            for fault in self._faults:
                fault.release()
            self._faults.clear()
            self.fired.clear()

    def get(self, fault_id: int) -> Fault:
        with self._lock:
            return next(f for f in self._faults if f.id == fault_id)

    def active(self) -> list[Fault]:
        with self._lock:
            self._faults = [f for f in self._faults if not f.expired()]
            return list(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        """The first live fault matching this request, counted as used."""
        with self._lock:
            for fault in self._faults:
                if fault.expired() or not fault.matches(method, path):
                    continue
                fault.hits += 1
                self.fired.append((fault.kind, method, path))
                return fault
            return None
