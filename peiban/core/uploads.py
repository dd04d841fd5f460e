"""Uploaded files: what is accepted (sniffed by content, not trusted by name) and how it is served.

Uploads live under MEDIA_ROOT, which is never served as static files: every download goes through
a view that asks its access helper first and then calls `private_file_response`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 10 * 2**20

JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

PHOTOS = (JPEG, PNG, WEBP)
DOCUMENTS = (*PHOTOS, PDF, DOCX)

SUFFIXES = {
    JPEG: (".jpg", ".jpeg"),
    PNG: (".png",),
    WEBP: (".webp",),
    PDF: (".pdf",),
    DOCX: (".docx",),
}
MAGIC = {
    JPEG: b"\xff\xd8\xff",
    PNG: b"\x89PNG\r\n\x1a\n",
    WEBP: b"RIFF",
    PDF: b"%PDF",
    DOCX: b"PK\x03\x04",
}


class UploadRefused(ValueError):
    """An upload of the wrong kind or size; the message is for people."""


@dataclass(frozen=True)
class Sniffed:
    name: str
    content_type: str
    size: int


def sniff_upload(
    upload: UploadedFile, *, kinds: Iterable[str], limit: int = MAX_UPLOAD_BYTES
) -> Sniffed:
    """The upload's clean name, type and size, if its name and first bytes agree on an allowed
    type and it is not over the limit; otherwise `UploadRefused` saying what is accepted."""
    size = upload.size or 0
    if size > limit:
        raise UploadRefused(
            _("The file is %(size).1f MB; the limit is %(limit)s MB.")
            % {"size": size / 2**20, "limit": limit // 2**20}
        )
    name = (upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1][:200] or "file"
    head = upload.read(16)
    upload.seek(0)
    allowed = tuple(kinds)
    for kind in allowed:
        if name.lower().endswith(SUFFIXES[kind]) and head.startswith(MAGIC[kind]):
            if kind == WEBP and head[8:12] != b"WEBP":
                continue
            return Sniffed(name=name, content_type=kind, size=size)
    if set(allowed) <= set(PHOTOS):
        message = _("Upload photos (JPEG, PNG or WebP) only; “%(name)s” is not one.")
    else:
        message = _(
            "Attach photos (JPEG, PNG, WebP), PDF or Word files only; “%(name)s” is not one."
        )
    raise UploadRefused(message % {"name": name})


def private_file_response(file: FieldFile, *, name: str, content_type: str) -> FileResponse:
    """Serve a stored upload to someone already allowed to see it; photos and PDFs open in the
    browser, anything else downloads. The type is the sniffed one, never the stored file's name."""
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    inline = content_type in (*PHOTOS, PDF)
    response = FileResponse(
        handle, as_attachment=not inline, filename=name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
