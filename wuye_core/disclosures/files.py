"""A disclosure's files: an upload checked and kept (storage/files.py, as a ticket's photos are),
its row written; a file answered as a download. Documents only: PDF, Excel (.xlsx), Word (.docx),
JPEG and PNG scans, within the upload size limit; the type is sniffed from the bytes."""

from __future__ import annotations

import io

from werkzeug.datastructures import FileStorage

from ..extensions import db
from ..storage import DOCUMENT_TYPES
from ..storage.files import file_response, keep_upload, storage
from ..tenancy import require_tenant_id
from .models import DisclosureFile

KIND = "disclosure"


def add_upload(upload, actor: str | None, field: str = "file") -> DisclosureFile:
    """Check and store an upload, and add its row (not committed: the caller's unit of work; if it
    rolls back, the stored object is left without a row, unreachable). 422 naming `field`."""
    kept = keep_upload(upload, require_tenant_id(), KIND, allowed_types=DOCUMENT_TYPES, field=field)
    row = DisclosureFile(filename=kept.filename, content_type=kept.content_type, size=kept.size,
                         storage_key=kept.storage_key, uploaded_by=actor)
    db.session.add(row)
    db.session.flush()
    return row


def add_content(content: bytes, filename: str, actor: str | None) -> DisclosureFile:
    """The same for a document built in code (a plugin's statement): bytes and a file name."""
    return add_upload(FileStorage(io.BytesIO(content), filename=filename), actor)


def store_upload(upload, actor: str | None) -> DisclosureFile:
    """`add_upload`, committed at once (the upload endpoint's): no row without its file, no file
    without its row."""
    row = add_upload(upload, actor)
    key = row.storage_key
    try:
        db.session.commit()
    except Exception:
        storage().delete(key)
        raise
    return row


def download(file: DisclosureFile):
    return file_response(file.storage_key, file.content_type, file.filename)
