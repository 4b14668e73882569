"""Delivery per (event, plugin): who got an outbox event, who waits for a retry, who gave up.

Rows are written when an event is delivered (events/relay.py), never when it is recorded, so
the request that causes an event pays nothing for them. A plugin whose hook raised keeps its
row `pending` with `next_attempt_at` pushed back (`Settings.event_retry_seconds`); after the
last try it is `parked`, listed by `wuye jobs failed` and `GET /api/v1/plugin-deliveries`,
until someone retries it. A plugin that got the event (`delivered`) is never called for it
again. `skipped`: the plugin was disabled or uninstalled before its retry came.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import Enum, Index, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column

from ..common.types import UTCDateTime
from ..errors import Conflict, NotFound
from ..extensions import db
from ..i18n import N_
from ..tenancy import Tenant, TenantScoped, tenant_context, tenant_fk
from .outbox import OutboxEvent

ERROR_LENGTH = 2000  # characters of the last exception kept (its type and message)


class DeliveryState(enum.StrEnum):
    pending = "pending"  # waits for its next attempt (next_attempt_at)
    delivered = "delivered"
    parked = "parked"  # the last try failed: waits for an operator or a tenant admin
    skipped = "skipped"  # the plugin was disabled or removed before its retry


class PluginDelivery(TenantScoped, db.Model):
    __tablename__ = "plugin_deliveries"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "outbox_id", "plugin"),
        Index(None, "tenant_id", "state", "id"),
        tenant_fk("outbox_id", "outbox_events", ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(Integer)
    plugin: Mapped[str] = mapped_column(String(64))
    state: Mapped[DeliveryState] = mapped_column(
        Enum(DeliveryState, name="delivery_state", native_enum=False, length=20, validate_strings=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def retry_delays() -> tuple[int, ...]:
    """Seconds to wait before each retry; as many retries as delays, then the delivery is parked."""
    raw = current_app.config["WUYE"].event_retry_seconds
    return tuple(int(x) for x in str(raw).split(",") if x.strip())


def describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]


def outcome(attempts: int, error: Exception | None, now: datetime) -> dict:
    """The columns of a delivery after its `attempts`-th attempt: delivered, or the next retry, or
    parked after the last one (a plain dict: the relay inserts new rows in bulk)."""
    if error is None:
        return {"attempts": attempts, "updated_at": now, "state": DeliveryState.delivered, "delivered_at": now,
                "next_attempt_at": None}
    delays = retry_delays()
    values = {"attempts": attempts, "updated_at": now, "last_error": describe(error)}
    if attempts > len(delays):
        return {**values, "state": DeliveryState.parked, "next_attempt_at": None}
    return {**values, "state": DeliveryState.pending, "next_attempt_at": now + timedelta(seconds=delays[attempts - 1])}


def parked_query(state: DeliveryState | None = DeliveryState.parked):
    """Deliveries of the current tenant with their event, newest first (scoped by the framework)."""
    query = select(PluginDelivery, OutboxEvent).join(OutboxEvent, OutboxEvent.id == PluginDelivery.outbox_id)
    if state is not None:
        query = query.where(PluginDelivery.state == state)
    return query.order_by(PluginDelivery.id.desc())


def parked_in_every_tenant(delivery_id: int | None = None) -> list[tuple[int, str, PluginDelivery, OutboxEvent]]:
    """Platform view (`wuye jobs failed`, `wuye jobs retry`): (tenant id, slug, delivery, event)
    of every parked delivery (or the one with `delivery_id`), tenant by tenant, each in its own
    context: the operator reads them the way the tenant's own jobs would."""
    found = []
    for tenant_id, slug in db.session.execute(select(Tenant.id, Tenant.slug).order_by(Tenant.id)).all():
        with tenant_context(tenant_id):
            query = parked_query()
            if delivery_id is not None:
                query = query.where(PluginDelivery.id == delivery_id)
            found += [(tenant_id, slug, d, e) for d, e in db.session.execute(query)]
    return found


def requeue(delivery_id: int) -> PluginDelivery:
    """Give a parked delivery one more try (one: it parks again if that fails too). The caller
    commits, then has the event delivered (`events.relay.redeliver`)."""
    delivery = db.session.get(PluginDelivery, delivery_id, with_for_update=True)
    if delivery is None:
        raise NotFound(N_("No such delivery."))
    if delivery.state != DeliveryState.parked:
        raise Conflict(N_("Only a parked delivery can be retried."))
    now = datetime.now(UTC)
    delivery.state, delivery.next_attempt_at, delivery.updated_at = DeliveryState.pending, now, now
    event = db.session.get(OutboxEvent, delivery.outbox_id, with_for_update=True)
    event.delivered_at = None  # it has a plugin pending again, due now
    event.lease_until = event.leased_by = None
    return delivery
