"""Choosing the backend from `settings.storage_url` (WUYE_STORAGE_URL)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from ..config import ConfigError
from .base import Storage
from .local import LocalStorage
from .s3 import S3Storage

_S3_OPTIONS = {"endpoint", "region", "addressing_style"}


def default_upload_dir(environ=None) -> Path:
    """`uploads/` in the instance directory, next to the default SQLite database."""
    environ = os.environ if environ is None else environ
    return Path(environ.get("WUYE_INSTANCE_DIR") or Path.cwd() / "instance") / "uploads"


def storage_from_settings(settings, environ=None) -> Storage:
    """unset                         → LocalStorage(instance/uploads)
    file:///abs/path                 → LocalStorage(/abs/path)
    s3://bucket/prefix?endpoint=https://…&region=…[&addressing_style=path|virtual]
                                     → S3Storage, credentials from WUYE_STORAGE_ACCESS_KEY/_SECRET_KEY
    (Aliyun OSS wants addressing_style=virtual; MinIO usually path, boto3's default there.)"""
    url = settings.storage_url
    if not url:
        return LocalStorage(default_upload_dir(environ))
    parts = urlsplit(url)
    if parts.scheme == "file":
        path = unquote(parts.path)
        if parts.netloc not in ("", "localhost") or not Path(path).is_absolute() or parts.query:
            raise ConfigError(f"WUYE_STORAGE_URL 须为 file:///绝对路径 / must be file:///absolute/path: {url!r}")
        return LocalStorage(Path(path))
    if parts.scheme == "s3":
        if not parts.netloc or "@" in parts.netloc or ":" in parts.netloc:
            # Credentials belong in WUYE_STORAGE_ACCESS_KEY/_SECRET_KEY (secrets), not in the URL.
            raise ConfigError(f"WUYE_STORAGE_URL 须为 s3://bucket/prefix / must be s3://bucket/prefix: {url!r}")
        query = parse_qs(parts.query, keep_blank_values=True)
        unknown = set(query) - _S3_OPTIONS
        if unknown or any(len(v) != 1 for v in query.values()):
            raise ConfigError(f"WUYE_STORAGE_URL 有未知或重复的参数 / unknown or repeated options: {sorted(query)}")
        option = {name: values[0] or None for name, values in query.items()}
        return S3Storage(
            bucket=parts.netloc,
            endpoint_url=option.get("endpoint"),
            access_key=settings.storage_access_key,
            secret_key=settings.storage_secret_key,
            region=option.get("region"),
            prefix=unquote(parts.path),
            addressing_style=option.get("addressing_style") or "auto",
        )
    raise ConfigError(f"WUYE_STORAGE_URL 只支持 file:// 和 s3:// / only file:// and s3:// are supported: {url!r}")
