"""What signing in leaves behind: the one-time codes (hashed), the tenant's privacy notices
(versioned, kept) and each resident's consent to one of them (kept). The account itself is
auth/models.ResidentAccount, next to the staff's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, SmallInteger, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from ..common.types import UTCDateTime
from ..extensions import db
from ..tenancy import TenantScoped, tenant_fk


class SignInCode(TenantScoped, db.Model):
    """A one-time code for a phone: kept as an HMAC, never as the code; single use, short-lived,
    burnt after a few wrong tries. A new code for the phone ends the ones before it."""

    __tablename__ = "resident_sign_in_codes"
    __extra_table_args__ = (Index(None, "tenant_id", "phone", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))  # digits (phones.py)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # used, replaced or burnt
    failed_attempts: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    channel: Mapped[str] = mapped_column(String(10))  # "sms" | "log" | "support"
    issued_by: Mapped[str | None] = mapped_column(String(100))  # the support desk's operator, a command


class PrivacyNotice(TenantScoped, db.Model):
    """A version of the tenant's privacy notice (个人信息处理规则, PIPL art. 17): what a resident
    agrees to at the first sign-in, and again when a newer version is published. Kept, never changed."""

    __tablename__ = "privacy_notices"
    __extra_table_args__ = (UniqueConstraint("tenant_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())  # published
    published_by: Mapped[str | None] = mapped_column(String(100))


class ResidentConsent(TenantScoped, db.Model):
    """A resident agreed to a version of the privacy notice (when, from where). Kept, never changed."""

    __tablename__ = "resident_consents"
    __extra_table_args__ = (tenant_fk("account_id", "resident_accounts"), Index(None, "tenant_id", "account_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    address: Mapped[str | None] = mapped_column(String(64))
