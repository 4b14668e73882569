"""Where ticket photos and attachments live: a local directory or an S3-compatible store.

    storage = storage_from_settings(settings)
    content_type, size = check_upload(upload.filename, upload.mimetype, upload.stream)
    key = new_key(tenant_id, "ticket-photo")
    storage.put(key, upload.stream, content_type, size)

Keys come from new_key() only; a client's filename is kept for display (clean_filename), never
used as a path.
"""

from .base import SizeMismatch, Storage
from .factory import default_upload_dir, storage_from_settings
from .keys import InvalidKey, check_key, key_belongs_to, new_key
from .local import LocalStorage
from .s3 import S3Storage
from .uploads import (
    DEFAULT_ALLOWED_TYPES,
    DEFAULT_MAX_BYTES,
    DOCUMENT_TYPES,
    UploadRejected,
    check_upload,
    clean_filename,
    sniff,
)

__all__ = [
    "DEFAULT_ALLOWED_TYPES",
    "DEFAULT_MAX_BYTES",
    "DOCUMENT_TYPES",
    "InvalidKey",
    "LocalStorage",
    "S3Storage",
    "SizeMismatch",
    "Storage",
    "UploadRejected",
    "check_key",
    "check_upload",
    "clean_filename",
    "default_upload_dir",
    "key_belongs_to",
    "new_key",
    "sniff",
    "storage_from_settings",
]
