"""A small in-process cache for the forward-auth hot path.

Each worker keeps every live session (with its user's identity, units and roles) and every
catalog host's access rule, each loaded whole for FORWARD_AUTH_CACHE_SECONDS, so a signed-in
user's requests cost no database query whichever app they open and however many users there
are. A session that started after the last load is looked up alone. A session ended in this
process is forgotten at once; other processes see it within the TTL, which is the bound on how
stale a revocation can be (no shared cache server is needed).
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


class Table:
    """A table loaded whole and kept until it expires; `seen` collects the keys used since."""

    def __init__(self) -> None:
        self.rows: dict[str, Any] = {}
        self.expires = 0.0
        self.seen: set[str] = set()

    def fresh(self) -> bool:
        return time.monotonic() < self.expires

    def due(self, ttl: float) -> bool:
        """In the last fifth of its life: time to load the next one ahead of expiry."""
        return time.monotonic() >= self.expires - ttl / 5

    def replace(self, rows: dict[str, Any], ttl: float, *, loaded_at: float) -> set[str]:
        """Put in rows read at `loaded_at` (monotonic; the TTL counts from the read, not from
        its end); returns the keys used under the old ones."""
        seen, self.seen = self.seen, set()
        self.rows, self.expires = rows, loaded_at + ttl
        return seen

    def clear(self) -> None:
        self.rows, self.expires, self.seen = {}, 0.0, set()


session_table = Table()
sessions = TTLCache()  # sessions that started after the table was loaded (or are unknown)
apps = TTLCache()
# Cookie values whose signature checked out, mapped to their sid: an HMAC per request is a
# quarter of the hot path's cost. Revocation is unaffected (it acts on `sessions`).
verified_cookies: dict[str, str] = {}


def forget_session(sid: str) -> None:
    session_table.rows.pop(sid, None)
    sessions.pop(sid)


def clear() -> None:
    session_table.clear()
    sessions.clear()
    apps.clear()
    verified_cookies.clear()
