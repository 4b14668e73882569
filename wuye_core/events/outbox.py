"""The outbox: events written in the same transaction as the change that caused them.

A row stays until a worker has delivered it (`delivered_at`). A deliverer claims rows with a
lease (`lease_until`, events/relay.py): nobody else takes them before it expires. If Redis is
down or a worker dies, nothing is lost: the relay's periodic sweep hands on whatever is still
undelivered and not leased (never claimed, or its lease expired, or its plugin retry is due).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..common.types import UTCDateTime
from ..extensions import db
from ..host.types import Event
from ..tenancy import TenantScoped


class OutboxEvent(TenantScoped, db.Model):
    __tablename__ = "outbox_events"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "event_id"),
        Index(None, "tenant_id", "delivered_at", "id"),
        # the claim's and the sweep's: undelivered rows only (migration 0008)
        Index("ix_outbox_events_undelivered", "tenant_id", "id", postgresql_where=text("delivered_at IS NULL"),
              sqlite_where=text("delivered_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(60))
    community_id: Mapped[int | None] = mapped_column(Integer)
    object_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # claims so far (each claim counts one)
    # Not to be claimed before this instant: a deliverer holds the row until then (its lease), or
    # a plugin's retry is due then. None: free to take.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    leased_by: Mapped[str | None] = mapped_column(String(64))  # host:pid of the last claimer
    last_error: Mapped[str | None] = mapped_column(Text)

    def to_event(self) -> Event:
        return Event(name=self.name, tenant_id=self.tenant_id, community_id=self.community_id,
                     object_id=self.object_id, data=dict(self.data or {}), actor=self.actor, id=self.event_id,
                     occurred_at=self.occurred_at.isoformat())
