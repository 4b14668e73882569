"""From the outbox to the plugins: enqueue after commit, deliver once, sweep what was missed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..host.dispatch import deliver_event
from ..jobs import enqueue, redis_connection
from ..tenancy import Tenant, require_tenant_id, tenant_context
from .outbox import OutboxEvent

log = logging.getLogger(__name__)


WAKE_TTL = 60  # seconds; a wake-up whose job got lost expires, and the sweep catches up anyway
PENDING_BATCH = 500


def relay(rows: list[tuple[int, int]]) -> None:
    """Hand freshly committed outbox rows (tenant_id, id) on.

    Embedded default (no Redis): delivered here and now. With Redis: the tenant's delivery job
    is woken — one `SET NX` per commit, and a job only when none is pending already — instead of
    one rq job per event, which cost the request more than its three INSERTs (bench/README.md).
    Why nothing is missed: the request sets the flag after its commit; the job clears the flag
    before it reads the outbox. Either the flag was clear (this request enqueues a job that reads
    after the commit) or it was set (the job that will clear it has not read yet)."""
    connection = redis_connection()
    if connection is None:
        for tenant_id, outbox_id in rows:
            enqueue("wuye_core.jobs.tasks.deliver_outbox_event", tenant_id=tenant_id, outbox_id=outbox_id)
        return
    for tenant_id in dict.fromkeys(tenant_id for tenant_id, _ in rows):
        wake(connection, tenant_id)


def _flag(tenant_id: int) -> str:
    return f"{current_app.config['WUYE'].rate_limit_prefix}:outbox-pending:{tenant_id}"


def wake(connection, tenant_id: int) -> None:
    from redis.exceptions import RedisError

    flag = _flag(tenant_id)
    try:
        if connection.set(flag, "1", nx=True, ex=WAKE_TTL) and not enqueue(
                "wuye_core.jobs.tasks.deliver_pending_events", tenant_id=tenant_id):
            connection.delete(flag)  # no job took it: let the next commit try again
    except RedisError as exc:
        log.warning("could not wake the event delivery of tenant %s (%s); the sweep will", tenant_id, exc)


def deliver_pending() -> int:
    """The woken job, in the tenant's context: deliver every event not yet attempted, oldest first.
    Failed attempts are retried by the sweep (per event, with rq's retry schedule)."""
    connection = redis_connection()
    if connection is not None:
        connection.delete(_flag(require_tenant_id()))  # before reading: see relay()
    ids = db.session.scalars(select(OutboxEvent.id).where(OutboxEvent.delivered_at.is_(None), OutboxEvent.attempts == 0)
                             .order_by(OutboxEvent.id).limit(PENDING_BATCH)).all()
    db.session.rollback()
    delivered = sum(deliver(outbox_id, only_new=True) for outbox_id in ids)
    if len(ids) == PENDING_BATCH and connection is not None:
        wake(connection, require_tenant_id())  # more than one batch waiting
    return delivered


def deliver(outbox_id: int, only_new: bool = False) -> bool:
    """Deliver one outbox row to the enabled plugins, once. The caller is in the tenant's context.
    `only_new`: only if no delivery was ever started (the woken job's way: it must not pick up an
    event that another job is delivering right now, nor one that failed and waits for its retry)."""
    row = db.session.get(OutboxEvent, outbox_id, with_for_update={"skip_locked": True})
    if row is None or row.delivered_at is not None or (only_new and row.attempts):
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
