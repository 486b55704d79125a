"""Background work of docs: building an app's docs once per pushed (or deployed) commit, and
checking its database docs against its live databases."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db.models import Exists, OuterRef, Q

from polise.catalog.models import App
from polise.core.jobs import enqueue_missing, enqueue_on_commit, retrying_task, sweeps
from polise.deployments.models import DeployRecord
from polise.forge.errors import PermanentForgeError
from polise.forge.mirrors import services as mirrors
from polise.onboarding.models import ProvisionedDatabase

from . import services
from .models import DocsState

logger = logging.getLogger(__name__)


@retrying_task(queue_name="default", max_attempts=6, base_delay=10.0, max_delay=900.0)
def docs_build_app(app_id: int, fetch: bool = True) -> str:
    """Fetch the app's mirror (unless told it is fresh) and render its docs at the deployed
    commit or the default branch. Safe to run twice: a built commit is skipped."""
    app = App.objects.filter(pk=app_id).exclude(repo="").first()
    if app is None:
        return "no such app with a repository"
    try:
        if fetch:
            mirrors.mirror_fetch(repo=app.repo)
        outcome = services.docs_build(app=app)
    except Exception as exc:
        DocsState.objects.update_or_create(app=app, defaults={"last_error": str(exc)[:2000]})
        if isinstance(exc, PermanentForgeError):
            logger.error("docs of %s: %s", app.slug, exc)
        raise
    if ProvisionedDatabase.objects.filter(app=app, dropped_at__isnull=True).exists():
        enqueue_on_commit(docs_check_schema, app.pk)
    return outcome


@retrying_task(queue_name="default", max_attempts=3, base_delay=60.0, max_delay=900.0)
def docs_check_schema(app_id: int) -> str:
    """Compare the app's database docs with its provisioned databases (read only). A server
    that cannot be reached is recorded on the check, not retried forever."""
    app = App.objects.filter(pk=app_id).first()
    if app is None:
        return "no such app"
    try:
        checks = services.schema_check_app(app=app)
    except Exception:
        logger.exception("schema check of %s failed", app.slug)
        raise
    return ", ".join(f"{c.database}: {c.error or f'{c.coverage}%'}" for c in checks) or "none"


def docs_catch_up(*, apps: list[App] | None = None) -> int:
    """Queue a docs build of every app with a repository; returns how many were queued."""
    apps = apps if apps is not None else list(App.objects.exclude(repo=""))
    for app in apps:
        enqueue_on_commit(docs_build_app, app.pk)
    return len(apps)


@sweeps("docs of newly deployed commits")
def docs_follow_deploys(*, deadline: datetime) -> int:
    """Queue a docs build for each app deployed since its docs were built (the docs show the
    deployed commit). A deploy record is read once: after the build, built_at is later."""
    newer = DeployRecord.objects.filter(
        app_id=OuterRef("pk"), result="succeeded", finished_at__isnull=False
    ).filter(
        Q(finished_at__gt=OuterRef("docs_state__built_at"))
        | Q(app__docs_state__built_at__isnull=True)
    )
    apps = App.objects.exclude(repo="").filter(Exists(newer)).values_list("pk", flat=True)
    return enqueue_missing(docs_build_app, apps)
