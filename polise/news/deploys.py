"""The one place news reads deploy records: which commit each successful deploy of an app
put live, and when. Only the record's app, commit, result and finished time are used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from polise.deployments.models import DeployRecord


@dataclass(frozen=True)
class Shipped:
    record_id: int
    commit: str
    finished_at: datetime


def _succeeded(app_id: int) -> QuerySet[DeployRecord]:
    return DeployRecord.objects.filter(
        app_id=app_id, result="succeeded", finished_at__isnull=False
    ).exclude(commit="")


def app_records_deploys(*, app_id: int) -> bool:
    """Whether the app's pipeline records deploys (then an update is what one deploy shipped)."""
    return _succeeded(app_id).exists()


def deploys_since(*, app_id: int, after: datetime | None) -> list[Shipped]:
    """Successful deploys of the app finished after `after`, oldest first."""
    records = _succeeded(app_id)
    if after is not None:
        records = records.filter(finished_at__gt=after)
    rows = records.order_by("finished_at", "pk").values_list("pk", "commit", "finished_at")
    return [Shipped(pk, commit, finished_at) for pk, commit, finished_at in rows if finished_at]
