"""News hears of a successful deploy at once, so the update it shipped is published now
rather than at the next push or catch-up."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from polise.core.jobs import enqueue_on_commit
from polise.deployments.signals import deploy_succeeded

from .jobs import news_sync_app


@receiver(deploy_succeeded, dispatch_uid="news.deploy_succeeded")
def news_after_deploy(sender: Any, record: Any, **kwargs: Any) -> None:
    if record.app.repo:
        enqueue_on_commit(news_sync_app, record.app_id)
