"""From the outbox to the plugins: enqueue after commit, deliver once per plugin, retry the plugins
that failed, sweep what was missed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import exists, or_, select

from ..errors import NotFound
from ..extensions import db
from ..host import dispatch
from ..i18n import N_
from ..jobs import JobRegistry, Policy, enqueue, redis_connection
from ..tenancy import Tenant, require_tenant_id, tenant_context
from .deliveries import (
    DeliveryState,
    PluginDelivery,
    describe,
    parked_in_every_tenant,
    record_outcome,
    requeue,
)
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
            enqueue(deliver_outbox_event, tenant_id=tenant_id, outbox_id=outbox_id)
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
                deliver_pending_events, tenant_id=tenant_id):
            connection.delete(flag)  # no job took it: let the next commit try again
    except RedisError as exc:
        log.warning("could not wake the event delivery of tenant %s (%s); the sweep will", tenant_id, exc)


def deliver_pending() -> int:
    """The woken job, in the tenant's context: deliver every event not yet attempted, oldest first.
    Retries are the sweep's (per event and plugin, when a plugin's next attempt is due)."""
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
    """Deliver one outbox row to the plugins that still need it. The caller is in the tenant's context.

    The first attempt calls every plugin enabled for the event's community; a later one only
    the plugins whose retry is due (events/deliveries.py). Each plugin runs in its own
    savepoint, and its outcome is recorded in the same transaction as its writes: a plugin
    that raised has nothing committed and is tried again later, alone. The row is delivered
    when no plugin is left pending. `only_new`: only if no attempt was ever made (the woken
    job's way: it must not take an event another job is delivering, nor one awaiting a retry)."""
    from . import commit

    row = db.session.get(OutboxEvent, outbox_id, with_for_update={"skip_locked": True})
    if row is None or row.delivered_at is not None or (only_new and row.attempts):
        db.session.rollback()
        return False  # already delivered (or being delivered by someone else): one effect only
    attempt = row.attempts + 1
    row.attempts = attempt
    event = row.to_event()
    now = datetime.now(UTC)
    # No attempt before: no rows yet (nothing to read). Rows are written with the outcomes, so an
    # attempt cut short (a crash after a plugin committed on its own) left none: all again.
    tracked = {} if attempt == 1 else {d.plugin: d for d in db.session.scalars(
        select(PluginDelivery).where(PluginDelivery.outbox_id == outbox_id))}
    recipients = dispatch.event_recipients(event)
    if tracked:
        due = [d.plugin for d in tracked.values()
               if d.state == DeliveryState.pending and (d.next_attempt_at is None or d.next_attempt_at <= now)]
    else:
        due = recipients
    outcomes = {}
    for plugin in due:
        if plugin in recipients:
            outcomes[plugin] = dispatch.deliver_to(event, plugin)
    # A plugin may have committed or rolled back in its hook: write the outcomes by id, afresh.
    now = datetime.now(UTC)
    for plugin in due:
        delivery = tracked.get(plugin)
        if delivery is None:
            delivery = tracked[plugin] = PluginDelivery(outbox_id=outbox_id, plugin=plugin, attempts=0)
            db.session.add(delivery)
        if plugin in outcomes:
            record_outcome(delivery, outcomes[plugin], now)
        else:  # disabled or uninstalled since the event happened
            delivery.state, delivery.next_attempt_at, delivery.updated_at = DeliveryState.skipped, None, now
    row = db.session.get(OutboxEvent, outbox_id)
    row.attempts = max(row.attempts, attempt)
    failures = [e for e in outcomes.values() if e is not None]
    row.last_error = describe(failures[-1]) if failures else row.last_error
    if all(d.state != DeliveryState.pending for d in tracked.values()):
        row.delivered_at = now
    commit()  # and relay the events the plugins recorded
    return True


def redeliver(tenant_id: int, outbox_id: int) -> None:
    """After a committed retry request: deliver the event now (in-process) or queue it."""
    enqueue(deliver_outbox_event, tenant_id=tenant_id, outbox_id=outbox_id)


def retry_parked(delivery_id: int) -> PluginDelivery:
    """Give a parked delivery of the current tenant one more try: commit, then deliver or queue."""
    delivery = requeue(delivery_id)
    outbox_id = delivery.outbox_id
    db.session.commit()
    redeliver(require_tenant_id(), outbox_id)
    return delivery


def retry_parked_in_every_tenant(delivery_ids: list[int] | None = None) -> int:
    """The operator's retry (`wuye jobs retry`): the parked deliveries with these ids, or every
    one (None), each in its tenant's context; how many. An id that is no parked delivery is a
    NotFound naming it, before anything is retried."""
    if delivery_ids is None:
        parked = parked_in_every_tenant()
    else:
        parked = [found for delivery_id in delivery_ids for found in parked_in_every_tenant(delivery_id)]
        missing = set(delivery_ids) - {delivery.id for _, _, delivery, _ in parked}
        if missing:
            raise NotFound(N_("There is no parked delivery %(ids)s.", ids=", ".join(map(str, sorted(missing)))))
    for tenant_id, _slug, delivery, _event in parked:
        with tenant_context(tenant_id):
            retry_parked(delivery.id)
    return len(parked)


def sweep(older_than: timedelta = timedelta(seconds=30)) -> int:
    """Hand on undelivered events older than `older_than` that nobody started (Redis was down, a
    worker died…), and those with a plugin whose retry is due."""
    now = datetime.now(UTC)
    cutoff = now - older_than
    tenant_ids = db.session.scalars(select(Tenant.id).where(Tenant.active.is_(True))).all()
    due = exists().where(PluginDelivery.outbox_id == OutboxEvent.id, PluginDelivery.state == DeliveryState.pending,
                         PluginDelivery.next_attempt_at <= now)
    untracked = ~exists().where(PluginDelivery.outbox_id == OutboxEvent.id)
    fresh, retries = [], []
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            rows = db.session.execute(select(OutboxEvent.id, OutboxEvent.attempts).where(
                OutboxEvent.delivered_at.is_(None), OutboxEvent.occurred_at < cutoff, or_(due, untracked))
                .order_by(OutboxEvent.id).limit(1000)).all()
            fresh += [(tenant_id, i) for i, attempts in rows if not attempts]
            retries += [(tenant_id, i) for i, attempts in rows if attempts]
    if fresh or retries:
        log.info("relay sweep: %d undelivered events, %d with a retry due", len(fresh), len(retries))
    if fresh:
        relay(fresh)
    for tenant_id, outbox_id in retries:  # the woken job takes only fresh events: these go one by one
        redeliver(tenant_id, outbox_id)
    return len(fresh) + len(retries)


# --- the jobs (registered by register_jobs, which app.py calls) ----------------------------------

DELIVERY = Policy(timeout=60, retries=(5, 30, 120, 600, 1800))


def deliver_outbox_event(tenant_id: int, outbox_id: int) -> bool:
    """One event, to the plugins that have not had it yet."""
    with tenant_context(tenant_id):
        return deliver(outbox_id)


def deliver_pending_events(tenant_id: int) -> int:
    """Every event of the tenant not yet attempted (the job a commit wakes)."""
    with tenant_context(tenant_id):
        return deliver_pending()


def sweep_outbox() -> int:
    """Periodic: hand on events that were committed but never reached the queue, and retries due."""
    return sweep()


def register_jobs(jobs: JobRegistry) -> None:
    jobs.register(deliver_outbox_event, DELIVERY)
    jobs.register(deliver_pending_events, Policy(timeout=300, retries=DELIVERY.retries))
    jobs.every(30, sweep_outbox, policy=Policy(timeout=120, retries=()))
