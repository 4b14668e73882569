"""Purging the audit trail: only rows older than the retention (≥ RETENTION_YEARS), which the
database enforces whoever asks (migration 0013, tenancy/rls.py: append-only tables)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ..extensions import db
from ..tenancy import Tenant, tenant_context
from ..tenancy.rls import purge_expired
from .models import RETENTION_YEARS


def purge(years: int = RETENTION_YEARS, now: datetime | None = None) -> int:
    """Delete audit rows older than `years` (at least RETENTION_YEARS), the platform's and every
    tenant's, each tenant in its own transaction. Returns how many went."""
    if years < RETENTION_YEARS:
        raise ValueError(f"the audit trail is kept at least {RETENTION_YEARS} years")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=366 * years)
    deleted = purge_expired(db.session, "platform_audit_events", cutoff)
    db.session.commit()
    for tenant_id in list(db.session.scalars(select(Tenant.id).order_by(Tenant.id))):
        with tenant_context(tenant_id):
            deleted += purge_expired(db.session, "audit_events", cutoff)
            db.session.commit()
    return deleted
