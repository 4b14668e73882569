"""Tables of the plugin: names start with `legacy_`; rows are tenant-scoped by the core."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from wuye_core.extensions import db
from wuye_core.tenancy import TenantScoped, tenant_fk


class Note(TenantScoped, db.Model):
    __tablename__ = "legacy_notes"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        Index(None, "tenant_id", "community_id", "id"),
        UniqueConstraint("tenant_id", "source_event"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(200))
    source_event: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
