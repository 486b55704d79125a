"""Second factor (TOTP through django-otp): enrolment, checks, recovery codes, and the
platform team's rule that members of some org units or groups must have one."""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass

import segno
from django.db import transaction
from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit_record
from .models import AuditEvent, MfaRequirement, User

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "recovery codes"


def mfa_required(*, user: User) -> bool:
    return MfaRequirement.objects.filter(Q(unit__members=user) | Q(group__user=user)).exists()


def mfa_device(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def _digits(token: str) -> str:
    return token.strip().replace(" ", "")


def _recovery_form(token: str) -> str:
    """A recovery code as stored: typed with or without the hyphen, in either case."""
    return "".join(token.split()).replace("-", "").lower()


def mfa_verify(*, user: User, token: str) -> str | None:
    """Which factor `token` proved ("totp" or "recovery_code"), or None. A recovery code
    works once: it is gone as soon as it has been used."""
    device = mfa_device(user=user)
    if device is None:
        return None
    code = _digits(token)
    if code.isdigit():
        return "totp" if device.verify_token(code) else None
    recovery = StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME).first()
    code = _recovery_form(token)
    if recovery is not None and code.isalnum() and recovery.verify_token(code):
        return "recovery_code"
    return None


def mfa_enrol_start(*, user: User) -> TOTPDevice:
    """An unconfirmed device whose secret the user copies into their authenticator app."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@dataclass(frozen=True)
class Enrolment:
    """What the user needs to add a pending device to an authenticator app."""

    key: str  # base32, in groups of four for typing
    qr_svg: SafeString  # the otpauth:// link as a QR code, drawn on the server
    url: str


def mfa_enrolment(*, device: TOTPDevice) -> Enrolment:
    key = b32encode(device.bin_key).decode().rstrip("=")
    grouped = " ".join(key[i : i + 4] for i in range(0, len(key), 4))
    title = escape(_("QR code for your authenticator app"))
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=4, light="#fff", svgclass="qr", title=title
    )
    # An image with a name, for screen readers (segno writes only a <title>).
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{title}" ', 1)
    return Enrolment(key=grouped, qr_svg=mark_safe(svg), url=device.config_url)  # noqa: S308


def mfa_enrol_confirm(*, user: User, token: str, request=None) -> bool:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    token = _digits(token)
    if device is None or not token.isdigit() or not device.verify_token(token):
        return False
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(AuditEvent.Kind.MFA_ENROLLED, request=request, user=user)
    return True


def mfa_recovery_codes_new(*, user: User) -> list[str]:
    """A fresh set of one-time recovery codes, replacing any earlier set. The caller shows
    them once; nothing else ever displays them again."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return [f"{code[:4]}-{code[4:]}" for code in codes]


def mfa_recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_DEVICE_NAME).count()


def mfa_remove(*, user: User, actor: User | None = None, request=None) -> int:
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME).delete()
    if deleted:
        audit_record(
            AuditEvent.Kind.MFA_REMOVED,
            request=request,
            user=actor or user,
            target=user.get_username(),
        )
    return deleted
