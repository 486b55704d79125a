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
}


@dataclass
class Fault:
    kind: str
    times: int | None = 1  # None: until removed (or, for rate_limit, until `reset_at`)
    method: str | None = None  # exact HTTP method, or any
    path: str | None = None  # regular expression searched in the path, or any
    status: int = 500  # for "error"; "lost_response" uses 502 when mode is "502"
    seconds: float = 0.0  # for "timeout"
    apply: bool = False  # for "timeout": process the request after the delay
    retry_after: int = 60  # for the rate limits
    reset_at: int = 0  # for "rate_limit": epoch seconds when the limit resets
    mode: str = "close"  # for "lost_response": "close" the connection, or answer "502"
    hits: int = 0
    id: int = field(default=0)

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
            self._faults.clear()
            self.fired.clear()

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
