"""Writes: deploy tokens and deploy records. Views, the admin and the API call these."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from polise.catalog.models import App

from . import tokens
from .models import FINAL_RESULTS, DeployRecord, DeployToken, Kind, Result


def deploy_token_create(*, app: App, label: str, created_by: Any = None) -> tuple[DeployToken, str]:
    """A new token for `app`; returns it with its plaintext, which exists only here."""
    plaintext, prefix, token_hash = tokens.new_token()
    token = DeployToken.objects.create(
        app=app, label=label, prefix=prefix, token_hash=token_hash, created_by=created_by
    )
    return token, plaintext


def deploy_token_revoke(*, token: DeployToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def deploy_token_authenticate(*, plaintext: str) -> DeployToken | None:
    """The live token this plaintext is, or None. Unknown and revoked tokens look alike."""
    prefix = tokens.parse_prefix(plaintext)
    if prefix is None:
        return None
    token = DeployToken.objects.select_related("app").filter(prefix=prefix).first()
    if token is None or token.revoked_at is not None:
        return None
    if not tokens.matches(plaintext, token.token_hash):
        return None
    DeployToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


class ReportInvalid(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class ReportConflict(ValueError):
    pass


@dataclass(frozen=True)
class DeployReport:
    deploy_id: uuid.UUID
    kind: str
    stack: str
    commit: str
    image: str
    digest: str
    images: dict[str, str]
    started_at: datetime
    finished_at: datetime | None
    result: str
    reason: str
    message: str
    services: dict[str, str]


def _text(data: dict[str, Any], key: str, errors: dict[str, str], *, max_length: int,
          required: bool = False) -> str:  # fmt: skip
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[key] = "must be a string"
        return ""
    if required and not value:
        errors[key] = "is required"
    elif len(value) > max_length:
        errors[key] = f"is longer than {max_length} characters"
    return value


def _when(
    data: dict[str, Any], key: str, errors: dict[str, str], *, required: bool
) -> datetime | None:
    value = data.get(key)
    if value in (None, ""):
        if required:
            errors[key] = "is required (ISO 8601 with a time zone)"
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or parsed.tzinfo is None:
        errors[key] = "must be an ISO 8601 date-time with a time zone"
        return None
    return parsed


def _string_map(data: dict[str, Any], key: str, errors: dict[str, str]) -> dict[str, str]:
    value = data.get(key) or {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and len(v) <= 2000 for k, v in value.items()
    ):
        errors[key] = "must be an object of strings"
        return {}
    return value


def parse_deploy_report(data: Any) -> DeployReport:
    """Validate the CLI's JSON; every problem is named at once."""
    if not isinstance(data, dict):
        raise ReportInvalid({"body": "must be a JSON object"})
    errors: dict[str, str] = {}
    try:
        deploy_id = uuid.UUID(str(data.get("deploy_id", "")))
    except ValueError:
        errors["deploy_id"] = "must be a UUID"
        deploy_id = uuid.UUID(int=0)
    kind = data.get("kind", Kind.DEPLOY)
    if kind not in Kind.values:
        errors["kind"] = f"must be one of {', '.join(Kind.values)}"
    result = data.get("result")
    if result not in Result.values:
        errors["result"] = f"must be one of {', '.join(Result.values)}"
    digest = _text(data, "digest", errors, max_length=71)
    if digest and not (digest.startswith("sha256:") and len(digest) == 71):
        errors["digest"] = "must be sha256:<64 hex digits>"
    report = DeployReport(
        deploy_id=deploy_id,
        kind=str(kind),
        stack=_text(data, "stack", errors, max_length=64, required=True),
        commit=_text(data, "commit", errors, max_length=64),
        image=_text(data, "image", errors, max_length=300),
        digest=digest,
        images=_string_map(data, "images", errors),
        started_at=_when(data, "started_at", errors, required=True) or timezone.now(),
        finished_at=_when(data, "finished_at", errors, required=result in FINAL_RESULTS),
        result=str(result),
        reason=_text(data, "reason", errors, max_length=200),
        message=_text(data, "message", errors, max_length=10000),
        services=_string_map(data, "services", errors),
    )
    if errors:
        raise ReportInvalid(errors)
    return report


def deploy_record_save(*, token: DeployToken, report: DeployReport) -> tuple[DeployRecord, bool]:
    """Create or update the record of `report.deploy_id`. Idempotent: the same report again
    changes nothing; a running record may be finished; a finished one never changes result."""
    fields = {
        "kind": report.kind, "stack": report.stack, "commit": report.commit,
        "image": report.image, "digest": report.digest, "images": report.images,
        "started_at": report.started_at, "finished_at": report.finished_at,
        "result": report.result, "reason": report.reason, "message": report.message,
        "services": report.services,
    }  # fmt: skip
    with transaction.atomic():
        record = DeployRecord.objects.select_for_update().filter(deploy_id=report.deploy_id).first()
        if record is None:
            try:
                with transaction.atomic():
                    record = DeployRecord.objects.create(
                        deploy_id=report.deploy_id, app=token.app, token=token, **fields
                    )
                return record, True
            except IntegrityError:
                # The same report raced itself in; the other one won, which is fine.
                record = DeployRecord.objects.select_for_update().get(deploy_id=report.deploy_id)
        if record.app_id != token.app_id:
            raise ReportConflict("this deploy id belongs to another app")
        if record.result in FINAL_RESULTS:
            if record.result != report.result:
                raise ReportConflict(
                    f"deploy {record.deploy_id} already finished as {record.result}"
                )
            return record, False
        for name, value in fields.items():
            setattr(record, name, value)
        record.save()
        return record, False
