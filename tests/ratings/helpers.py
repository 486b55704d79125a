"""Small helpers for the ratings tests: a user who used an app, a deploy, a rating."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.utils import timezone

from polise.deployments.models import DeployRecord
from polise.ratings import services
from polise.ratings.models import Rating
from polise.sso.models import Launch


def launch(user, app, times: int = 1) -> None:
    for _ in range(times):
        Launch.objects.create(user=user, app=app)


def deploy(app, commit: str, *, at: datetime | None = None, result: str = "succeeded"):
    return DeployRecord.objects.create(
        deploy_id=uuid.uuid4(),
        app=app,
        stack=app.slug,
        commit=commit,
        started_at=at or timezone.now(),
        result=result,
    )


def rate(user, app, **values) -> Rating:
    """`user` opens `app` (if never yet) and rates it through the service."""
    if not Launch.objects.filter(user=user, app=app).exists():
        launch(user, app)
    return services.rating_submit(user=user, app=app, **values)
