"""Reads: deploy history and the image a rollback goes back to."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from polise.catalog.models import App
from polise.gitops.deploy.record import DeployReport, ResolvedStack

from .models import DeployRecord, Result


def deploy_history(*, app: App) -> QuerySet[DeployRecord]:
    return DeployRecord.objects.filter(app=app).order_by("-started_at")


def recent_deploys(*, app: App, limit: int = 5) -> list[DeployRecord]:
    """The app's last deploys and rollbacks, newest first, each with what it rolled back to,
    in one query."""
    return list(deploy_history(app=app).select_related("rollback_of")[:limit])


def deploy_report(*, record: DeployRecord) -> DeployReport:
    """A stored record in the form the CLI sends and reads (one schema, in gitops)."""
    rollback_of = record.rollback_of.deploy_id if record.rollback_of_id else None  # type: ignore[union-attr]
    return DeployReport(
        deploy_id=record.deploy_id, app=record.app.slug, stack=record.stack, kind=record.kind,
        commit=record.commit, image=record.image, digest=record.digest, images=record.images,
        started_at=record.started_at, finished_at=record.finished_at, result=record.result,
        reason=record.reason, message=record.message, services=record.services,
        rollback_of=rollback_of,
        stack_spec=ResolvedStack.from_json(record.resolved_stack) if record.resolved_stack else None,
    )  # fmt: skip


def previous_good_deploy(*, app: App, before: uuid.UUID | None = None) -> DeployRecord | None:
    """The latest succeeded deploy that runs other images than the one now live (or than
    `before`), so a rollback always changes something. Only records that kept their stack
    qualify: a rollback deploys that stack again."""
    good = deploy_history(app=app).filter(result=Result.SUCCEEDED)
    if before is not None:
        anchor = DeployRecord.objects.filter(app=app, deploy_id=before).first()
        if anchor is None:
            return None
        good = good.filter(started_at__lt=anchor.started_at)
        current_images = anchor.images
    else:
        current = good.first()
        if current is None:
            return None
        current_images = current.images
        good = good.filter(started_at__lt=current.started_at)
    for record in good.filter(resolved_stack__isnull=False)[:50]:
        if record.images and record.images != current_images:
            return record
    return None
