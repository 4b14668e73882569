"""From the outbox to the plugins: enqueue after commit, deliver once, sweep what was missed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ..extensions import db
from ..jobs import enqueue
from ..plugins.dispatch import deliver_event
from ..tenancy import Tenant, tenant_context
from .outbox import OutboxEvent

log = logging.getLogger(__name__)


def relay(rows: list[tuple[int, int]]) -> None:
    """Hand freshly committed outbox rows (tenant_id, id) to the queue."""
    for tenant_id, outbox_id in rows:
        enqueue("wuye_core.jobs.tasks.deliver_outbox_event", tenant_id=tenant_id, outbox_id=outbox_id,
                job_id=f"wuye-event-{outbox_id}")


def deliver(outbox_id: int) -> bool:
    """Deliver one outbox row to the enabled plugins, once. The caller is in the tenant's context."""
    row = db.session.get(OutboxEvent, outbox_id, with_for_update={"skip_locked": True})
    if row is None or row.delivered_at is not None:
        db.session.rollback()
        return False  # already delivered (or being delivered by someone else): one effect only
    row.attempts += 1
    event = row.to_event()
    db.session.commit()
    deliver_event(event)  # plugin failures are contained and counted there
    row = db.session.get(OutboxEvent, outbox_id)
    row.delivered_at = datetime.now(UTC)
    db.session.commit()
    return True


def sweep(older_than: timedelta = timedelta(seconds=30)) -> int:
    """Enqueue undelivered events older than `older_than` (Redis was down, a worker died…)."""
    cutoff = datetime.now(UTC) - older_than
    tenant_ids = db.session.scalars(select(Tenant.id).where(Tenant.active.is_(True))).all()
    found = []
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            ids = db.session.scalars(select(OutboxEvent.id).where(
                OutboxEvent.delivered_at.is_(None), OutboxEvent.occurred_at < cutoff).order_by(OutboxEvent.id)
                .limit(1000)).all()
            found += [(tenant_id, i) for i in ids]
    if found:
        log.info("relay sweep: %d undelivered events", len(found))
        relay(found)
    return len(found)
