"""The JSON API that `polise deploy` and `polise rollback` call with an app's deploy token."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from polise.gitops.deploy.record import DeployReport, RecordInvalid

from . import selectors, services
from .models import DeployToken

MAX_BODY_BYTES = 256 * 1024


def _error(status: int, errors: dict[str, str]) -> JsonResponse:
    response = JsonResponse({"errors": errors}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="polise-deploy"'
    return response


def _token(request: HttpRequest) -> DeployToken | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return services.deploy_token_authenticate(plaintext=value.strip())


def _app_mismatch(token: DeployToken, app: Any) -> JsonResponse | None:
    if app not in (None, "") and app != token.app.slug:
        return _error(403, {"app": f"this token is for {token.app.slug}, not {app}"})
    return None


@csrf_exempt  # token-authenticated machine API: no cookies, so no CSRF to guard against
@never_cache
@require_POST
def records(request: HttpRequest) -> JsonResponse:
    token = _token(request)
    if token is None:
        return _error(401, {"token": "missing, unknown or revoked deploy token"})
    if len(request.body) > MAX_BODY_BYTES:
        return _error(400, {"body": f"larger than {MAX_BODY_BYTES} bytes"})
    try:
        data = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return _error(400, {"body": "is not JSON"})
    if isinstance(data, dict) and (mismatch := _app_mismatch(token, data.get("app"))):
        return mismatch
    try:
        report = DeployReport.from_json(data)
        record, created = services.deploy_record_save(token=token, report=report)
    except RecordInvalid as exc:
        return _error(400, exc.errors)
    except services.ReportConflict as exc:
        return _error(409, {"deploy_id": str(exc)})
    return JsonResponse(
        selectors.deploy_report(record=record).to_json(), status=201 if created else 200
    )


@never_cache
@require_GET
def previous(request: HttpRequest) -> JsonResponse:
    token = _token(request)
    if token is None:
        return _error(401, {"token": "missing, unknown or revoked deploy token"})
    if mismatch := _app_mismatch(token, request.GET.get("app")):
        return mismatch
    before = None
    if request.GET.get("before"):
        try:
            before = uuid.UUID(request.GET["before"])
        except ValueError:
            return _error(400, {"before": "must be a deploy id (UUID)"})
    record = selectors.previous_good_deploy(app=token.app, before=before)
    if record is None:
        return _error(404, {"app": f"no earlier good deploy of {token.app.slug} to go back to"})
    return JsonResponse(selectors.deploy_report(record=record).to_json())


@never_cache
@require_GET
def record(request: HttpRequest, deploy_id: uuid.UUID) -> JsonResponse:
    """One of the token's app's deploy records (`polise rollback --to ID`)."""
    token = _token(request)
    if token is None:
        return _error(401, {"token": "missing, unknown or revoked deploy token"})
    found = selectors.deploy_history(app=token.app).filter(deploy_id=deploy_id).first()
    if found is None:
        return _error(404, {"deploy_id": f"no deploy {deploy_id} of {token.app.slug}"})
    return JsonResponse(selectors.deploy_report(record=found).to_json())
