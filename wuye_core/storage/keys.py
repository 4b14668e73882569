"""Storage keys: generated here, never taken from a client's filename.

A key is `t{tenant_id}/{kind}/{yyyy}/{mm}/{uuid4hex}`. The tenant prefix means a key names its
tenant; together with the database row check (the row holding the key is tenant-scoped) a
tenant cannot reach another tenant's file by guessing a key.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

# One path segment: no dot first, so a key is never `.`/`..` and never collides with the
# hidden temporary files LocalStorage writes next to it.
_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
_KIND = re.compile(r"[a-z0-9_-]{1,40}")
MAX_KEY_LENGTH = 300  # the storage_key columns are String(300)


class InvalidKey(ValueError):
    """A key that is not one of ours: empty, absolute, with `..`, backslashes or odd characters."""


def new_key(tenant_id: int, kind: str, *, now: datetime | None = None) -> str:
    """A fresh key for one object of `tenant_id`; `kind` groups objects ("ticket-photo")."""
    if isinstance(tenant_id, bool) or not isinstance(tenant_id, int) or tenant_id < 1:
        raise ValueError(f"tenant_id must be a positive integer, not {tenant_id!r}")
    if not _KIND.fullmatch(kind or ""):
        raise ValueError(f"kind must match {_KIND.pattern}, not {kind!r}")
    now = now or datetime.now(UTC)
    return f"t{tenant_id}/{kind}/{now:%Y}/{now:%m}/{uuid.uuid4().hex}"


def check_key(key: str) -> str:
    """Return `key` if it is safe as a relative path under any root, else raise InvalidKey.

    Keys are ours, so this is a whitelist rather than a hunt for every trick (`..`, `/abs`,
    `C:\\`, NUL, %-encoding): anything unexpected is refused."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"invalid storage key: {key!r}")
    if not all(_SEGMENT.fullmatch(segment) for segment in key.split("/")):
        raise InvalidKey(f"invalid storage key: {key!r}")
    return key


def key_belongs_to(key: str, tenant_id: int) -> bool:
    """Whether `key` was made by new_key() for `tenant_id` (a second check besides the row's tenant)."""
    return isinstance(key, str) and key.startswith(f"t{tenant_id}/")
