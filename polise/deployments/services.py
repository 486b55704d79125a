"""Writes: deploy tokens and deploy records. Views, the admin and the API call these."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from polise.catalog.models import App
from polise.gitops.deploy.record import FINAL_RESULTS, DeployReport, RecordInvalid

from . import tokens
from .models import DeployRecord, DeployToken, Result
from .signals import deploy_succeeded


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


class ReportConflict(ValueError):
    pass


def deploy_record_save(*, token: DeployToken, report: DeployReport) -> tuple[DeployRecord, bool]:
    """Create or update the record of `report.deploy_id`. Idempotent: the same report again
    changes nothing; a running record may be finished; a finished one never changes result."""
    rollback_of = None
    if report.rollback_of is not None:
        rollback_of = DeployRecord.objects.filter(
            app_id=token.app_id, deploy_id=report.rollback_of
        ).first()
        if rollback_of is None:
            raise RecordInvalid({"rollback_of": f"no deploy {report.rollback_of} of this app"})
    fields = {
        "kind": report.kind, "stack": report.stack, "commit": report.commit,
        "image": report.image, "digest": report.digest, "images": report.images,
        "started_at": report.started_at, "finished_at": report.finished_at,
        "result": report.result, "reason": report.reason, "message": report.message,
        "services": report.services, "rollback_of": rollback_of,
        "resolved_stack": report.stack_spec.to_json() if report.stack_spec else None,
    }  # fmt: skip
    with transaction.atomic():
        record = DeployRecord.objects.select_for_update().filter(deploy_id=report.deploy_id).first()
        if record is None:
            try:
                with transaction.atomic():
                    record = DeployRecord.objects.create(
                        deploy_id=report.deploy_id, app=token.app, token=token, **fields
                    )
                _announce_if_succeeded(record)
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
        changed = [name for name, value in fields.items() if getattr(record, name) != value]
        for name in changed:
            setattr(record, name, fields[name])
        record.save(update_fields=[*changed, "updated_at"])
        _announce_if_succeeded(record)
        return record, False


def _announce_if_succeeded(record: DeployRecord) -> None:
    if record.result == Result.SUCCEEDED and record.finished_at is not None:
        transaction.on_commit(
            lambda: deploy_succeeded.send(sender=DeployRecord, record=record), robust=True
        )
