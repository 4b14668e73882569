"""Delivering a hand-off to the receiving tenant, and announcing its steps to the sender: jobs,
each in ONE tenant's context and ONE transaction, woken after the commit that made them due
(events.after_commit) and caught up by a periodic sweep when that wake-up was lost.

Exactly once: both jobs lock the shared Handoff row first (`FOR UPDATE`; SQLite: its one writer)
and act only on what is still to do — a `sent` hand-off is delivered (the receiving ticket, the
row's `delivered` state and step commit together), the steps after `announced_step_id` are
recorded in the sender's outbox (the events and the new mark commit together). A second run, or
a concurrent one that waited for the lock, finds nothing left to do."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, select, update

from .. import events
from ..common.locking import get_for_update
from ..events.edge import unit_of_work
from ..extensions import db
from ..households.models import Site
from ..i18n import N_, show_note, store_note
from ..jobs import JobRegistry, Policy, enqueue
from ..links.models import LinkState, ServiceLink
from ..tenancy import Tenant, require_tenant_id, tenant_context
from ..tickets import service as tickets
from ..tickets.models import Channel, Kind, Priority, Ticket
from .models import Handoff, HandoffState, HandoffStep
from .service import add_step, announce_later

log = logging.getLogger(__name__)

SWEEP_AFTER = timedelta(seconds=30)  # a wake-up this old without effect was lost
MAX_ATTEMPTS = 10  # then the hand-off fails visibly (last_error)
FALLBACK_CATEGORY = "其他"


def _category(payload: dict, categories: list[str]) -> tuple[str, str | None]:
    """The payload's category if the receiving community has it; else its "其他" (or its last
    category), and the original to be named in the description."""
    wanted = payload.get("category")
    if wanted in categories:
        return wanted, None
    fallback = FALLBACK_CATEGORY if FALLBACK_CATEGORY in categories else categories[-1]
    return fallback, wanted


def _fail(handoff: Handoff, why: str) -> None:
    handoff.state, handoff.last_error, handoff.lease_until = HandoffState.failed, store_note(why), None
    add_step(handoff, "failed", why)
    announce_later(handoff)


def deliver(handoff_id: int) -> bool:
    """In the receiving tenant's context and transaction: create its ticket for a `sent` hand-off.
    False when there is nothing to do (delivered already, not ours, gone)."""
    handoff = get_for_update(Handoff, handoff_id)
    if handoff is None or handoff.to_tenant_id != require_tenant_id() or handoff.state != HandoffState.sent:
        return False
    handoff.attempts = (handoff.attempts or 0) + 1
    link = db.session.get(ServiceLink, handoff.link_id)
    if link is None or link.state != LinkState.accepted:
        _fail(handoff, N_("The service link is no longer in force."))
        return True
    site = db.session.get(Site, handoff.to_site_id) if handoff.to_site_id else None
    if site is None:
        _fail(handoff, N_("The receiving site no longer exists."))
        return True
    from ..households.models import Community

    community = db.session.get(Community, site.community_id)
    payload = dict(handoff.payload or {})
    category, original = _category(payload, tickets.tickets_config(community)["categories"])
    description = payload.get("description") or None
    if original:
        description = "\n".join(filter(None, [description, f"原类别 / category given by the sender: {original}"]))
    if handoff.note:
        description = "\n".join(filter(None, [description, handoff.note]))
    kind = payload.get("kind") if payload.get("kind") in {k.value for k in Kind} else Kind.complaint.value
    priority = payload.get("priority") if payload.get("priority") in {p.value for p in Priority} else "normal"
    data = {"community_id": site.community_id, "site_id": site.id, "building_id": None, "unit_id": None,
            "household_id": None, "location": (payload.get("location") or None),
            "reporter_resident_id": None, "reporter_name": payload.get("reporter_name") or None,
            "reporter_phone": payload.get("reporter_phone") or None, "channel": Channel.handoff,
            "kind": Kind(kind), "category": category, "title": (payload.get("title") or "")[:100] or "-",
            "description": description, "priority": Priority(priority)}
    ticket = tickets.create_ticket(data, f"handoff#{handoff.id}"[:64])
    db.session.execute(update(Ticket).where(Ticket.id == ticket.id).values(handoff_id=handoff.id)
                       .execution_options(synchronize_session=False))
    handoff.to_ticket_id, handoff.to_community_id = ticket.id, site.community_id
    handoff.to_status = ticket.status.value
    handoff.to_arrive_due_at, handoff.to_resolve_due_at = ticket.arrive_due_at, ticket.resolve_due_at
    handoff.state, handoff.delivered_at, handoff.lease_until, handoff.last_error = (
        HandoffState.delivered, datetime.now(UTC), None, None)
    add_step(handoff, "delivered")
    announce_later(handoff)
    return True


def _delivery_failed(tenant_id: int, handoff_id: int, exc: Exception) -> None:
    """Count the failed attempt and push the next one back (a lease), in a transaction of its own;
    after MAX_ATTEMPTS the hand-off fails visibly."""
    with tenant_context(tenant_id), unit_of_work():
        handoff = get_for_update(Handoff, handoff_id)
        if handoff is None or handoff.state != HandoffState.sent:
            return
        handoff.attempts = (handoff.attempts or 0) + 1
        handoff.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if handoff.attempts >= MAX_ATTEMPTS:
            _fail(handoff, handoff.last_error)
        else:
            handoff.lease_until = datetime.now(UTC) + timedelta(seconds=60 * handoff.attempts)


def deliver_handoff(tenant_id: int, handoff_id: int) -> bool:
    """The job: deliver one hand-off in the receiving tenant `tenant_id`."""
    try:
        with tenant_context(tenant_id), unit_of_work():
            return deliver(handoff_id)
    except Exception as exc:
        log.warning("hand-off %s could not be delivered to tenant %s: %s", handoff_id, tenant_id, exc)
        try:
            _delivery_failed(tenant_id, handoff_id, exc)
        except Exception:
            log.exception("could not record the failed delivery of hand-off %s", handoff_id)
        raise


STEP_NAMES = ("delivered", "accepted", "dispatched", "on_site", "resolved", "rated", "closed", "cancelled",
              "reopened", "breached", "deadlines", "returned", "failed")


def announce(handoff_id: int) -> int:
    """In the sender's context and transaction: one `handoff_progressed` event in its outbox per
    step of the other side not yet announced; how many."""
    handoff = get_for_update(Handoff, handoff_id)
    tenant_id = require_tenant_id()
    if handoff is None or handoff.from_tenant_id != tenant_id:
        return 0
    steps = list(db.session.scalars(select(HandoffStep).where(
        HandoffStep.handoff_id == handoff.id, HandoffStep.id > (handoff.announced_step_id or 0))
        .order_by(HandoffStep.id)))
    if not steps:
        return 0
    count = 0
    for step in steps:
        if step.by_tenant_id == tenant_id:
            continue  # our own steps (sent, our breaches) are news to nobody here
        events.record("handoff_progressed", handoff.from_community_id, handoff.id, actor=None,
                      handoff_id=handoff.id, source=handoff.source, source_id=handoff.source_id,
                      step=step.step, note=show_note(step.note))
        count += 1
        if step.step in ("returned", "failed") and handoff.from_ticket_id is not None:
            # the ticket is ours again: its events no longer concern the hand-off
            db.session.execute(update(Ticket).where(Ticket.id == handoff.from_ticket_id,
                                                    Ticket.handoff_id == handoff.id)
                               .values(handoff_id=None).execution_options(synchronize_session=False))
    handoff.announced_step_id = steps[-1].id
    return count


def announce_handoff(tenant_id: int, handoff_id: int) -> int:
    """The job: announce a hand-off's new steps to the sender `tenant_id` (its plugins get
    `wuye_handoff_progressed` through its outbox)."""
    with tenant_context(tenant_id), unit_of_work():
        return announce(handoff_id)


def _due(tenant_id: int, now: datetime) -> tuple[list[int], list[int]]:
    """The current tenant's hand-offs to deliver (sent to it, woken in vain or whose retry is due)
    and to announce (sent by it, with another side's step not yet announced)."""
    cutoff = now - SWEEP_AFTER
    to_deliver = db.session.scalars(select(Handoff.id).where(
        Handoff.to_tenant_id == tenant_id, Handoff.state == HandoffState.sent,
        (Handoff.lease_until <= now) | (Handoff.lease_until.is_(None) & (Handoff.created_at < cutoff)))
        .order_by(Handoff.id).limit(500)).all()
    unannounced = exists().where(HandoffStep.handoff_id == Handoff.id, HandoffStep.id > Handoff.announced_step_id,
                                 HandoffStep.by_tenant_id != tenant_id, HandoffStep.at < cutoff)
    to_announce = db.session.scalars(select(Handoff.id).where(Handoff.from_tenant_id == tenant_id, unannounced)
                                     .order_by(Handoff.id).limit(500)).all()
    return list(to_deliver), list(to_announce)


def sweep(now: datetime | None = None) -> int:
    """Periodic: in every active tenant, deliver the hand-offs whose wake-up was lost (or whose
    retry is due) and announce the steps nobody announced. How many jobs it woke."""
    now = now or datetime.now(UTC)
    found = []
    for tenant_id in db.session.scalars(select(Tenant.id).where(Tenant.active.is_(True)).order_by(Tenant.id)).all():
        with tenant_context(tenant_id):
            to_deliver, to_announce = _due(tenant_id, now)
            db.session.rollback()
        found += [(deliver_handoff, tenant_id, i) for i in to_deliver]
        found += [(announce_handoff, tenant_id, i) for i in to_announce]
    if found:
        log.info("hand-off sweep: %d to deliver or announce", len(found))
    for job, tenant_id, handoff_id in found:
        enqueue(job, tenant_id=tenant_id, handoff_id=handoff_id)
    return len(found)


def sweep_handoffs() -> int:
    return sweep()


HANDOFF_JOB = Policy(timeout=60, retries=(10, 60, 300))


def register_jobs(jobs: JobRegistry) -> None:
    jobs.register(deliver_handoff, HANDOFF_JOB)
    jobs.register(announce_handoff, HANDOFF_JOB)
    jobs.every(30, sweep_handoffs, policy=Policy(timeout=120, retries=()))
