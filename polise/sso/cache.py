"""A small in-process cache for the forward-auth hot path.

Each worker keeps what it looked up (a session's user and groups, an app's access rule) for
FORWARD_AUTH_CACHE_SECONDS, so a signed-in user's requests cost no database query. A session
ended in this process is forgotten at once; other processes see it within the TTL, which is
the bound on how stale a revocation can be (no shared cache server is needed).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

# Bounded so that a flood of distinct (validly signed) cookies cannot grow memory without limit.
MAX_ENTRIES = 20_000


@dataclass(frozen=True, slots=True)
class SessionInfo:
    sid: str
    user_id: int
    username: str
    email: str
    groups: str  # comma-separated, ready for the header
    unit_ids: frozenset[int]
    is_staff: bool
    expires_at: float  # epoch seconds
    # The identity headers, built once per lookup rather than once per request.
    headers: tuple[tuple[str, str], ...] = ()


class TTLCache:
    def __init__(self) -> None:
        self._data: dict[str, tuple[float, Any]] = {}

    def get(self, key: str) -> tuple[bool, Any]:
        entry = self._data.get(key)
        if entry is None or entry[0] < time.monotonic():
            return False, None
        return True, entry[1]

    def put(self, key: str, value: Any, ttl: float) -> None:
        if len(self._data) >= MAX_ENTRIES:
            self._data.clear()
        self._data[key] = (time.monotonic() + ttl, value)

    def pop(self, key: str) -> None:
        self._data.pop(key, None)

    def clear(self) -> None:
        self._data.clear()


sessions = TTLCache()
apps = TTLCache()
# Cookie values whose signature checked out, mapped to their sid: an HMAC per request is a
# quarter of the hot path's cost. Revocation is unaffected (it acts on `sessions`).
verified_cookies: dict[str, str] = {}


def forget_session(sid: str) -> None:
    sessions.pop(sid)


def clear() -> None:
    sessions.clear()
    apps.clear()
    verified_cookies.clear()
