"""Attachments: the checks (the type comes from the bytes, never from the name or the
browser), and the files kept while a report is still a draft."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from polise.accounts.models import User

from .models import PendingUpload

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 5
# A report's whole request: its files at their largest, and room for the text fields.
MAX_REQUEST_BYTES = MAX_FILES * MAX_BYTES + 1024 * 1024
ACCEPTED_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf")

# Leading bytes of the formats a screenshot or a scanned letter comes in. SVG is left out on
# purpose: it is a document that can carry script.
SIGNATURES: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
]


class AttachmentRejected(ValueError):
    pass


@dataclass(frozen=True)
class CheckedUpload:
    upload: UploadedFile
    content_type: str


def sniff(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_uploads(uploads: list[UploadedFile], *, kept: int = 0) -> list[CheckedUpload]:
    """Check new uploads; `kept` files are already attached to the draft."""
    if len(uploads) + kept > MAX_FILES:
        raise AttachmentRejected(_("Attach at most %(count)d files.") % {"count": MAX_FILES})
    checked = []
    for upload in uploads:
        name = upload.name or "?"
        if upload.size is None or upload.size > MAX_BYTES:
            raise AttachmentRejected(
                _("%(name)s is larger than %(limit)d MB.")
                % {"name": name, "limit": MAX_BYTES // (1024 * 1024)}
            )
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        content_type = sniff(head)
        if content_type is None:
            raise AttachmentRejected(
                _(
                    "%(name)s is not an image (PNG, JPEG, GIF, WebP) or a PDF, whatever its name says."
                )
                % {"name": name}
            )
        checked.append(CheckedUpload(upload, content_type))
    return checked


# --- files kept while the report is a draft ------------------------------------------------

PENDING_KEPT_FOR = timedelta(days=1)


def pending_keep(*, owner: User, uploads: list[CheckedUpload]) -> list[PendingUpload]:
    """Store checked files for a report that is not sent yet (the form came back), so the
    reporter does not pick them again; drafts abandoned for a day go first."""
    pending_prune()
    return [
        PendingUpload.objects.create(
            owner=owner,
            file=item.upload,
            content_type=item.content_type,
            size=item.upload.size or 0,
            original_name=(item.upload.name or "")[:200],
        )
        for item in uploads
    ]


def pending_of(*, owner: User, tokens: list[str]) -> list[PendingUpload]:
    """The reporter's own kept files among `tokens` (anything else is ignored)."""
    valid = []
    for token in tokens:
        try:
            valid.append(uuid.UUID(token))
        except ValueError:
            continue
    return list(PendingUpload.objects.filter(owner=owner, token__in=valid).order_by("pk"))


def pending_as_uploads(pending: list[PendingUpload]) -> list[CheckedUpload]:
    """Kept files in the form the report takes new uploads in (already checked when kept)."""
    uploads = []
    for item in pending:
        file = File(item.file.open("rb"), name=item.original_name)
        file.size = item.size
        uploads.append(CheckedUpload(file, item.content_type))  # type: ignore[arg-type]
    return uploads


def pending_discard(pending: list[PendingUpload]) -> None:
    for item in pending:
        item.file.delete(save=False)
        item.delete()


def pending_prune(*, now: datetime | None = None) -> int:
    stale = list(
        PendingUpload.objects.filter(created_at__lt=(now or timezone.now()) - PENDING_KEPT_FOR)
    )
    pending_discard(stale)
    return len(stale)
