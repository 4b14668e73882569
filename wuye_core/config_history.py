"""The history of a community's settings: the core's config and each plugin's enablement and
config, one row per accepted version. A module of its own (not in households or the plugin
host) because both write it and neither may import the other's internals.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from .common.types import UTCDateTime
from .extensions import db
from .tenancy import TenantScoped, tenant_fk


class ConfigRevision(TenantScoped, db.Model):
    """Each accepted version of a community's settings — the core config (`scope` "core") or
    one plugin's (`scope` = plugin name, with its enabled flag): who changed what, when."""

    __tablename__ = "config_revisions"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        UniqueConstraint("tenant_id", "community_id", "scope", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(40), default="core")
    version: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool | None] = mapped_column(Boolean)
    config: Mapped[dict] = mapped_column(JSON)
    changed_by: Mapped[str | None] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
