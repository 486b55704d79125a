"""Reads: deploy history and the image a rollback goes back to."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from polise.catalog.models import App

from .models import DeployRecord, Result


def deploy_history(*, app: App) -> QuerySet[DeployRecord]:
    return DeployRecord.objects.filter(app=app).order_by("-started_at")


def previous_good_deploy(*, app: App, before: uuid.UUID | None = None) -> DeployRecord | None:
    """The latest succeeded deploy that runs other images than the one now live (or than
    `before`), so a rollback always changes something."""
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
    for record in good[:50]:
        if record.images and record.images != current_images:
            return record
    return None
