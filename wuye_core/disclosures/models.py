"""A disclosure (公示): its state now on one row — what the current version says about where and
when it is shown, whether it was withdrawn — and its history in rows only ever inserted: each
published version, the files uploaded, and which files each version carries."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Enum, Index, Integer, SmallInteger, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from ..common.types import UTCDateTime
from ..extensions import db
from ..tenancy import TenantScoped, tenant_fk


class DisclosureKind(enum.StrEnum):
    income_spending = "income_spending"  # 物业费收支明细
    public_income = "public_income"  # 公共收益
    maintenance_fund = "maintenance_fund"  # 维修资金使用
    other = "other"  # 其他


class Disclosure(TenantScoped, db.Model):
    """One disclosure and where it stands: the current version's title, periods and number, and
    its withdrawal. Changed only by a correction (the new version's values) or a withdrawal."""

    __tablename__ = "disclosures"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        tenant_fk("site_id", "sites"),
        Index(None, "tenant_id", "community_id", "publish_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int | None] = mapped_column(Integer)  # None: the whole community
    kind: Mapped[DisclosureKind] = mapped_column(
        Enum(DisclosureKind, name="disclosure_kind", native_enum=False, length=20, validate_strings=True))
    version: Mapped[int] = mapped_column(Integer, default=1)  # the current version's number
    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)  # the period the document covers
    period_end: Mapped[date] = mapped_column(Date)
    publish_from: Mapped[date] = mapped_column(Date)  # 公示期, Beijing dates, both included
    publish_until: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    created_by: Mapped[str | None] = mapped_column(String(100))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by: Mapped[str | None] = mapped_column(String(100))
    withdraw_reason: Mapped[str | None] = mapped_column(String(500))


class DisclosureVersion(TenantScoped, db.Model):
    """A published version: what it said, who published it and, for a correction, why. Kept."""

    __tablename__ = "disclosure_versions"
    __extra_table_args__ = (
        tenant_fk("disclosure_id", "disclosures"),
        UniqueConstraint("tenant_id", "disclosure_id", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    publish_from: Mapped[date] = mapped_column(Date)
    publish_until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(500))  # why it corrects the version before
    published_by: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class DisclosureFile(TenantScoped, db.Model):
    """An uploaded document (its type sniffed from its bytes), in the configured storage. Kept."""

    __tablename__ = "disclosure_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))  # the client's, cleaned: for display only
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(300))
    uploaded_by: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class DisclosureVersionFile(TenantScoped, db.Model):
    """A file a version carries, in order. A correction lists its files anew (kept ones included)."""

    __tablename__ = "disclosure_version_files"
    __extra_table_args__ = (
        tenant_fk("version_id", "disclosure_versions"),
        tenant_fk("file_id", "disclosure_files"),
        UniqueConstraint("tenant_id", "version_id", "file_id"),
        Index(None, "tenant_id", "file_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(Integer)
    file_id: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
