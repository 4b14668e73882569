"""A stored file's way in and out at the HTTP edges, one for every feature that keeps uploads
(tickets/files.py, disclosures/files.py): an upload checked (its size; its type sniffed from its
bytes, never taken from the client) and put in the configured storage under a fresh key; a
stored file answered as a download. Who may do either, and the row that holds the key, are the
feature's."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from flask import current_app, request, send_file
from flask_smorest import abort

from ..errors import invalid
from ..i18n import N_
from .keys import new_key
from .uploads import DEFAULT_ALLOWED_TYPES, UploadRejected, check_upload, clean_filename

# Shown in the browser; anything else (a PDF, an Office file) is downloaded.
_SHOWN = frozenset({"image/jpeg", "image/png", "image/webp"})


def storage():
    """The app's storage backend (app.py: WUYE_STORAGE_URL)."""
    return current_app.extensions["wuye_storage"]


@dataclass(frozen=True)
class KeptFile:
    """What a row needs of a file just stored."""

    storage_key: str
    content_type: str
    size: int
    filename: str


def checked(upload, *, allowed_types: Collection[str] = DEFAULT_ALLOWED_TYPES, field: str = "file") -> tuple[str, int]:
    """(content type, size) of an acceptable upload; else a 422 naming `field` (in `files`)."""
    try:
        return check_upload(upload.filename, upload.mimetype, upload.stream, current_app.config["WUYE"].upload_max_bytes,
                            allowed_types, field=field)
    except UploadRejected as exc:
        invalid(exc.field, exc.reason, location="files")


def no_other_fields(expected: Collection[str] = ("file",)) -> None:
    """A multipart body with a part the endpoint does not take is refused (422 naming it), as an
    unknown field of a JSON body is (StrictSchema): marshmallow reads only the file parts."""
    for name in list(request.form) + list(request.files):
        if name not in expected:
            invalid(name, N_("Unknown field."), location="files")


def keep_upload(upload, tenant_id: int, kind: str, *, allowed_types: Collection[str] = DEFAULT_ALLOWED_TYPES,
                field: str = "file") -> KeptFile:
    """Check the upload (422 naming `field` when refused) and store it under a new key of the
    tenant. The caller writes the row and, if that fails, deletes the key (`storage().delete`)."""
    content_type, size = checked(upload, allowed_types=allowed_types, field=field)
    key = new_key(tenant_id, kind)
    storage().put(key, upload.stream, content_type, size)
    return KeptFile(key, content_type, size, clean_filename(upload.filename or "file"))


def file_response(storage_key: str, content_type: str, filename: str):
    """The stored file as a response: a photo shown, anything else downloaded under its name;
    never sniffed by the browser, never cached by a shared cache. 404 when the file is gone."""
    try:
        stream = storage().open(storage_key)
    except FileNotFoundError:
        abort(404)
    response = send_file(stream, mimetype=content_type, download_name=filename,
                         as_attachment=content_type not in _SHOWN)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=0"
    return response
