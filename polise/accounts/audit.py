"""The audit log: one function writes every event, so each caller records the same fields."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from .models import AuditEvent, User


def client_ip(request: HttpRequest | None) -> str | None:
    """The source address as the lockout counts it (trusting only the configured proxies)."""
    if request is None:
        return None
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or None


def audit_record(
    kind: str,
    *,
    request: HttpRequest | None = None,
    user: User | None = None,
    username: str = "",
    target: str = "",
    **detail: Any,
) -> AuditEvent:
    request_user = getattr(request, "user", None)
    if user is None and request_user is not None and request_user.is_authenticated:
        user = request_user
    return AuditEvent.objects.create(
        kind=kind,
        user=user,
        username=(user.get_username() if user is not None else username)[:150],
        ip_address=client_ip(request),
        target=target[:200],
        detail=detail,
    )


def audit_prune(*, now: Any = None) -> int:
    """Delete events older than the retention setting; returns how many went."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    deleted, _ = AuditEvent.objects.filter(at__lt=cutoff).delete()
    return deleted
