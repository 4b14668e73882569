"""Checking an upload before it is stored: its size, counted; its type, sniffed from its bytes.

The client's filename and content type are claims. The type we store and serve is the one
the file's first bytes show, so a script renamed to photo.jpg is refused rather than served.
"""

from __future__ import annotations

import unicodedata
import zipfile
from collections.abc import Callable, Collection
from typing import BinaryIO

from ..i18n import N_
from .base import CHUNK_SIZE

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_ALLOWED_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP = "application/zip"
# Documents published to residents (disclosures/): scans and photos, PDFs, Excel and Word files.
DOCUMENT_TYPES = frozenset({"image/jpeg", "image/png", "application/pdf", XLSX, DOCX})
MAX_FILENAME_LENGTH = 200  # ticket_attachments.filename is String(200)

# Names some clients send for the same types.
_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png"}
# Declared types that say nothing: browsers and mini-programs send them for unknown extensions.
_UNDECLARED = {"", "application/octet-stream", "binary/octet-stream"}
# What clients declare for an Office file: a ZIP, the old formats' names, WPS's own.
_OFFICE_DECLARED = {
    XLSX: {XLSX, ZIP, "application/x-zip-compressed", "application/vnd.ms-excel", "application/wps-office.xlsx"},
    DOCX: {DOCX, ZIP, "application/x-zip-compressed", "application/msword", "application/wps-office.docx"},
}
_HEADER_BYTES = 12  # the longest signature below (RIFF....WEBP)


class UploadRejected(Exception):
    """An upload refused before storing it. `reason` is an English msgid (translate on the way
    out), e.g. `errors.invalid(exc.field, exc.reason, location="files")`."""

    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


def sniff(header: bytes) -> str | None:
    """The content type that the first bytes of a file show, or None."""
    if header.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if header.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if header.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if header[:4] == b"RIFF" and header[8:12] == b"WEBP":
        return "image/webp"
    if header.startswith(b"%PDF-"):
        return "application/pdf"
    if header.startswith(b"PK\x03\x04"):
        return ZIP  # an Office file is a ZIP: office_type() looks inside
    return None


def office_type(stream: BinaryIO) -> str | None:
    """XLSX or DOCX when the ZIP at `stream` is an Office Open XML workbook or document (its
    directory names the part; nothing is unpacked), else None. The stream is put back."""
    start = stream.tell()
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None
    finally:
        stream.seek(start)
    if "[Content_Types].xml" not in names:
        return None
    if "xl/workbook.xml" in names:
        return XLSX
    if "word/document.xml" in names:
        return DOCX
    return None


def _normalize(content_type: str | None) -> str:
    base = (content_type or "").split(";", 1)[0].strip().lower()
    return _ALIASES.get(base, base)


def check_upload(
    filename: str | None,
    content_type: str | None,
    stream: BinaryIO,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allowed_types: Collection[str] = DEFAULT_ALLOWED_TYPES,
    *,
    field: str = "file",
    sniffer: Callable[[bytes], str | None] = sniff,
) -> tuple[str, int]:
    """Return (sniffed content type, size) of an acceptable upload, or raise UploadRejected.

    Reads at most max_bytes + 1 bytes, so an oversized file is refused without reading it
    all. `stream` must be seekable: it is put back where it was, ready for Storage.put().
    `sniffer` (the first 12 bytes → a type or None) lets a caller recognise more types."""
    if not filename or not filename.strip():
        raise UploadRejected(field, N_("No file was selected."))
    start = stream.tell()
    header = b""
    size = 0
    try:
        while size <= max_bytes:
            chunk = stream.read(min(CHUNK_SIZE, max_bytes + 1 - size))
            if not chunk:
                break
            if len(header) < _HEADER_BYTES:
                header += chunk[: _HEADER_BYTES - len(header)]
            size += len(chunk)
    finally:
        stream.seek(start)
    if size > max_bytes:
        raise UploadRejected(field, N_("The file is too large."))
    if size == 0:
        raise UploadRejected(field, N_("The file is empty."))
    sniffed = sniffer(header)
    if sniffed == ZIP and ZIP not in allowed_types and any(t in allowed_types for t in _OFFICE_DECLARED):
        sniffed = office_type(stream)
    if sniffed is None or sniffed not in allowed_types:
        raise UploadRejected(field, N_("This file type is not allowed."))
    declared = _normalize(content_type)
    if sniffed in _OFFICE_DECLARED and declared in _OFFICE_DECLARED[sniffed]:
        declared = sniffed
    if declared not in _UNDECLARED and declared != sniffed:
        raise UploadRejected(field, N_("The file's content does not match its declared type."))
    return sniffed, size


def clean_filename(filename: str) -> str:
    """The client's filename made fit for display and the filename column (never for a path):
    no directories (`C:\\fakepath\\a.jpg` → `a.jpg`), no control characters, at most 200 characters
    keeping the extension."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        ext = f".{ext}" if dot and len(ext) <= 10 else ""
        name = (stem if ext else name)[: MAX_FILENAME_LENGTH - len(ext)] + ext
    return name or "file"
