"""Webhook intake: verify, store once, answer at once; the work happens in jobs.

Other apps subscribe with `@handles("issues")` in a `forge_handlers` module; the forge app
imports those modules at start-up, so the web process knows which events someone wants.
A delivery is processed in one transaction with its row locked: every handler's changes land
together or not at all, and a second job for the same delivery waits, then does nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from polise.core.jobs import enqueue_missing, enqueue_on_commit, retrying_task, sweeps

from .models import Delivery, HookSecret

logger = logging.getLogger(__name__)

# GitHub never sends more; anything bigger is not from GitHub.
MAX_BODY_BYTES = 25 * 1024 * 1024

Handler = Callable[[Delivery], str | None]
_handlers: dict[str, list[Handler]] = {}


def handles(event: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _handlers.setdefault(event, []).append(handler)
        return handler

    return register


def handlers_for(event: str) -> list[Handler]:
    return list(_handlers.get(event, ()))


def signature_matches(secret: str, body: bytes, header: str) -> bool:
    """X-Hub-Signature-256 is 'sha256=' + hex HMAC-SHA256 of the raw body; compared in constant time."""
    scheme, _, received = header.partition("=")
    if scheme != "sha256" or not received:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received.strip().lower())


def _secret_for(hook_id: str | None) -> str | None:
    if hook_id:
        per_repo = (
            HookSecret.objects.filter(hook_id=hook_id).values_list("secret", flat=True).first()
        )
        if per_repo:
            return per_repo
    return settings.GITHUB_WEBHOOK_SECRET


def _require(payload: dict[str, Any], path: str, kind: type | tuple[type, ...]) -> str | None:
    node: Any = payload
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return f"missing {path}"
        node = node[part]
    if not isinstance(node, kind) or (isinstance(node, bool) and kind is int):
        return f"{path} has the wrong type"
    return None


# What each event handled by Polise must carry; other events only need to be a JSON object.
SHAPES: dict[str, list[tuple[str, type | tuple[type, ...]]]] = {
    "ping": [("zen", str), ("hook_id", int)],
    "issues": [
        ("action", str),
        ("issue.number", int),
        ("issue.state", str),
        ("repository.full_name", str),
    ],
    "issue_comment": [
        ("action", str),
        ("issue.number", int),
        ("comment.id", int),
        ("comment.body", (str, type(None))),
        ("issue.state", str),
        ("repository.full_name", str),
    ],
    "push": [
        ("ref", str),
        ("before", str),
        ("after", str),
        ("commits", list),
        ("repository.full_name", str),
    ],
}


def shape_error(event: str, payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return "the payload is not a JSON object"
    for path, kind in SHAPES.get(event, []):
        if error := _require(payload, path, kind):
            return f"{event} event: {error}"
    if "action" in payload and not isinstance(payload["action"], str):
        return f"{event} event: action has the wrong type"
    return None


def _refuse(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt
@require_POST
def github_webhook(request: HttpRequest) -> JsonResponse:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _refuse(400, "Content-Length is not a number")
    if declared > MAX_BODY_BYTES:
        return _refuse(413, "payload over 25 MB")
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _refuse(413, "payload over 25 MB")

    signature = request.headers.get("X-Hub-Signature-256")
    if not signature:
        return _refuse(401, "missing X-Hub-Signature-256")
    hook_id = request.headers.get("X-GitHub-Hook-ID", "")
    secret = _secret_for(hook_id)
    if not secret:
        logger.error("webhook refused: no secret configured (POLISE_GITHUB_WEBHOOK_SECRET)")
        return _refuse(403, "no webhook secret is configured for this hook")
    if not signature_matches(secret, body, signature):
        return _refuse(403, "signature does not match")

    event = request.headers.get("X-GitHub-Event", "")
    delivery_id = request.headers.get("X-GitHub-Delivery", "")
    if not event or not delivery_id or len(delivery_id) > 64:
        return _refuse(400, "missing X-GitHub-Event or X-GitHub-Delivery")
    if request.content_type != "application/json":
        return _refuse(400, "the webhook must use content type application/json")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _refuse(400, f"malformed JSON: {exc}")
    if error := shape_error(event, payload):
        return _refuse(400, f"unexpected payload shape: {error}")

    return receive_delivery(delivery_id=delivery_id, event=event, hook_id=hook_id, payload=payload)


# Every part reads a push's commits from the repository's mirror, so a stored push keeps of each
# commit only its id and the paths it touched: a 2,048-commit push then stores about a fifth of
# its 1.3 MB and is acknowledged sooner (bench/news/RESULTS.md).
PUSH_COMMIT_KEYS = ("id", "distinct", "added", "removed", "modified")


def stored_payload(event: str, payload: dict[str, Any]) -> dict[str, Any]:
    if event != "push":
        return payload
    commits = [
        {key: commit[key] for key in PUSH_COMMIT_KEYS if key in commit}
        for commit in payload["commits"]
        if isinstance(commit, dict)
    ]
    return {**payload, "commits": commits}


def receive_delivery(
    *, delivery_id: str, event: str, hook_id: str, payload: dict[str, Any]
) -> JsonResponse:
    wanted = bool(handlers_for(event))
    if event == "ping":
        status, outcome = Delivery.Status.PROCESSED, "pong"
    elif wanted:
        status, outcome = Delivery.Status.RECEIVED, ""
    else:
        status, outcome = Delivery.Status.IGNORED, "no handler for this event"
    with transaction.atomic():
        delivery, created = Delivery.objects.get_or_create(
            delivery_id=delivery_id,
            defaults={
                "event": event,
                "action": payload.get("action") or "",
                "repo": (payload.get("repository") or {}).get("full_name", ""),
                "hook_id": hook_id,
                "payload": stored_payload(event, payload),
                "status": status,
                "outcome": outcome,
            },
        )
        if not created:
            Delivery.objects.filter(pk=delivery.pk).update(redeliveries=F("redeliveries") + 1)
            return JsonResponse({"status": "duplicate", "delivery": delivery_id}, status=200)
        if status == Delivery.Status.RECEIVED:
            enqueue_on_commit(process_delivery, delivery.pk)
    if event == "ping":
        return JsonResponse({"status": "pong", "zen": payload.get("zen", "")}, status=200)
    return JsonResponse({"status": status, "delivery": delivery_id}, status=202)


@retrying_task(queue_name="default", max_attempts=6, base_delay=5.0, max_delay=600.0)
def process_delivery(delivery_pk: int) -> str:
    try:
        with transaction.atomic():
            delivery = Delivery.objects.select_for_update().get(pk=delivery_pk)
            if delivery.status not in (Delivery.Status.RECEIVED, Delivery.Status.FAILED):
                return f"already {delivery.status}"
            outcome = "\n".join(
                f"{handler.__module__}.{handler.__name__}: {handler(delivery) or 'ok'}"
                for handler in handlers_for(delivery.event)
            )
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.PROCESSED, outcome=outcome, processed_at=timezone.now()
            )
    except Exception as exc:
        # Every handler's changes were rolled back; the retry runs them all again.
        Delivery.objects.filter(pk=delivery_pk).update(
            status=Delivery.Status.FAILED, outcome=f"{type(exc).__name__}: {exc}"
        )
        raise
    return outcome


@sweeps("webhook deliveries")
def deliveries_requeue_stuck(*, deadline: datetime) -> int:
    """Queue again the deliveries received before `deadline` and still waiting with no job
    (the web process died before it could queue one, or the worker holding it was killed)."""
    stuck = Delivery.objects.filter(status=Delivery.Status.RECEIVED, received_at__lt=deadline)
    return enqueue_missing(process_delivery, stuck.values_list("pk", flat=True))
