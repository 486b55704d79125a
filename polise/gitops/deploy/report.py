"""Talking to Polise's deploy API from a CI runner: the deploy record and the rollback target.

Plain urllib: the runner has Polise installed but no Django settings, and one JSON request per
deploy needs no HTTP library. The per-app deploy token travels as a Bearer token.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

RECORDS_PATH = "/api/deployments/records"
PREVIOUS_PATH = "/api/deployments/previous"


class ReportError(RuntimeError):
    pass


@dataclass(frozen=True)
class PoliseAPI:
    base_url: str
    token: str
    timeout: float = 10.0
    attempts: int = 3

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's Polise
            self.base_url.rstrip("/") + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        last: Exception | None = None
        for attempt in range(self.attempts):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    return json.loads(response.read() or b"null")
            except urllib.error.HTTPError as exc:
                detail = exc.read().decode(errors="replace")[:500]
                # A 4xx is an answer, not an outage: another attempt would get the same.
                if exc.code < 500:
                    raise ReportError(f"Polise answered {exc.code}: {detail}") from exc
                last = ReportError(f"Polise answered {exc.code}: {detail}")
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                last = ReportError(f"Polise is not reachable: {exc}")
            if attempt + 1 < self.attempts:
                time.sleep(2**attempt)
        assert last is not None
        raise last

    def record(self, payload: dict[str, Any]) -> Any:
        return self._request("POST", RECORDS_PATH, payload)

    def previous(self, app: str, before: str | None = None) -> dict[str, Any]:
        query = {"app": app, **({"before": before} if before else {})}
        result = self._request("GET", f"{PREVIOUS_PATH}?{urllib.parse.urlencode(query)}")
        if not isinstance(result, dict):
            raise ReportError(f"Polise answered an unexpected body: {result!r}")
        return result
