"""Attachment checks: the type comes from the bytes, never from the name or the browser."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 5

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


def check_uploads(uploads: list[UploadedFile]) -> list[CheckedUpload]:
    if len(uploads) > MAX_FILES:
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
