"""Where the audit trail is kept: one table per kind of owner, like idempotency keys.

- `audit_events`: a tenant's trail (TenantScoped, row-level security);
- `platform_audit_events`: what happens outside any tenant (operator logins, tenants created or
  deactivated, a login to a tenant that does not exist).

Who acted is copied (kind, id, name), not referenced: the row outlives the user it names.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ..common.types import UTCDateTime
from ..extensions import db
from ..tenancy import TenantScoped

RETENTION_YEARS = 3  # PIPL art. 56 and the 网络安全法 (≥ 6 months): kept at least three years


class AuditRow:
    """The columns both tables share."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    # "staff" | "operator" | "system" (a job or a command) | "anonymous" (a failed login)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))  # e.g. "auth.login_failed", "user.password_reset"
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(64))  # the client's IP address
    details: Mapped[dict | None] = mapped_column(JSON)  # plain values only; never a password


class AuditEvent(AuditRow, TenantScoped, db.Model):
    """An action in a tenant."""

    __tablename__ = "audit_events"
    __extra_table_args__ = (Index(None, "tenant_id", "at"), Index(None, "tenant_id", "action", "at"))


class PlatformAuditEvent(AuditRow, db.Model):
    """An action outside any tenant."""

    __tablename__ = "platform_audit_events"
    __table_args__ = (Index(None, "at"),)
