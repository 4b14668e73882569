"""From the outbox to the plugins: wake a delivery after commit, claim events with a lease,
deliver them in batches once per plugin, retry the plugins that failed, sweep what was missed.

At least once, per plugin. A deliverer claims a batch of undelivered events in a short
transaction of its own: `lease_until = now + WUYE_EVENT_LEASE_SECONDS` (and one more attempt),
`FOR UPDATE SKIP LOCKED` so that two deliverers never claim the same row. It then delivers the
batch in ONE transaction: each (event, plugin) in its own savepoint (host/dispatch.py), the
outcome of each written in that transaction (`plugin_deliveries`), the delivered events marked,
one commit. A deliverer that dies anywhere (killed, its database or Redis gone) commits nothing
of the batch but its claim: when the lease expires the sweep hands the events on again, and the
plugins that had them committed as `delivered` are not called again. So a plugin's writes made
through the delivery's session happen exactly once; effects outside the database (a message
sent) may repeat, and `event.id` is there to make them idempotent.

`lease_until` is also the retry's clock: an event with a plugin waiting for its retry is leased
until that retry is due, so one condition (`lease_until` null or past) says what may be claimed.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, insert, or_, select, update

from ..errors import NotFound
from ..extensions import db
from ..host import dispatch
from ..host.types import Event
from ..i18n import N_
from ..jobs import JobRegistry, Policy, enqueue, redis_connection
from ..tenancy import Tenant, require_tenant_id, tenant_context
from .deliveries import (
    DeliveryState,
    PluginDelivery,
    describe,
    outcome,
    parked_in_every_tenant,
    requeue,
)
from .outbox import OutboxEvent

log = logging.getLogger(__name__)


WAKE_TTL = 60  # seconds; a wake-up whose job got lost expires, and the sweep catches up anyway
BATCH = 500  # events claimed, delivered and committed together
RUN_SECONDS = 60  # a woken job delivers this long at most, then wakes a successor (fair to other tenants)
CLAIMER = f"{socket.gethostname()}:{os.getpid()}"[:64]


def relay(rows: list[tuple[int, int]]) -> None:
    """Hand freshly committed outbox rows (tenant_id, id) on.

    Embedded default (no Redis): delivered here and now, in one batch per tenant. With Redis:
    the delivery job is woken — the commit's tenants added to a set and one `SET NX` of a flag,
    in one round trip, and a job only when none is pending already — instead of one rq job per
    event, which cost the request more than its three INSERTs (bench/README.md). One job for
    every tenant, not one per tenant: each rq job costs its work horse ~90 ms (a fork, a
    connection, rq's bookkeeping), which made the lag under load grow with the tenants.
    Why nothing is missed: the request adds its tenant, then sets the flag, after its commit;
    the job clears the flag, then takes the set, then claims. Either the flag was clear (this
    request enqueues a job that takes the set later) or it was set (the job that will clear it
    has not taken the set yet)."""
    connection = redis_connection()
    if connection is None:
        by_tenant = defaultdict(list)
        for tenant_id, outbox_id in rows:
            by_tenant[tenant_id].append(outbox_id)
        for tenant_id, outbox_ids in by_tenant.items():
            enqueue(deliver_outbox_events, tenant_id=tenant_id, outbox_ids=outbox_ids)
        return
    wake(connection, list(dict.fromkeys(tenant_id for tenant_id, _ in rows)))


def _key(name: str) -> str:
    return f"{current_app.config['WUYE'].rate_limit_prefix}:{name}"


def _flag() -> str:
    return _key("outbox-pending")


def _tenants_key() -> str:
    return _key("outbox-pending-tenants")


def wake(connection, tenant_ids: list[int]) -> None:
    """Have these tenants' claimable events delivered: add them to the set the job takes, and
    queue the job unless one is pending already."""
    from redis.exceptions import RedisError

    if not tenant_ids:
        return
    flag = _flag()
    try:
        pipe = connection.pipeline(transaction=False)
        pipe.sadd(_tenants_key(), *tenant_ids)
        pipe.set(flag, "1", nx=True, ex=WAKE_TTL)
        if pipe.execute()[-1] and not enqueue(deliver_woken_events):
            connection.delete(flag)  # no job took it: let the next commit try again
    except RedisError as exc:
        log.warning("could not wake the event delivery of tenants %s (%s); the sweep will", tenant_ids, exc)


def take_woken(connection) -> list[int]:
    """The woken job's start: clear the flag, then take (and empty) the set of tenants, in that
    order (see relay())."""
    connection.delete(_flag())
    pipe = connection.pipeline(transaction=True)
    pipe.smembers(_tenants_key())
    pipe.delete(_tenants_key())
    members, _ = pipe.execute()
    return sorted(int(m) for m in members)


# --- claiming ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Claimed:
    """An outbox row as its claim returned it: the event, and how many claims it has had."""

    id: int
    attempts: int
    event: Event


def _claimable(now: datetime):
    """Undelivered, and nobody holds it: never claimed, its lease expired, or its retry is due."""
    return (OutboxEvent.delivered_at.is_(None),
            or_(OutboxEvent.lease_until.is_(None), OutboxEvent.lease_until <= now))


def claim(limit: int = BATCH, ids: list[int] | None = None, after_id: int | None = None) -> list[Claimed]:
    """Claim up to `limit` claimable events of the current tenant, oldest first (only these `ids`,
    or only ids above `after_id`, if given), and COMMIT the claim: their lease runs from now.

    One statement: UPDATE … WHERE id IN (SELECT … ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED)
    RETURNING. A row another deliverer is claiming is skipped, not waited for; one it claimed
    already has a lease in the future and is not claimable. SQLite has no row locks (and no
    SKIP LOCKED): its writers are serialized by the database lock, which gives the same result."""
    now = datetime.now(UTC)
    lease = timedelta(seconds=current_app.config["WUYE"].event_lease_seconds)
    free = select(OutboxEvent.id).where(*_claimable(now))
    if ids is not None:
        free = free.where(OutboxEvent.id.in_(ids))
    if after_id is not None:
        free = free.where(OutboxEvent.id > after_id)
    free = free.order_by(OutboxEvent.id).limit(limit).with_for_update(skip_locked=True)
    statement = (update(OutboxEvent).where(OutboxEvent.id.in_(free.scalar_subquery()))
                 .values(lease_until=now + lease, leased_by=CLAIMER, attempts=OutboxEvent.attempts + 1)
                 .returning(OutboxEvent.id, OutboxEvent.attempts, OutboxEvent.event_id, OutboxEvent.name,
                            OutboxEvent.tenant_id, OutboxEvent.community_id, OutboxEvent.object_id,
                            OutboxEvent.actor, OutboxEvent.data, OutboxEvent.occurred_at)
                 .execution_options(synchronize_session=False))
    rows = db.session.execute(statement).all()
    db.session.commit()
    claimed = [Claimed(r.id, r.attempts, Event(name=r.name, tenant_id=r.tenant_id, community_id=r.community_id,
                                                object_id=r.object_id, data=dict(r.data or {}), actor=r.actor,
                                                id=r.event_id, occurred_at=r.occurred_at.isoformat()))
               for r in rows]
    return sorted(claimed, key=lambda c: c.id)  # RETURNING keeps no order


# --- delivering --------------------------------------------------------------------------------

def deliver_claimed(claimed: list[Claimed]) -> int:
    """Deliver a claimed batch (the caller is in the tenant's context): one transaction, one commit.

    An event's first claim calls every plugin enabled for its community that implements its
    hook; a later one only the plugins whose retry is due (events/deliveries.py) — or all of
    them again when no outcome was ever committed (an attempt cut short). Each plugin runs in its
    own savepoint and its outcome is written in the same transaction as its writes: a plugin
    that raised has nothing committed and is tried again later, alone. An event is delivered
    when no plugin is left pending; otherwise its lease is its next retry. How many were handled."""
    from . import commit

    if not claimed:
        return 0
    session = db.session()
    now = datetime.now(UTC)
    tracked: dict[int, dict[str, PluginDelivery]] = defaultdict(dict)
    retried = [c.id for c in claimed if c.attempts > 1]  # a first claim has no outcomes yet
    if retried:
        for delivery in db.session.scalars(select(PluginDelivery).where(PluginDelivery.outbox_id.in_(retried))):
            tracked[delivery.outbox_id][delivery.plugin] = delivery
    recipients: dict[tuple[str, int | None], list[str]] = {}  # per hook and community: asked once a batch
    filters: dict[tuple[str, int | None], dict] = {}  # core recipients that look at the event first
    transaction = session.get_transaction()
    new_rows, changed, delivered, errors, waiting = [], [], [], {}, {}
    for item in claimed:
        event = item.event
        key = (dispatch.event_hook(event), event.community_id)
        if key not in recipients:
            recipients[key] = dispatch.event_recipients(event)
            filters[key] = dispatch.event_filters(key[0], recipients[key])
        to = recipients[key]
        if filters[key]:
            to = [plugin for plugin in to if plugin not in filters[key] or filters[key][plugin](event)]
        known = tracked.get(item.id, {})
        if known:
            due = [d.plugin for d in known.values() if d.state == DeliveryState.pending
                   and (d.next_attempt_at is None or d.next_attempt_at <= now)]
        else:
            due = to
        outcomes = {plugin: dispatch.deliver_to(event, plugin) for plugin in due if plugin in to}
        if session.get_transaction() is not transaction:
            # A hook committed or rolled back the batch's transaction itself: what this batch
            # did before is committed without its outcomes, or gone. Record nothing of it: those
            # events keep their lease and are delivered again when it expires (at least once).
            new_rows, changed, delivered, errors, waiting = [], [], [], {}, {}
            transaction = session.get_transaction()
        stamp = datetime.now(UTC)
        retries = [d.next_attempt_at or stamp for d in known.values()
                   if d.state == DeliveryState.pending and d.plugin not in due]
        for plugin in due:
            delivery = known.get(plugin)
            if plugin in outcomes:
                values = outcome((delivery.attempts if delivery else 0) + 1, outcomes[plugin], stamp)
            else:  # disabled or uninstalled since the event happened
                values = {"state": DeliveryState.skipped, "next_attempt_at": None, "updated_at": stamp}
            if values["state"] == DeliveryState.pending:
                retries.append(values["next_attempt_at"])
            if delivery is not None:
                changed.append((delivery, values))
            elif plugin in outcomes:
                new_rows.append({"tenant_id": event.tenant_id, "outbox_id": item.id, "plugin": plugin,
                                 "last_error": None, "delivered_at": None, **values})
        failures = [e for e in outcomes.values() if e is not None]
        if failures:
            errors[item.id] = describe(failures[-1])
        if retries:
            waiting[item.id] = min(retries)
        else:
            delivered.append(item.id)
    _write_outcomes(new_rows, changed, delivered, errors, waiting, now)
    commit()  # and relay the events the plugins recorded
    return len(claimed)


def _write_outcomes(new_rows: list[dict], changed: list, delivered: list[int], errors: dict[int, str],
                    waiting: dict[int, datetime], now: datetime) -> None:
    """A batch's outcomes in a few statements: the new per-plugin rows in one INSERT, the
    delivered events in one UPDATE; retries and errors (rare) row by row."""
    if new_rows:
        db.session.execute(insert(PluginDelivery), new_rows)
    for delivery, values in changed:
        for name, value in values.items():
            setattr(delivery, name, value)
    if delivered:
        db.session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(delivered))
                           .values(delivered_at=now, lease_until=None, leased_by=None)
                           .execution_options(synchronize_session=False))
    for outbox_id, due in waiting.items():  # not delivered: nobody claims it before its retry
        db.session.execute(update(OutboxEvent).where(OutboxEvent.id == outbox_id)
                           .values(lease_until=due, leased_by=None).execution_options(synchronize_session=False))
    for outbox_id, error in errors.items():
        db.session.execute(update(OutboxEvent).where(OutboxEvent.id == outbox_id)
                           .values(last_error=error).execution_options(synchronize_session=False))


def deliver(outbox_id: int) -> bool:
    """Claim and deliver one event now, if nobody holds it (the caller is in the tenant's
    context). False when it is delivered already, leased by another deliverer, or waiting
    for a retry that is not due: one effect only."""
    return deliver_claimed(claim(ids=[outbox_id])) > 0


def deliver_pending() -> int:
    """The woken job, in the tenant's context: claim and deliver batch after batch, oldest
    first, until nothing claimable is left (or RUN_SECONDS passed: then a successor is woken).
    The first claim takes whatever is claimable (new events, expired leases, retries due); the
    next ones only newer events, so a retry made due by this very run waits for the sweep."""
    connection = redis_connection()
    handled, after_id, started = 0, None, time.monotonic()
    while True:
        claimed = claim(after_id=after_id)
        handled += deliver_claimed(claimed)
        if len(claimed) < BATCH:
            return handled
        after_id = claimed[-1].id
        if time.monotonic() - started > RUN_SECONDS:
            if connection is not None:
                wake(connection, [require_tenant_id()])
            return handled


def redeliver(tenant_id: int, outbox_id: int) -> None:
    """After a committed retry request: deliver the event now (in-process) or queue it."""
    enqueue(deliver_outbox_events, tenant_id=tenant_id, outbox_ids=[outbox_id])


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


def _sweepable(now: datetime, cutoff: datetime):
    """What the sweep takes back: claimable, and either claimed before (an expired lease, a retry
    due) or never claimed and older than the cutoff (its wake-up was lost: Redis down…)."""
    return (*_claimable(now), or_(OutboxEvent.lease_until.is_not(None), OutboxEvent.occurred_at < cutoff))


def sweep(older_than: timedelta = timedelta(seconds=30)) -> int:
    """Periodic: in every active tenant with sweepable events (`_sweepable`), have them claimed
    and delivered by the woken job (with Redis) or right here (in-process). How many events."""
    now = datetime.now(UTC)
    cutoff = now - older_than
    found = []
    for tenant_id in db.session.scalars(select(Tenant.id).where(Tenant.active.is_(True)).order_by(Tenant.id)).all():
        with tenant_context(tenant_id):
            count = db.session.scalar(select(func.count()).select_from(
                select(OutboxEvent.id).where(*_sweepable(now, cutoff)).limit(10_000).subquery()))
            db.session.rollback()
        if count:
            found.append((tenant_id, count))
    if found:
        log.info("relay sweep: %d undelivered events in %d tenants", sum(c for _, c in found), len(found))
    connection = redis_connection()
    if connection is not None:
        wake(connection, [tenant_id for tenant_id, _ in found])
    else:
        for tenant_id, _ in found:
            enqueue(deliver_pending_events, tenant_id=tenant_id)
    return sum(count for _, count in found)


def undelivered_in_every_tenant(limit: int = 20) -> list[tuple[int, str, OutboxEvent]]:
    """Platform view (`wuye jobs failed`): undelivered events that were claimed before, tenant by
    tenant — held by a deliverer (lease in the future), waiting for a plugin's retry, or whose
    deliverer died (lease expired: the next sweep hands them on). At most `limit` per tenant."""
    found = []
    for tenant_id, slug in db.session.execute(select(Tenant.id, Tenant.slug).order_by(Tenant.id)).all():
        with tenant_context(tenant_id):
            found += [(tenant_id, slug, row) for row in db.session.scalars(
                select(OutboxEvent).where(OutboxEvent.delivered_at.is_(None), OutboxEvent.attempts > 0)
                .order_by(OutboxEvent.id).limit(limit))]
    return found


# --- the jobs (registered by register_jobs, which app.py calls) ----------------------------------

DELIVERY = Policy(timeout=60, retries=(5, 30, 120, 600, 1800))


def deliver_outbox_events(tenant_id: int, outbox_ids: list[int]) -> int:
    """These events (one commit's, or a retried one), to the plugins that have not had them yet."""
    with tenant_context(tenant_id):
        return deliver_claimed(claim(limit=len(outbox_ids), ids=outbox_ids))


def deliver_pending_events(tenant_id: int) -> int:
    """Every claimable event of one tenant (in-process, the sweep's way to deliver)."""
    with tenant_context(tenant_id):
        return deliver_pending()


def deliver_woken_events() -> int:
    """The job a commit or the sweep wakes: every claimable event of the tenants woken since the
    last run, tenant by tenant (each for RUN_SECONDS at most, then woken again)."""
    connection = redis_connection()
    tenants, handled = take_woken(connection), 0
    for i, tenant_id in enumerate(tenants):
        try:
            handled += deliver_pending_events(tenant_id)
        except Exception:
            # back in the set for this job's retry (rq's, a few seconds on): no new job now, which
            # would fail the same way at once while the database is away
            connection.sadd(_tenants_key(), *tenants[i:])
            raise
    return handled


def sweep_outbox() -> int:
    """Periodic: hand on events whose wake-up was lost or whose deliverer died, and retries due."""
    return sweep()


def register_jobs(jobs: JobRegistry) -> None:
    jobs.register(deliver_outbox_events, DELIVERY)
    jobs.register(deliver_pending_events, Policy(timeout=300, retries=DELIVERY.retries))
    jobs.register(deliver_woken_events, Policy(timeout=600, retries=DELIVERY.retries))
    jobs.every(30, sweep_outbox, policy=Policy(timeout=120, retries=()))
