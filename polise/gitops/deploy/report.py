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

from polise.gitops.deploy.record import DeployReport, RecordInvalid

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
                detail = _detail(exc.read())
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

    def previous(self, app: str | None, before: str | None = None) -> DeployReport:
        """The good deploy a rollback goes back to: before the live one, or before `before`."""
        query = {k: v for k, v in (("app", app), ("before", before)) if v}
        return _report(self._request("GET", f"{PREVIOUS_PATH}?{urllib.parse.urlencode(query)}"))

    def record_of(self, deploy_id: str) -> DeployReport:
        return _report(self._request("GET", f"{RECORDS_PATH}/{urllib.parse.quote(deploy_id)}"))


def _report(body: Any) -> DeployReport:
    try:
        return DeployReport.from_json(body)
    except RecordInvalid as exc:
        raise ReportError(f"Polise answered a record this polise cannot read: {exc}") from exc


def _detail(body: bytes) -> str:
    """The API's own words ({"errors": {field: text}}) where it gave them."""
    text = body.decode(errors="replace")
    try:
        errors = json.loads(text)["errors"]
        return "; ".join(f"{k}: {v}" for k, v in errors.items())
    except (ValueError, KeyError, TypeError, AttributeError):
        return text[:500]
