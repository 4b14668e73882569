"""A hand-off (转办): something taken by one tenant of a service link, handed to the other side,
which gets a ticket of its own. The row is shared by the two tenants (tenancy/shared.py): each
reads it and writes its own side's fields; its steps are the story both see."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..common.types import UTCDateTime
from ..extensions import db
from ..tenancy import SharedBetweenTenants


class HandoffState(enum.StrEnum):
    sent = "sent"  # 已转出，待对方接收
    delivered = "delivered"  # 对方已生成工单
    returned = "returned"  # 对方退回
    closed = "closed"  # 对方工单已关闭
    failed = "failed"  # 无法送达（服务关系已解除…）: `last_error` says why


LIVE = (HandoffState.sent, HandoffState.delivered)


def _enum(cls, name):
    return Enum(cls, name=name, native_enum=False, length=20, validate_strings=True)


class Handoff(SharedBetweenTenants, db.Model):
    __tablename__ = "handoffs"
    __tenant_columns__ = ("from_tenant_id", "to_tenant_id")
    __table_args__ = (
        ForeignKeyConstraint(["from_tenant_id", "from_ticket_id"], ["tickets.tenant_id", "tickets.id"]),
        ForeignKeyConstraint(["to_tenant_id", "to_ticket_id"], ["tickets.tenant_id", "tickets.id"]),
        Index(None, "to_tenant_id", "to_ticket_id"),
        Index(None, "from_tenant_id", "from_ticket_id"),
        Index(None, "to_tenant_id", "state"),
        Index(None, "from_tenant_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("service_links.id", ondelete="RESTRICT"))
    from_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    to_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    from_ticket_id: Mapped[int | None] = mapped_column(Integer)  # None: a plugin's record (source)
    source: Mapped[str] = mapped_column(String(64))  # "ticket" or "<plugin>.<kind>"
    source_id: Mapped[str] = mapped_column(String(64))
    from_community_id: Mapped[int | None] = mapped_column(Integer)  # the sender's community (its events')
    to_site_id: Mapped[int | None] = mapped_column(Integer)  # the receiving side's site (the link's)
    to_community_id: Mapped[int | None] = mapped_column(Integer)  # set when delivered
    to_ticket_id: Mapped[int | None] = mapped_column(Integer)  # set when delivered
    state: Mapped[HandoffState] = mapped_column(_enum(HandoffState, "handoff_state"))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)  # what the link lets travel
    # the partner's ticket as the receiving side last reported it
    to_status: Mapped[str | None] = mapped_column(String(20))
    to_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    to_dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    to_on_site_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    to_resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    to_rating: Mapped[int | None] = mapped_column(SmallInteger)
    to_arrive_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    to_resolve_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    to_arrive_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    to_resolve_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the origin's ticket: its deadlines and breaches, for the receiving side
    from_status: Mapped[str | None] = mapped_column(String(20))
    from_arrive_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    from_resolve_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    from_arrive_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    from_resolve_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(String(500))  # the sender's note
    returned_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(64))
    # delivery bookkeeping (delivery.py)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the sender's outbox has had `handoff_progressed` for every step up to this one
    announced_step_id: Mapped[int] = mapped_column(Integer, default=0)

    def side_of(self, tenant_id: int) -> str:
        return "sent" if tenant_id == self.from_tenant_id else "received"

    def partner_of(self, tenant_id: int) -> int:
        return self.to_tenant_id if tenant_id == self.from_tenant_id else self.from_tenant_id


class HandoffStep(SharedBetweenTenants, db.Model):
    """One step of a hand-off, written by the side it happened on. Rows are only ever inserted."""

    __tablename__ = "handoff_steps"
    __tenant_columns__ = ("from_tenant_id", "to_tenant_id")
    __table_args__ = (Index(None, "handoff_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="RESTRICT"))
    from_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    to_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    by_tenant_id: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
