"""What a notice leaves behind: the notice (its audience as a rule, never rewritten once
published: only its withdrawal is added), the households chosen for it, each household's read
receipt per resident account (kept), and its text messages, one row per phone."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from ..common.types import UTCDateTime
from ..extensions import db
from ..tenancy import TenantScoped, tenant_fk

BODY_LENGTH = 5000


class Audience(enum.StrEnum):
    community = "community"  # 全社区
    site = "site"  # 一个小区
    building = "building"  # 一栋楼
    households = "households"  # 指定住户


class NoticeKind(enum.StrEnum):
    ordinary = "ordinary"  # 普通
    urgent = "urgent"  # 紧急: also texted


class Category(enum.StrEnum):
    water = "water"  # 停水
    power = "power"  # 停电
    weather = "weather"  # 极端天气
    other = "other"  # 其他


class TextState(enum.StrEnum):
    sending = "sending"  # claimed; a job that died here leaves it (never sent twice)
    sent = "sent"  # an SMS provider plugin took it
    logged = "logged"  # no provider: written to the log


class Notice(TenantScoped, db.Model):
    __tablename__ = "notices"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        Index(None, "tenant_id", "community_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    audience: Mapped[str] = mapped_column(String(20))  # Audience
    site_id: Mapped[int | None] = mapped_column(Integer)  # audience "site"
    building_id: Mapped[int | None] = mapped_column(Integer)  # audience "building"
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)  # plain text
    kind: Mapped[str] = mapped_column(String(20))  # NoticeKind
    category: Mapped[str | None] = mapped_column(String(20))  # Category
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    published_by: Mapped[str | None] = mapped_column(String(64))
    replaces_id: Mapped[int | None] = mapped_column(Integer)  # the notice this one corrects
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    withdrawn_reason: Mapped[str | None] = mapped_column(String(500))
    texts_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # urgent: the texting job ended


class NoticeHousehold(TenantScoped, db.Model):
    """A household chosen for a notice of audience "households". Kept, never changed."""

    __tablename__ = "notice_households"
    __extra_table_args__ = (
        tenant_fk("notice_id", "notices"),
        tenant_fk("household_id", "households"),
        UniqueConstraint("tenant_id", "notice_id", "household_id"),
        Index(None, "tenant_id", "household_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(Integer)
    household_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class NoticeRead(TenantScoped, db.Model):
    """A resident account opened the notice for one of its households: once per household and
    account, kept."""

    __tablename__ = "notice_reads"
    __extra_table_args__ = (
        tenant_fk("notice_id", "notices"),
        tenant_fk("household_id", "households"),
        tenant_fk("account_id", "resident_accounts"),
        UniqueConstraint("tenant_id", "notice_id", "household_id", "account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(Integer)
    household_id: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class NoticeText(TenantScoped, db.Model):
    """An urgent notice's text message to one phone: claimed (committed) before it is sent, so a
    retried job never texts a phone twice."""

    __tablename__ = "notice_texts"
    __extra_table_args__ = (
        tenant_fk("notice_id", "notices"),
        UniqueConstraint("tenant_id", "notice_id", "phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(Integer)
    phone: Mapped[str] = mapped_column(String(20))  # digits (resident_access/phones.py)
    state: Mapped[str] = mapped_column(String(10))  # TextState
    via: Mapped[str | None] = mapped_column(String(64))  # the SMS provider plugin
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
