"""Where the first answer to a POST sent with an Idempotency-Key is kept.

One table per kind of caller, so tenant data never sits in a table without row-level security,
a platform operator's keys never need a tenant, and a resident's account id never meets a staff
user's id (they are counted apart):

- `idempotency_keys`: staff, tenant data (TenantScoped, RLS), unique per (tenant, user, key);
- `resident_idempotency_keys`: residents on their phones (a report sent again over a weak network
  makes no second ticket), unique per (tenant, account, key);
- `platform_idempotency_keys`: platform operators, who have no tenant; unique per (operator, key).

A row is written in the request's own transaction before the view runs (the claim) and gets the
answer just before that transaction commits; `response_status` NULL means "claimed, not answered"
(visible to others only when the view committed part of its work itself, see guard.py). The body
is stored encrypted, like every column that may hold personal data (common/encryption.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..common.encryption import EncryptedString
from ..common.types import UTCDateTime
from ..extensions import db
from ..tenancy import TenantScoped, tenant_fk

KEY_LENGTH = 255


class StoredAnswer:
    """The columns both tables share: the key, what the request was, what it was answered."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(Text)  # with the query string; kept to explain a 422
    # sha256 (hex) of method, path, content type and body (fingerprint.py)
    fingerprint: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(EncryptedString())  # base64 of the bytes, encrypted
    response_headers: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IdempotencyKey(StoredAnswer, TenantScoped, db.Model):
    """A staff user's key, in their tenant."""

    OWNER = ("tenant_id", "user_id")  # with `key`: the unique index a claim conflicts on

    __tablename__ = "idempotency_keys"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "user_id", "key"),
        Index(None, "tenant_id", "expires_at"),  # the purge
        tenant_fk("user_id", "staff_users", ondelete="CASCADE"),
    )

    user_id: Mapped[int] = mapped_column(Integer)


class ResidentIdempotencyKey(StoredAnswer, TenantScoped, db.Model):
    """A resident's key, in the tenant they signed in to."""

    OWNER = ("tenant_id", "account_id")

    __tablename__ = "resident_idempotency_keys"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "account_id", "key"),
        Index(None, "tenant_id", "expires_at"),  # the purge
        tenant_fk("account_id", "resident_accounts", ondelete="CASCADE"),
    )

    account_id: Mapped[int] = mapped_column(Integer)


class PlatformIdempotencyKey(StoredAnswer, db.Model):
    """A platform operator's key (platform data: no tenant)."""

    OWNER = ("operator_id",)

    __tablename__ = "platform_idempotency_keys"
    __table_args__ = (
        UniqueConstraint("operator_id", "key"),
        Index(None, "expires_at"),
    )

    operator_id: Mapped[int] = mapped_column(ForeignKey("platform_operators.id", ondelete="CASCADE"))
