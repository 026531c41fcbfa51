"""Evidence files: checked by what they contain, stored where no web server looks.

A file's type is decided from its first bytes (and, for images, by Pillow decoding it), never
from its name or from the Content-Type the browser claims. Every file of a report is checked
before any is written; a stored file gets a random name, owner-only permissions and the SHA-256
of exactly the bytes written.
"""

import contextlib
import hashlib
import io
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from PIL import Image, UnidentifiedImageError

from incidents.models import evidence_root

logger = logging.getLogger(__name__)

MAX_FILES = 10
MAX_FILE_SIZE = 10 * 1024 * 1024
ACCEPTED = "PNG, JPEG or PDF"
# Magic numbers: the first bytes that say what a file is.
SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
    (b"%PDF-", "application/pdf", "PDF"),
]
# Images are decoded to prove they are images; refuse ones that would decode to a memory bomb.
MAX_IMAGE_PIXELS = 80_000_000


@dataclass(frozen=True)
class Refusal:
    name: str
    reason: str

    def __str__(self) -> str:
        return f"“{self.name}” was not accepted: {self.reason}"


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    name: str
    content_type: str
    size: int


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


def _image_is_whole(upload: UploadedFile, expected: str) -> bool:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != expected:
                return False
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                return False
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # verify() skips the pixel data; a truncated file fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False
    return True


# Markup a browser would run if it were ever persuaded to treat the file as a page.
MARKUP = (b"<script", b"<html", b"<!doctype", b"<svg", b"<iframe", b"javascript:", b"<?xml")
# PDF features that run or open something: a screenshot or a letter needs none of them.
PDF_ACTIVE = (b"/JavaScript", b"/JS", b"/Launch", b"/OpenAction", b"/AA", b"/EmbeddedFile",
              b"/RichMedia", b"/XFA", b"/SubmitForm")  # fmt: skip
# How each kept type must end: nothing may follow (a polyglot hides a second file there).
ENDINGS = {"PNG": b"IEND\xaeB`\x82", "JPEG": b"\xff\xd9"}


def _polyglot(upload: UploadedFile, label: str) -> str | None:
    """Why a file of an accepted type is refused anyway: it is also something else."""
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    lowered = data.lower()
    if label == "PDF":
        found = next((marker for marker in PDF_ACTIVE if marker in data), None)
        if found:
            return f"the PDF contains active content ({found.decode()}), which is not kept."
        if b"%%EOF" not in data[-1024:]:
            return "the PDF is incomplete or has something hidden after its end."
    elif not data.endswith(ENDINGS[label]):
        return f"something is hidden after the end of the {label} image."
    if any(marker in lowered for marker in MARKUP):
        return "it carries web-page code inside it."
    return None


def check_one(upload: UploadedFile) -> CheckedFile | Refusal:
    name = clean_name(upload.name or "")
    size = upload.size or 0
    if size == 0:
        return Refusal(name, "the file is empty.")
    if size > MAX_FILE_SIZE:
        return Refusal(name, f"it is {size / 1024 / 1024:.1f} MB; the limit is 10 MB a file.")
    head = _head(upload)
    for signature, content_type, label in SIGNATURES:
        if head.startswith(signature):
            if content_type.startswith("image/") and not _image_is_whole(upload, label):
                return Refusal(name, f"it starts like a {label} image but is damaged or not one.")
            reason = _polyglot(upload, label)
            if reason:
                return Refusal(name, reason)
            return CheckedFile(upload, name, content_type, size)
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


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    sha256: str
    size: int


def store(checked: CheckedFile) -> StoredFile:
    """Write the file under a random name, readable by the portal's user only."""
    root = evidence_root()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    stored_name = secrets.token_hex(24)
    digest = hashlib.sha256()
    size = 0
    descriptor = os.open(root / stored_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        checked.upload.seek(0)
        for chunk in checked.upload.chunks():
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return StoredFile(stored_name, digest.hexdigest(), size)


def discard(stored_names: list[str]) -> None:
    """Remove files written for a report that was then not saved."""
    for stored_name in stored_names:
        with contextlib.suppress(FileNotFoundError):
            (evidence_root() / stored_name).unlink()


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
