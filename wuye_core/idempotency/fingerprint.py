"""What makes two requests "the same request" for an Idempotency-Key: a sha256 of the method,
the path with its query string, the media type and the body.

The body is the raw bytes (read once and cached by Werkzeug: the view's JSON or form parsing
reads the cached copy), except for multipart/form-data: a client that sends the same upload
again builds a new body with a new random boundary, so there the fields and files count, in
their order — each field's name and value, each file's field name, file name, media type and a
sha256 of its content. The uploaded files are read through and rewound for the view.
"""

from __future__ import annotations

import hashlib

from flask import request

_CHUNK = 64 * 1024


def _part(digest, *values: bytes) -> None:
    for value in values:
        digest.update(len(value).to_bytes(8, "big"))  # length-prefixed: no two sequences collide
        digest.update(value)


def request_fingerprint() -> str:
    digest = hashlib.sha256()
    _part(digest, request.method.encode(), request.path.encode(), request.query_string,
          request.mimetype.encode())
    if request.mimetype == "multipart/form-data":
        for name, value in request.form.items(multi=True):
            _part(digest, b"field", name.encode(), value.encode())
        for name, upload in request.files.items(multi=True):
            _part(digest, b"file", name.encode(), (upload.filename or "").encode(), upload.mimetype.encode(),
                  _content_digest(upload.stream))
    else:
        _part(digest, request.get_data(cache=True))
    return digest.hexdigest()


def _content_digest(stream) -> bytes:
    start = stream.tell()
    content = hashlib.sha256()
    try:
        while chunk := stream.read(_CHUNK):
            content.update(chunk)
    finally:
        stream.seek(start)
    return content.digest()
