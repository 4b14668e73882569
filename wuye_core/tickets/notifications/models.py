"""A notification for one staff user, about one event (so a redelivered event adds none)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from ...common.types import UTCDateTime
from ...extensions import db
from ...tenancy import TenantScoped


class Notification(TenantScoped, db.Model):
    __tablename__ = "notifications"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "user_id", "event_id"),  # one per event and person, however often delivered
        Index(None, "tenant_id", "user_id", "read_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(40))
    ticket_id: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
