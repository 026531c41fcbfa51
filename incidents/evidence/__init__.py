"""Evidence files: checked by what they contain, stored where no web server looks.

A file's type is decided from its first bytes, never from its name or from the Content-Type the
browser claims; then it is checked by parsing it:

- a PNG or JPEG is decoded and encoded again (`images.py`): what is stored is the picture,
  upright, with no metadata (no GPS position) and nothing that followed it in the upload;
- a PDF is parsed and every object walked for script, actions, embedded files and forms
  (`pdf.py`); a clean PDF is stored exactly as uploaded.

Every file of a report is checked before any is written. A stored file gets a random name and
owner-only permissions (`storage.py`). Two SHA-256 are recorded: `sha256` of the stored bytes
(what a download gives, so anyone can check a copy against it) and `original_sha256` of the
bytes as uploaded (for a PDF the same; for an image the file as it left the reporter's device).
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from incidents.evidence.images import MAX_IMAGE_PIXELS, ImageRefused, reencode
from incidents.evidence.pdf import pdf_refusal
from incidents.evidence.storage import (
    StoredFile,
    discard,
    evidence_sweep,
    removed_unless_committed,
    store,
)

__all__ = [
    "MAX_IMAGE_PIXELS",
    "CheckedFile",
    "EvidenceRefused",
    "LimitedUploadHandler",
    "Refusal",
    "StoredFile",
    "check_all",
    "check_one",
    "clean_name",
    "discard",
    "evidence_sweep",
    "removed_unless_committed",
    "store",
]

MAX_FILES = 10
MAX_FILE_SIZE = 10 * 1024 * 1024
ACCEPTED = "PNG, JPEG or PDF"
# Magic numbers: the first bytes that say what a file is.
SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
    (b"%PDF-", "application/pdf", "PDF"),
]


@dataclass(frozen=True)
class Refusal:
    name: str
    reason: str

    def __str__(self) -> str:
        return f"“{self.name}” was not accepted: {self.reason}"


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed: `data` is what will be stored (for an image, the picture encoded
    again), `original_sha256` and `original_size` describe the upload as it arrived."""

    name: str
    content_type: str
    data: bytes
    original_sha256: str
    original_size: int

    @property
    def size(self) -> int:
        return len(self.data)


class EvidenceRefused(ValidationError):
    """One or more files were refused; nothing of the report was saved."""

    def __init__(self, refusals: list[Refusal]) -> None:
        self.refusals = refusals
        super().__init__([str(refusal) for refusal in refusals])


def clean_name(name: str) -> str:
    """The name a reporter gave the file, without any path and safe to show and to send back."""
    name = Path(name.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>\r\n')
    return name.strip()[:200] or "unnamed file"


def _head(upload: UploadedFile, size: int = 16) -> bytes:
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def _describe(head: bytes) -> str:
    """A plain-words guess at what a refused file really is, for the message."""
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")):
        return "its content is a web page (HTML)"
    if text.startswith((b"<?xml", b"<svg")):
        return "its content is XML or SVG"
    if head.startswith(b"PK\x03\x04"):
        return "its content is a ZIP archive or an Office document"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "its content is a GIF image"
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF"):
        return "its content is a program"
    return "its content is not one"


def check_one(upload: UploadedFile) -> CheckedFile | Refusal:
    """Check one upload by its content; a kept image comes back encoded again.

    The report form and report_submit both check the same upload object; the result is kept on
    it so a large photo is decoded and encoded once per request, not twice.
    """
    cached = getattr(upload, "_evidence_check", None)
    if cached is not None:
        return cached
    result = _check(upload)
    upload._evidence_check = result  # type: ignore[attr-defined]
    return result


def _check(upload: UploadedFile) -> CheckedFile | Refusal:
    name = clean_name(upload.name or "")
    size = upload.size or 0
    if size == 0:
        return Refusal(name, "the file is empty.")
    if size > MAX_FILE_SIZE:
        return Refusal(name, f"it is {size / 1024 / 1024:.1f} MB; the limit is 10 MB a file.")
    head = _head(upload)
    for signature, content_type, label in SIGNATURES:
        if head.startswith(signature):
            upload.seek(0)
            original = upload.read()
            upload.seek(0)
            if label == "PDF":
                reason = pdf_refusal(original)
                if reason:
                    return Refusal(name, reason)
                kept = original
            else:
                try:
                    kept = reencode(original, label)
                except ImageRefused as refused:
                    return Refusal(name, str(refused))
            return CheckedFile(
                name=name,
                content_type=content_type,
                data=kept,
                original_sha256=hashlib.sha256(original).hexdigest(),
                original_size=len(original),
            )
    return Refusal(
        name,
        f"only {ACCEPTED} files are kept, and {_describe(_head(upload, 64))}, "
        "whatever its name says.",
    )


def check_all(uploads: list[UploadedFile], *, accepts_evidence: bool = True) -> list[CheckedFile]:
    """Check every file, or raise EvidenceRefused naming each refused file and why."""
    if uploads and not accepts_evidence:
        raise EvidenceRefused(
            [
                Refusal(
                    clean_name(u.name or ""),
                    "nothing may be attached to a report of indecent images of children.",
                )
                for u in uploads
            ]
        )
    if len(uploads) > MAX_FILES:
        raise EvidenceRefused(
            [Refusal(f"{len(uploads)} files", f"at most {MAX_FILES} files can be attached.")]
        )
    checked, refusals = [], []
    for upload in uploads:
        result = check_one(upload)
        (refusals if isinstance(result, Refusal) else checked).append(result)
    if refusals:
        raise EvidenceRefused(refusals)
    return checked


class LimitedUploadHandler(FileUploadHandler):
    """Stops receiving a file as soon as it passes the size limit, and remembers its name.

    Without it an oversized file would be written to a temporary file in full before the form
    could refuse it. Refused names are kept on `request.refused_uploads` for the form's message.
    """

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.received = 0
        if request is not None and not hasattr(request, "refused_uploads"):
            request.refused_uploads = []

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > MAX_FILE_SIZE:
            if self.request is not None:
                self.request.refused_uploads.append(
                    Refusal(clean_name(self.file_name or ""), "it is larger than 10 MB.")
                )
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
