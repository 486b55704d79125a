"""Second factor (TOTP through django-otp): enrolment, checks and the platform team's rule
that members of some org units or groups must have one."""

from __future__ import annotations

from django.db.models import Q
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit_record
from .models import AuditEvent, MfaRequirement, User


def mfa_required(*, user: User) -> bool:
    return MfaRequirement.objects.filter(Q(unit__members=user) | Q(group__user=user)).exists()


def mfa_device(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def mfa_verify(*, user: User, token: str) -> bool:
    device = mfa_device(user=user)
    token = token.strip().replace(" ", "")
    return device is not None and token.isdigit() and device.verify_token(token)


def mfa_enrol_start(*, user: User) -> TOTPDevice:
    """An unconfirmed device whose secret the user copies into their authenticator app."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def mfa_enrol_confirm(*, user: User, token: str, request=None) -> bool:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    token = token.strip().replace(" ", "")
    if device is None or not token.isdigit() or not device.verify_token(token):
        return False
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(AuditEvent.Kind.MFA_ENROLLED, request=request, user=user)
    return True


def mfa_remove(*, user: User, actor: User | None = None, request=None) -> int:
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    if deleted:
        audit_record(
            AuditEvent.Kind.MFA_REMOVED,
            request=request,
            user=actor or user,
            target=user.get_username(),
        )
    return deleted
