"""Tickets, their immutable history, and their attachments."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, Index, Integer, SmallInteger, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from ..common.types import UTCDateTime
from ..extensions import db
from ..tenancy import TenantScoped, tenant_fk
from .states import Status


class Kind(enum.StrEnum):
    repair = "repair"  # 报修
    complaint = "complaint"  # 投诉
    inquiry = "inquiry"  # 咨询
    suggestion = "suggestion"  # 建议
    dispute = "dispute"  # 矛盾纠纷


class Priority(enum.StrEnum):
    normal = "normal"  # 一般
    urgent = "urgent"  # 紧急
    major = "major"  # 重大
    complex = "complex"  # 特殊复杂


class Channel(enum.StrEnum):
    window = "window"  # 一站式服务窗口
    phone = "phone"
    app = "app"
    wechat = "wechat"
    walk_in = "walk_in"
    liaison_visit = "liaison_visit"  # 三方联动专员走访
    handoff = "handoff"  # 转办: handed over by a linked tenant (handoffs/)


def _enum(cls, name):
    return Enum(cls, name=name, native_enum=False, length=20, validate_strings=True)


class Ticket(TenantScoped, db.Model):
    __tablename__ = "tickets"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        tenant_fk("site_id", "sites"),
        # KPIs read by community and creation time; queues by assignee and status.
        Index(None, "tenant_id", "community_id", "created_at"),
        Index(None, "tenant_id", "assignee_id", "status"),
        Index(None, "tenant_id", "status", "resolve_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int] = mapped_column(Integer)
    building_id: Mapped[int | None] = mapped_column(Integer)
    unit_id: Mapped[int | None] = mapped_column(Integer)
    household_id: Mapped[int | None] = mapped_column(Integer)
    location: Mapped[str | None] = mapped_column(String(200))
    reporter_resident_id: Mapped[int | None] = mapped_column(Integer)
    reporter_name: Mapped[str | None] = mapped_column(String(50))
    reporter_phone: Mapped[str | None] = mapped_column(String(20))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "ticket_channel"))
    kind: Mapped[Kind] = mapped_column(_enum(Kind, "ticket_kind"))
    category: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[Priority] = mapped_column(_enum(Priority, "ticket_priority"))
    status: Mapped[Status] = mapped_column(_enum(Status, "ticket_status"), default=Status.submitted)
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    team: Mapped[str | None] = mapped_column(String(50))
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    on_site_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)
    # SLA deadlines, computed when the ticket is created or its priority changes
    arrive_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolve_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sla_policy: Mapped[str | None] = mapped_column(String(40))  # who set the deadlines: "core" or a plugin
    arrive_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolve_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the live hand-off this ticket is part of (either side: handoffs/), carried in its events
    handoff_id: Mapped[int | None] = mapped_column(Integer)


class TicketTransition(TenantScoped, db.Model):
    """One step of a ticket's history. Rows are only ever inserted."""

    __tablename__ = "ticket_transitions"
    __extra_table_args__ = (
        tenant_fk("ticket_id", "tickets"),
        Index(None, "tenant_id", "ticket_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(500))
    rating: Mapped[int | None] = mapped_column(SmallInteger)  # "rate" and "correct_rating": the rating given
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class TicketRating(TenantScoped, db.Model):
    """Every rating of a ticket and every correction of one, oldest first. Rows are only ever
    inserted (append-only in the database, like the history). `resolution`: which resolution of
    the ticket was rated (1, then 2 after a reopening…); the latest row of the ticket's current
    resolution is its current rating (Ticket.rating, what KPIs count)."""

    __tablename__ = "ticket_ratings"
    __extra_table_args__ = (
        tenant_fk("ticket_id", "tickets"),
        Index(None, "tenant_id", "ticket_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer)
    resolution: Mapped[int] = mapped_column(Integer)
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(String(500))
    previous_rating: Mapped[int | None] = mapped_column(SmallInteger)  # a correction: the rating it replaced
    reason: Mapped[str | None] = mapped_column(String(500))  # a correction: why (required)
    actor: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class TicketAttachment(TenantScoped, db.Model):
    __tablename__ = "ticket_attachments"
    __extra_table_args__ = (
        tenant_fk("ticket_id", "tickets"),
        Index(None, "tenant_id", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(300))
    uploaded_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
