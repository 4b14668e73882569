"""HMAC-SHA256 signatures of a message, as hex: what a provider's webhook carries (API 1.13,
`sign` / `verify_signature` in the plugins' facade), so providers' plugins and their tests share
one definition instead of each writing its own comparison."""

from __future__ import annotations

import hashlib
import hmac
import re

_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


def _key(secret: str | bytes) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)


def sign(secret: str | bytes, message: bytes) -> str:
    """The HMAC-SHA256 of `message` under `secret`, as 64 lower-case hex digits."""
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def verify_signature(secret: str | bytes | None, message: bytes, signature: str | None) -> bool:
    """Whether `signature` is `sign(secret, message)` (hex, either case), compared in constant
    time. False for an empty or missing secret (a key anyone knows signs nothing), and for an
    empty, missing or malformed signature."""
    if not secret or not isinstance(signature, str) or not _HEX.match(signature.strip()):
        return False
    return hmac.compare_digest(sign(secret, message), signature.strip().lower())
