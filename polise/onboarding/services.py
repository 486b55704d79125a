"""Onboarding: writes. One form (or `polise onboard FILE.yaml`) becomes a catalog entry and
recorded steps that run one after another on the worker.

A step runs once. Its own work (rendering the template, sealing secrets, creating a database)
happens in its job; what it changes on GitHub goes through the forge's outbox as writes with
idempotency keys, and the step is done when they all are. A failed step stops the ones after
it until the platform team retries it; a retry repeats only that step (only its failed writes,
when its own part had finished). Starting the same onboarding again changes nothing.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from polise.accounts.models import OrgUnit
from polise.catalog.manifest import MANIFEST_PATH, app_apply_manifest
from polise.catalog.models import App
from polise.core.jobs import (
    backoff_seconds,
    enqueue_missing,
    enqueue_on_commit,
    retrying_task,
    sweeps,
)
from polise.deployments.models import DeployToken
from polise.deployments.services import deploy_token_create, deploy_token_revoke
from polise.forge import api as forge_api
from polise.forge import outbox
from polise.forge.errors import ForgeError
from polise.forge.mirrors import services as mirrors
from polise.forge.models import HookSecret, Write

from . import databases, delivery, objectstore
from .models import Onboarding, ProvisionedDatabase, Step
from .spec import OnboardingInvalid, OnboardingRequest, from_json

logger = logging.getLogger(__name__)

ORDER = [
    Step.Name.REPO,
    Step.Name.COLLABORATORS,
    Step.Name.ACTIONS,
    Step.Name.WEBHOOK,
    Step.Name.PROTECTION,
    Step.Name.VULNERABILITY_REPORTING,
    Step.Name.POSTGRESQL,
    Step.Name.MYSQL,
    Step.Name.BUCKET,
]
WEBHOOK_EVENTS = [
    "push",
    "issues",
    "issue_comment",
    "member",
    "pull_request",  # contributions: pull requests opened and merged
    "pull_request_review",  # contributions: reviews given
]
OUTBOX_CALLBACK = "onboarding.step"
# A step whose own part failed for a reason that may pass (a server away) is tried again
# after a backoff, this many times, before it is marked failed for a person to look at.
MAX_AUTOMATIC_ATTEMPTS = 6
DEPLOY_TOKEN_LABEL = "GitHub Actions (onboarding)"  # noqa: S105 - a label


class StepFailed(Exception):
    """The step cannot go on; `retryable` says whether trying again later may help."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass
class PlannedWrite:
    item: str  # names the write within its step (a login, a secret name)
    kind: str
    payload: dict[str, Any]


@dataclass
class StepOutcome:
    detail: str
    result: dict[str, Any] = field(default_factory=dict)
    writes: list[PlannedWrite] = field(default_factory=list)


# --- starting -----------------------------------------------------------------------------------


def _skipped(name: str, request: OnboardingRequest) -> str | None:
    """Why step `name` is not needed for this request, or None if it is."""
    if name == Step.Name.VULNERABILITY_REPORTING and request.private:
        return _("GitHub takes private vulnerability reports on public repositories only.")
    if name in (Step.Name.POSTGRESQL, Step.Name.MYSQL) and name not in request.databases:
        return _("No such database was asked for.")
    if name == Step.Name.BUCKET and not request.bucket:
        return _("No object storage was asked for.")
    return None


def onboarding_start(
    *, request: OnboardingRequest, started_by: Any = None
) -> tuple[Onboarding, bool]:
    """The catalog entry and the recorded steps, queued to run; (onboarding, created).

    The same request again returns the first onboarding untouched: running the whole
    onboarding twice changes nothing. A different request for an existing app or repository
    is refused, naming what clashes.
    """
    spec = request.as_json()
    with transaction.atomic():
        existing = Onboarding.objects.select_related("app").filter(app__slug=request.name).first()
        if existing is not None:
            if existing.spec != spec:
                raise OnboardingInvalid(
                    {"name": _("%(name)s was onboarded already, with other settings.")
                     % {"name": request.name}}
                )  # fmt: skip
            return existing, False
        if App.objects.filter(slug=request.name).exists():
            raise OnboardingInvalid(
                {"name": _("The catalog has an app named %(name)s already.") % {"name": request.name}}
            )  # fmt: skip
        if App.objects.filter(repo__iexact=request.repo).exists():
            raise OnboardingInvalid(
                {"repo": _("Another app uses the repository %(repo)s.") % {"repo": request.repo}}
            )
        app = App.objects.create(
            slug=request.name,
            name=request.title,
            summary=request.summary,
            url=request.url,
            repo=request.repo,
            technology=request.technology,
            placement=request.placement,
            owner_unit=OrgUnit.objects.get(slug=request.owner_unit),
        )
        onboarding = Onboarding.objects.create(app=app, spec=spec, created_by=started_by)
        for position, name in enumerate(ORDER):
            reason = _skipped(name, request)
            Step.objects.create(
                onboarding=onboarding,
                name=name,
                position=position,
                status=Step.Status.SKIPPED if reason else Step.Status.PENDING,
                detail=reason or "",
            )
        enqueue_on_commit(onboarding_advance, onboarding.pk)
    return onboarding, True


def step_retry(*, step: Step) -> bool:
    """The platform team's retry of a failed step; False if it had not failed."""
    with transaction.atomic():
        step = Step.objects.select_for_update().get(pk=step.pk)
        if step.status != Step.Status.FAILED:
            return False
        failed = Write.objects.filter(key__in=step.result.get("writes", []), status="failed")
        if step.result.get("writes") and failed.exists():
            # Its own part was done: only the writes that failed go again.
            Step.objects.filter(pk=step.pk).update(
                status=Step.Status.RUNNING, detail=_("Retrying the failed changes on GitHub.")
            )
            for write in failed:
                outbox.write_retry(write=write)
        else:
            Step.objects.filter(pk=step.pk).update(
                status=Step.Status.PENDING, detail="", finished_at=None
            )
            enqueue_on_commit(onboarding_advance, step.onboarding_id)
    return True


# --- running ------------------------------------------------------------------------------------


@task(queue_name="default")
def onboarding_advance(onboarding_id: int) -> str:
    """Run the next step that waits, if the ones before it are done. Safe to run twice: a step
    is claimed before it runs."""
    steps = Step.objects.filter(onboarding_id=onboarding_id).order_by("position")
    step = next((s for s in steps if not s.finished), None)
    if step is None:
        return "every step is done"
    if step.status != Step.Status.PENDING:
        return f"waiting on {step.name} ({step.status})"
    claimed = Step.objects.filter(pk=step.pk, status=Step.Status.PENDING).update(
        status=Step.Status.RUNNING,
        attempts=F("attempts") + 1,
        started_at=timezone.now(),
        detail="",
    )
    if not claimed:
        return f"{step.name} is being run elsewhere"
    step.refresh_from_db()
    return _run(step)


def _run(step: Step) -> str:
    onboarding = Onboarding.objects.select_related("app").get(pk=step.onboarding_id)
    request = from_json(onboarding.spec)
    try:
        outcome = RUNNERS[step.name](step, onboarding, request)
    except StepFailed as exc:
        return _after_failure(step, str(exc), retryable=exc.retryable)
    except (ForgeError, databases.DatabaseError, objectstore.StorageError,
            delivery.DeliveryError) as exc:  # fmt: skip
        return _after_failure(step, str(exc), retryable=exc.retryable)
    except Exception as exc:
        logger.exception("onboarding step %s failed unexpectedly", step.pk)
        return _after_failure(step, f"{type(exc).__name__}: {exc}", retryable=False)
    with transaction.atomic():
        keys = []
        for planned in outcome.writes:
            key = f"onboarding:{step.pk}:{step.attempts}:{planned.item}"
            outbox.write_enqueue(
                key=key,
                kind=planned.kind,
                repo=onboarding.app.repo,
                payload=planned.payload,
                on_outcome=OUTBOX_CALLBACK,
            )
            keys.append(key)
        result = {**outcome.result, "writes": keys}
        Step.objects.filter(pk=step.pk).update(detail=outcome.detail, result=result)
        step.result, step.detail = result, outcome.detail
        if not keys:
            _finish(step, Step.Status.DONE, outcome.detail)
    return f"{step.name}: {outcome.detail}"


def _after_failure(step: Step, message: str, *, retryable: bool) -> str:
    if retryable and step.attempts < MAX_AUTOMATIC_ATTEMPTS:
        delay = backoff_seconds(step.attempts, base=10.0, cap=600.0)
        Step.objects.filter(pk=step.pk).update(
            status=Step.Status.PENDING,
            detail=_("%(error)s (trying again in %(seconds)d s)")
            % {"error": message, "seconds": delay},
        )
        onboarding_advance.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
            step.onboarding_id
        )
        return f"{step.name}: retry in {delay:.0f}s: {message}"
    _finish(step, Step.Status.FAILED, message)
    return f"{step.name} failed: {message}"


def _finish(step: Step, status: str, detail: str) -> None:
    Step.objects.filter(pk=step.pk).update(status=status, detail=detail, finished_at=timezone.now())
    if status == Step.Status.DONE:
        enqueue_on_commit(onboarding_advance, step.onboarding_id)


@sweeps("onboarding steps")
def onboarding_steps_stalled(*, deadline: datetime) -> int:
    """Onboardings left behind by a lost job: a step claimed by a worker that died before it
    planned its writes goes back to waiting (its job, queued again by the job sweep, would
    otherwise find it running for ever), and an onboarding whose next step waits with no job
    for it gets one. Steps waiting on their writes are the outbox's business."""
    orphaned = (
        Step.objects.filter(status=Step.Status.RUNNING, started_at__lt=deadline)
        .exclude(result__has_key="writes")
        .update(
            status=Step.Status.PENDING,
            detail=_("Its worker stopped while running it; trying again."),
        )
    )
    waiting = (
        Onboarding.objects.filter(steps__status=Step.Status.PENDING, steps__updated_at__lt=deadline)
        .exclude(steps__status__in=[Step.Status.RUNNING, Step.Status.FAILED])
        .values_list("pk", flat=True)
        .distinct()
    )
    queued = enqueue_missing(onboarding_advance, list(waiting))
    if orphaned:
        logger.warning("onboarding: %d step(s) left running by a lost worker wait again", orphaned)
    return queued


@outbox.on_outcome(OUTBOX_CALLBACK)
def step_write_outcome(write: Write) -> None:
    """The outbox's callback: a step's write is done or has failed (or was put back in line).
    Runs in the transaction that records the write's outcome."""
    _prefix, step_id, _attempt, item = write.key.split(":", 3)
    step = Step.objects.select_for_update().filter(pk=int(step_id)).first()
    if step is None or write.key not in step.result.get("writes", []):
        return
    result = dict(step.result)
    if write.status == Write.Status.DONE:
        result.setdefault("done", {})[item] = write.result or {}
        if step.name == Step.Name.WEBHOOK and write.result:
            HookSecret.objects.update_or_create(
                hook_id=str(write.result["hook_id"]),
                defaults={"repo": write.repo, "secret": write.payload["secret"]},
            )
    Step.objects.filter(pk=step.pk).update(result=result)
    writes = {w.key: w for w in Write.objects.filter(key__in=result["writes"])}
    writes[write.key] = write
    states = {key: w.status for key, w in writes.items()}
    if any(s == Write.Status.FAILED for s in states.values()):
        reasons = [w.last_error for w in writes.values() if w.status == Write.Status.FAILED]
        _finish(step, Step.Status.FAILED, "\n".join(reasons))
    elif all(s == Write.Status.DONE for s in states.values()):
        _finish(step, Step.Status.DONE, step.detail)
    else:
        Step.objects.filter(pk=step.pk).update(status=Step.Status.RUNNING)


# --- the steps ----------------------------------------------------------------------------------

Runner = Callable[[Step, Onboarding, OnboardingRequest], StepOutcome]


def render_template(request: OnboardingRequest) -> dict[str, str]:
    """The rendered template (polise.gitops) as path -> text, ready to be the first commit."""
    from polise.gitops.render import TemplateError, render_new

    with tempfile.TemporaryDirectory(prefix="polise-onboard-") as work:
        dest = Path(work) / request.name
        try:
            render_new(
                dest,
                tech=request.technology,
                name=request.name,
                data=request.template_answers(),
                init_git=False,
            )
        except TemplateError as exc:
            raise StepFailed(str(exc)) from exc
        return {
            str(path.relative_to(dest)): path.read_text(encoding="utf-8")
            for path in sorted(dest.rglob("*"))
            if path.is_file() and ".git" not in path.relative_to(dest).parts
        }


def _run_repo(step: Step, onboarding: Onboarding, request: OnboardingRequest) -> StepOutcome:
    files = render_template(request)
    return StepOutcome(
        detail=_("Repository %(repo)s with the %(tech)s template (%(count)d files).")
        % {"repo": request.repo, "tech": request.technology, "count": len(files)},
        writes=[
            PlannedWrite(
                "repo",
                Write.Kind.SET_UP_REPOSITORY,
                {
                    "private": request.private,
                    "description": request.summary,
                    "homepage": request.url,
                    "files": files,
                    "message": f"Start {request.title} from the Polise {request.technology} "
                    "template",
                    "author": {
                        "name": "Polise",
                        "email": f"noreply@{urlsplit(settings.BASE_URL).hostname}",
                    },
                },
            )
        ],
    )


def _run_collaborators(
    step: Step, onboarding: Onboarding, request: OnboardingRequest
) -> StepOutcome:
    people = [(login, "push") for login in request.developers]
    people += [(login, "maintain") for login in request.maintainers]
    return StepOutcome(
        detail=_("Inviting %(count)d developers.") % {"count": len(people)},
        writes=[
            PlannedWrite(login, Write.Kind.ADD_COLLABORATOR, {"login": login, "permission": perm})
            for login, perm in people
        ],
    )


def _sealer(repo: str) -> Callable[[str], dict[str, str]]:
    key_id, key = forge_api.actions_public_key(repo)
    return lambda value: {"encrypted_value": delivery.seal(value, key), "key_id": key_id}


def _secret(name: str, sealed: dict[str, str]) -> PlannedWrite:
    return PlannedWrite(name, Write.Kind.SET_ACTIONS_SECRET, {"name": name, **sealed})


def _variable(name: str, value: str) -> PlannedWrite:
    return PlannedWrite(name, Write.Kind.SET_ACTIONS_VARIABLE, {"name": name, "value": value})


def _run_actions(step: Step, onboarding: Onboarding, request: OnboardingRequest) -> StepOutcome:
    seal = _sealer(onboarding.app.repo)
    # A step run again makes a new token: the one an earlier run made never reached GitHub.
    for old in DeployToken.objects.filter(
        app=onboarding.app, label=DEPLOY_TOKEN_LABEL, revoked_at__isnull=True
    ):
        deploy_token_revoke(token=old)
    token, plaintext = deploy_token_create(
        app=onboarding.app, label=DEPLOY_TOKEN_LABEL, created_by=onboarding.created_by
    )
    writes = [_secret("POLISE_DEPLOY_TOKEN", seal(plaintext))]
    if request.technology != "static":
        writes.append(_secret("APP_SECRET_KEY", seal(secrets.token_urlsafe(50))))
    writes.append(_variable("POLISE_URL", settings.BASE_URL))
    if settings.ONBOARDING_REGISTRY:
        writes.append(_variable("POLISE_REGISTRY", settings.ONBOARDING_REGISTRY))
    return StepOutcome(
        detail=_("Deploy token %(prefix)s… and the workflow's secrets, sealed for GitHub.")
        % {"prefix": token.prefix},
        result={"deploy_token": token.prefix},
        writes=writes,
    )


def _run_webhook(step: Step, onboarding: Onboarding, request: OnboardingRequest) -> StepOutcome:
    url = settings.ONBOARDING_WEBHOOK_URL
    return StepOutcome(
        detail=_("Webhook to %(url)s with its own secret.") % {"url": url},
        writes=[
            PlannedWrite(
                "hook",
                Write.Kind.ENSURE_WEBHOOK,
                {"url": url, "events": WEBHOOK_EVENTS, "secret": secrets.token_urlsafe(32)},
            )
        ],
    )


def _default_branch(onboarding: Onboarding) -> str:
    repo_step = Step.objects.get(onboarding=onboarding, name=Step.Name.REPO)
    return str(repo_step.result.get("done", {}).get("repo", {}).get("default_branch", "main"))


def _run_protection(step: Step, onboarding: Onboarding, request: OnboardingRequest) -> StepOutcome:
    branch = _default_branch(onboarding)
    checks = list(settings.ONBOARDING_REQUIRED_CHECKS)
    return StepOutcome(
        detail=_("%(branch)s requires %(checks)s; no force pushes, no deletion.")
        % {"branch": branch, "checks": ", ".join(checks)},
        writes=[
            PlannedWrite(
                branch, Write.Kind.PROTECT_BRANCH, {"branch": branch, "required_checks": checks}
            )
        ],
    )


def _run_vulnerability_reporting(
    step: Step, onboarding: Onboarding, request: OnboardingRequest
) -> StepOutcome:
    return StepOutcome(
        detail=_("Private vulnerability reporting on."),
        writes=[PlannedWrite("pvr", Write.Kind.ENABLE_VULNERABILITY_REPORTING, {})],
    )


def _deliver(
    onboarding: Onboarding,
    request: OnboardingRequest,
    *,
    secret_name: str,
    docker_prefix: str,
    value: str,
    what: str,
) -> tuple[str, list[PlannedWrite]]:
    """Hand `value` over as the request says; (where it went, writes to make)."""
    if request.delivery == "docker":
        name = delivery.docker_secret_ensure(
            docker_url=settings.DOCKER_URL,
            prefix=docker_prefix,
            value=value,
            app=onboarding.app.slug,
            what=what,
        )
        return _("Swarm secret %(name)s") % {"name": name}, []
    seal = _sealer(onboarding.app.repo)
    return (
        _("Actions secret %(name)s") % {"name": secret_name},
        [_secret(secret_name, seal(value))],
    )


def _run_database(step: Step, onboarding: Onboarding, request: OnboardingRequest) -> StepOutcome:
    engine = step.name
    url = {
        "postgresql": settings.PROVISION_POSTGRES_URL,
        "mysql": settings.PROVISION_MYSQL_URL,
    }[engine]
    if not url:
        variable = "POLISE_PROVISION_POSTGRES_URL" if engine == "postgresql" else (
            "POLISE_PROVISION_MYSQL_URL"
        )  # fmt: skip
        raise StepFailed(_("%(variable)s is not set: Polise has no admin account there.")
                         % {"variable": variable})  # fmt: skip
    name = request.database_name
    # Recorded before the server is touched, so that a database made by this step is known
    # to be Polise's even if the step stops right after.
    try:
        with transaction.atomic():
            record, _created = ProvisionedDatabase.objects.get_or_create(
                engine=engine, name=name, defaults={"app": onboarding.app, "user": name}
            )
    except IntegrityError as exc:  # pragma: no cover - a race with another onboarding
        raise StepFailed(str(exc)) from exc
    if record.app_id != onboarding.app_id:
        raise StepFailed(
            _("Polise made the %(engine)s database %(name)s for another app; choose another name.")
            % {"engine": engine, "name": name}
        )
    password = secrets.token_urlsafe(32)
    target = databases.Target(engine, name, name, onboarding.app.slug)
    ensured = databases.ensure(
        url, target, password=password, mysql_user_host=settings.PROVISION_MYSQL_USER_HOST
    )
    # The template's workflow reads DATABASE_PASSWORD for its one database.
    first = not request.databases or request.databases[0] == engine
    secret_name = "DATABASE_PASSWORD" if first else f"{engine.upper()}_DATABASE_PASSWORD"
    where, writes = _deliver(
        onboarding,
        request,
        secret_name=secret_name,
        docker_prefix=f"{request.name}_{'database' if first else engine}_password",
        value=password,
        what=engine,
    )
    ProvisionedDatabase.objects.filter(pk=record.pk).update(delivered_as=where)
    made = _("created") if ensured.created_database else _("already there, password renewed")
    return StepOutcome(
        detail=_("Database %(name)s and its user: %(made)s; password in %(where)s.")
        % {"name": name, "made": made, "where": where},
        result={"database": name, "user": name, "delivered_as": where},
        writes=writes,
    )


def storage_config() -> objectstore.StorageConfig:
    if not (
        settings.MINIO_ENDPOINT_URL and settings.MINIO_ACCESS_KEY and settings.MINIO_SECRET_KEY
    ):
        raise StepFailed(_("POLISE_MINIO_ENDPOINT_URL and its keys are not set."))
    return objectstore.StorageConfig(
        endpoint_url=settings.MINIO_ENDPOINT_URL,
        access_key=settings.MINIO_ACCESS_KEY,
        secret_key=settings.MINIO_SECRET_KEY,
        region=settings.MINIO_REGION,
        admin_url=settings.MINIO_ADMIN_URL,
    )


def _run_bucket(step: Step, onboarding: Onboarding, request: OnboardingRequest) -> StepOutcome:
    config = storage_config()
    bucket = request.bucket_name
    created = objectstore.bucket_ensure(
        config, bucket=bucket, app=onboarding.app.slug, adopt_untagged=step.attempts > 1
    )
    secret_key = secrets.token_urlsafe(32)
    objectstore.access_key_ensure(
        config, bucket=bucket, access_key=request.name, secret_key=secret_key
    )
    where, writes = _deliver(
        onboarding,
        request,
        secret_name="S3_SECRET_KEY",  # noqa: S106 - the secret's name
        docker_prefix=f"{request.name}_s3_secret_key",
        value=secret_key,
        what="s3",
    )
    if request.delivery == "actions":
        writes += [
            _variable("S3_ENDPOINT_URL", config.endpoint_url),
            _variable("S3_BUCKET", bucket),
            _variable("S3_ACCESS_KEY", request.name),
        ]
    return StepOutcome(
        detail=_("Bucket %(bucket)s (%(made)s) and access key %(key)s for it alone; secret in "
                 "%(where)s.")
        % {"bucket": bucket, "made": _("created") if created else _("already there"),
           "key": request.name, "where": where},
        result={"bucket": bucket, "access_key": request.name, "delivered_as": where},
        writes=writes,
    )  # fmt: skip


RUNNERS: dict[str, Runner] = {
    Step.Name.REPO: _run_repo,
    Step.Name.COLLABORATORS: _run_collaborators,
    Step.Name.ACTIONS: _run_actions,
    Step.Name.WEBHOOK: _run_webhook,
    Step.Name.PROTECTION: _run_protection,
    Step.Name.VULNERABILITY_REPORTING: _run_vulnerability_reporting,
    Step.Name.POSTGRESQL: _run_database,
    Step.Name.MYSQL: _run_database,
    Step.Name.BUCKET: _run_bucket,
}


# --- dropping a database ------------------------------------------------------------------------


def database_drop(*, database: ProvisionedDatabase, confirm: str) -> None:
    """Drop an app's database and user: only one Polise made, only when `confirm` repeats its
    name, and only if the server still carries Polise's marker for that app."""
    if database.dropped_at is not None:
        return
    if confirm.strip() != database.name:
        raise OnboardingInvalid(
            {"confirm": _("Type the database's name, %(name)s, to drop it.") % {"name": database.name}}
        )  # fmt: skip
    url = (
        settings.PROVISION_POSTGRES_URL
        if database.engine == ProvisionedDatabase.Engine.POSTGRESQL
        else settings.PROVISION_MYSQL_URL
    )
    if not url:
        raise OnboardingInvalid({"confirm": _("Polise has no admin account on that server.")})
    databases.drop(
        url,
        databases.Target(database.engine, database.name, database.user, database.app.slug),
        mysql_user_host=settings.PROVISION_MYSQL_USER_HOST,
    )
    ProvisionedDatabase.objects.filter(pk=database.pk).update(dropped_at=timezone.now())


def invitation_mark_accepted(*, repo: str, login: str) -> bool:
    """Record that `login` accepted the invitation to `repo` (GitHub's `member` event)."""
    with transaction.atomic():
        step = (
            Step.objects.select_for_update()
            .filter(onboarding__app__repo__iexact=repo, name=Step.Name.COLLABORATORS)
            .first()
        )
        invited = step.result.get("done", {}) if step is not None else {}
        match = next((name for name in invited if name.lower() == login.lower()), None)
        if step is None or match is None:
            return False
        accepted = sorted(set(step.result.get("accepted", [])) | {match})
        Step.objects.filter(pk=step.pk).update(result={**step.result, "accepted": accepted})
    return True


def invitations_refresh(*, onboarding: Onboarding) -> list[str]:
    """Ask GitHub which invitations are still open; the others were accepted. Returns the
    logins still pending."""
    step = Step.objects.get(onboarding=onboarding, name=Step.Name.COLLABORATORS)
    invited = [
        login
        for login, done in step.result.get("done", {}).items()
        if isinstance(done, dict) and done.get("invited")
    ]
    pending = set(forge_api.pending_invitations(onboarding.app.repo))
    with transaction.atomic():
        step = Step.objects.select_for_update().get(pk=step.pk)
        accepted = sorted(
            set(step.result.get("accepted", [])) | {i for i in invited if i not in pending}
        )
        Step.objects.filter(pk=step.pk).update(result={**step.result, "accepted": accepted})
    return sorted(pending)


@task(queue_name="default")
def invitations_refresh_job(onboarding_id: int) -> str:
    pending = invitations_refresh(
        onboarding=Onboarding.objects.select_related("app").get(pk=onboarding_id)
    )
    return f"pending: {', '.join(pending) or 'none'}"


# --- catalog-as-code ----------------------------------------------------------------------------

MANIFEST_MAX_BYTES = 256 * 1024


@retrying_task(queue_name="default", max_attempts=8, base_delay=10.0, max_delay=900.0)
def catalog_manifest_sync(app_id: int, *, ref: str, sha: str, branch: str) -> str:
    """Read polise.yaml at the pushed head from the app's mirror and apply it; a file that
    cannot be used opens one issue per commit (the outbox's key) and changes nothing."""
    app = App.objects.filter(pk=app_id).first()
    if app is None:
        return "the app no longer exists"
    mirrors.mirror_fetch(repo=app.repo, want=(ref, sha), default_branch=branch)
    with mirrors.blobs(repo=app.repo) as reader:
        blob = reader.read(f"{sha}:{MANIFEST_PATH}", max_bytes=MANIFEST_MAX_BYTES)
    if blob is None:
        text = ""  # no polise.yaml at this commit: refused below as missing
    elif blob.data is None:
        text = "{}"  # larger than any real polise.yaml: refused below with the schema's words
    else:
        text = blob.data.decode("utf-8", errors="replace")
    outcome = app_apply_manifest(app=app, text=text, commit=sha)
    if outcome.applied:
        return f"{MANIFEST_PATH} applied: {', '.join(outcome.changed) or 'no change'}"
    problems = "\n".join(f"- {p}" for p in outcome.problems)
    outbox.write_enqueue(
        # One issue per broken commit, however often the push is delivered or read.
        key=f"catalog-manifest:{app.repo.lower()}:{sha}",
        kind=Write.Kind.CREATE_ISSUE,
        repo=app.repo,
        payload={
            "title": f"{MANIFEST_PATH} at {sha[:7]} cannot be used by Polise",
            "body": (
                f"Polise read `{MANIFEST_PATH}` at {sha} and left the catalog entry of "
                f"**{app.name}** as it was, because:\n\n{problems}\n\n"
                "Fix the file and push again; Polise reads it on every push to the default "
                "branch that changes it."
            ),
            "labels": [],
        },
    )
    return f"{MANIFEST_PATH} refused: {len(outcome.problems)} problem(s)"
