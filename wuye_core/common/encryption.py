"""Encrypted columns (e.g. ID-card numbers) with key rotation.

Keys come from WUYE_ENCRYPTION_KEYS, newest first: the first key encrypts, every key
decrypts. To rotate: put a new key in front, run `wuye keys rotate` (re-encrypts), then drop
the old key. In development, with no keys configured, a key is derived from the secret key.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

_fernet: MultiFernet | None = None


def configure_encryption(keys: str | None, secret_key: str) -> None:
    global _fernet
    if keys:
        fernets = [Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()]
    else:
        derived = base64.urlsafe_b64encode(hashlib.sha256(("wuye-fields:" + secret_key).encode()).digest())
        fernets = [Fernet(derived)]
    _fernet = MultiFernet(fernets)


def _cipher() -> MultiFernet:
    if _fernet is None:
        raise RuntimeError("encryption is not configured (create_app does it)")
    return _fernet


def encrypt(plain: str) -> str:
    return _cipher().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # wrong or dropped key: say so instead of returning garbage
        raise RuntimeError("cannot decrypt a stored value: is its key still in WUYE_ENCRYPTION_KEYS?") from exc


def rotate(token: str) -> str:
    return _cipher().rotate(token.encode()).decode()


class EncryptedString(TypeDecorator):
    """A string stored as Fernet ciphertext; the database never sees the plain text."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)
