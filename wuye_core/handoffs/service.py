"""Handing off (转办) and handing back (退回), in the acting tenant's transaction. Services raise
domain errors and never commit: the request's edge commits, and after that commit the other
side's delivery (delivery.py) or the sender's announcement is woken (events.after_commit).

A hand-off travels over an accepted service link: from the side that took it to the other side
of the link (a street's one-stop window to the company serving the site, or a company to the
street for a public-area problem). What travels is the payload (title, description, kind,
category, priority, location) — the reporter's name and phone only when the link shares contacts
and the sender is the link's client (the resident's side)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import and_, or_, select

from .. import events
from ..audit import record
from ..audit.record import record_in_partner_trail
from ..common.locking import get_for_update
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..extensions import db
from ..i18n import N_, store_note
from ..jobs import enqueue
from ..links.models import LinkState, ServiceLink, Side
from ..tenancy import require_tenant_id
from ..tickets import access
from ..tickets import service as tickets
from ..tickets.models import Kind, Ticket
from ..tickets.states import OPEN, target
from .models import LIVE, Handoff, HandoffState, HandoffStep

NO_LINK = N_("No service link in force covers this ticket's site.")
ALREADY = N_("This ticket is already part of a hand-off in progress.")


def now() -> datetime:
    return datetime.now(UTC)


def add_step(handoff: Handoff, step: str, note: str | None = None, at: datetime | None = None) -> HandoffStep:
    row = HandoffStep(handoff_id=handoff.id, from_tenant_id=handoff.from_tenant_id,
                      to_tenant_id=handoff.to_tenant_id, by_tenant_id=require_tenant_id(), step=step,
                      note=store_note(note or None), at=at or now())
    db.session.add(row)
    return row


def announce_later(handoff: Handoff) -> None:
    """After this transaction commits, have the sender's outbox record the new steps (delivery.py)."""
    from .delivery import announce_handoff

    events.after_commit(enqueue, announce_handoff, tenant_id=handoff.from_tenant_id, handoff_id=handoff.id)


def _both_trails(handoff: Handoff, action: str, **details) -> None:
    details = {"handoff": handoff.id, "link": handoff.link_id, **{k: v for k, v in details.items() if v is not None}}
    record(action, target_type="handoff", target_id=handoff.id, details=details)
    record_in_partner_trail(handoff.partner_of(require_tenant_id()), action, target_type="handoff",
                            target_id=handoff.id, details={**details, "by_tenant": require_tenant_id()})


def link_covering(site_id: int) -> ServiceLink | None:
    """The accepted link that names our site `site_id` (on our side, whichever it is)."""
    tenant_id = require_tenant_id()
    return db.session.scalar(select(ServiceLink).where(
        ServiceLink.state == LinkState.accepted,
        or_(and_(ServiceLink.client_tenant_id == tenant_id, ServiceLink.client_site_id == site_id),
            and_(ServiceLink.provider_tenant_id == tenant_id, ServiceLink.provider_site_id == site_id)))
        .limit(1))


def live_handoff_of_ticket(ticket_id: int) -> int | None:
    """The id of a hand-off in progress our ticket is part of, on either side."""
    tenant_id = require_tenant_id()
    return db.session.scalar(select(Handoff.id).where(
        Handoff.state.in_(LIVE),
        or_(and_(Handoff.from_tenant_id == tenant_id, Handoff.from_ticket_id == ticket_id),
            and_(Handoff.to_tenant_id == tenant_id, Handoff.to_ticket_id == ticket_id))).limit(1))


def _new(link: ServiceLink, *, payload: dict, source: str, source_id: str, actor: str | None,
         from_ticket: Ticket | None = None, from_community_id: int | None = None,
         note: str | None = None) -> Handoff:
    tenant_id = require_tenant_id()
    side = link.side_of(tenant_id)
    handoff = Handoff(link_id=link.id, from_tenant_id=tenant_id, to_tenant_id=link.partner_of(tenant_id),
                      source=source, source_id=str(source_id)[:64], from_community_id=from_community_id,
                      to_site_id=link.provider_site_id if side == Side.client else link.client_site_id,
                      state=HandoffState.sent, payload=payload, note=note, created_at=now(), created_by=actor,
                      attempts=0, announced_step_id=0)
    if from_ticket is not None:
        handoff.from_ticket_id = from_ticket.id
        handoff.from_status = from_ticket.status.value
        handoff.from_arrive_due_at, handoff.from_resolve_due_at = from_ticket.arrive_due_at, from_ticket.resolve_due_at
        handoff.from_arrive_breached_at = from_ticket.arrive_breached_at
        handoff.from_resolve_breached_at = from_ticket.resolve_breached_at
    db.session.add(handoff)
    db.session.flush()
    add_step(handoff, "sent", note)
    _both_trails(handoff, "handoff.sent", ticket=handoff.from_ticket_id, source=None if from_ticket else source,
                 source_id=None if from_ticket else handoff.source_id)
    from .delivery import deliver_handoff

    events.after_commit(enqueue, deliver_handoff, tenant_id=handoff.to_tenant_id, handoff_id=handoff.id)
    return handoff


def hand_off_ticket(ticket_id: int, identity, note: str | None = None) -> Handoff:
    """Hand our open ticket to the other side of the accepted link that covers its site. The
    caller must be allowed to write in the ticket's community."""
    ticket = get_for_update(Ticket, ticket_id)  # two hand-offs of one ticket: the second waits, then is refused
    if ticket is None or not access.may_read(identity, ticket):
        raise NotFound(N_("No such ticket."))
    if not access.may_write(identity, ticket):
        raise Forbidden(N_("Your role does not allow this."))
    if ticket.status not in OPEN:
        raise Conflict(N_("Only an open ticket can be handed off."))
    if live_handoff_of_ticket(ticket.id) is not None:
        raise Conflict(ALREADY)
    link = link_covering(ticket.site_id)
    if link is None:
        raise Conflict(NO_LINK)
    payload = {"title": ticket.title, "description": ticket.description, "kind": ticket.kind.value,
               "category": ticket.category, "priority": ticket.priority.value, "location": ticket.location}
    if link.share_contact and link.side_of(require_tenant_id()) == Side.client:
        payload.update(reporter_name=ticket.reporter_name, reporter_phone=ticket.reporter_phone)
    handoff = _new(link, payload=payload, source="ticket", source_id=str(ticket.id), actor=identity.username,
                   from_ticket=ticket, from_community_id=ticket.community_id, note=note)
    ticket.handoff_id = handoff.id
    return handoff


def hand_off(*, link_id: int, title: str, description: str | None = None, kind: str = "complaint",
             category: str | None = None, source: str, source_id: str, actor: str | None = None) -> Handoff:
    """A hand-off with no ticket of ours behind it (a plugin's record, `source` "<plugin>.<kind>").
    The same (source, source_id) while one is in progress gives that one back: never doubled."""
    from ..links.service import get_link

    if not title or not str(title).strip():
        raise Invalid("title", N_("Required."))
    if kind not in {k.value for k in Kind}:
        raise Invalid("kind", N_("Not a ticket kind."))
    link = get_link(link_id)
    if link.state != LinkState.accepted:
        raise Conflict(N_("This service link is not in force."))
    tenant_id = require_tenant_id()
    existing = db.session.scalar(select(Handoff).where(
        Handoff.from_tenant_id == tenant_id, Handoff.source == source, Handoff.source_id == str(source_id)[:64],
        Handoff.state.in_(LIVE)).limit(1))
    if existing is not None:
        return existing
    side = link.side_of(tenant_id)
    if side == Side.client:
        community_id = link.client_community_id
    else:
        from ..households.models import Site

        site = db.session.get(Site, link.provider_site_id) if link.provider_site_id else None
        community_id = site.community_id if site else None
    payload = {"title": str(title)[:100], "description": description, "kind": kind, "category": category,
               "priority": "normal", "location": None}
    return _new(link, payload=payload, source=source, source_id=source_id, actor=actor,
                from_community_id=community_id)


def get_handoff(handoff_id: int, *, lock: bool = False) -> Handoff:
    """A hand-off the current tenant is a party to (the framework scopes the query), or 404."""
    handoff = get_for_update(Handoff, handoff_id) if lock else db.session.get(Handoff, handoff_id)
    if handoff is None:
        raise NotFound(N_("No such hand-off."))
    return handoff


def may_see(identity, handoff: Handoff) -> bool:
    """Staff who may read our side's community (the sender's, or the receiver's once delivered)."""
    mine = handoff.from_community_id if handoff.side_of(require_tenant_id()) == "sent" else handoff.to_community_id
    readable = identity.readable_communities()
    return readable is None or mine in readable


def return_handoff(handoff_id: int, identity, reason: str | None) -> Handoff:
    """The receiving side hands it back, with a reason: its ticket is cancelled (the reason as the
    note), the sender's ticket is theirs again (it stays open)."""
    if not reason or not str(reason).strip():
        raise Invalid("reason", N_("Say why it is handed back."))
    handoff = get_handoff(handoff_id, lock=True)
    if handoff.to_tenant_id != require_tenant_id():
        raise Forbidden(N_("Only the side that received a hand-off can hand it back."))
    if handoff.state != HandoffState.delivered or handoff.to_ticket_id is None:
        raise Conflict(N_("This hand-off cannot be handed back now."))
    ticket = get_for_update(Ticket, handoff.to_ticket_id)
    if ticket is None or not access.may_write(identity, ticket):
        raise Forbidden(N_("Your role does not allow this."))
    handoff.state, handoff.returned_reason = HandoffState.returned, str(reason)[:500]
    handoff.to_status = "cancelled"
    if ticket.status in OPEN and target("cancel", ticket.status) is not None:
        tickets.transition(ticket, "cancel", identity.username, note=reason)
    else:
        raise Conflict(N_("Our ticket is too far along to be handed back."))
    add_step(handoff, "returned", reason)
    _both_trails(handoff, "handoff.returned", reason=str(reason)[:200])
    announce_later(handoff)
    return handoff


def handoffs_query(direction: str | None = None, state: str | None = None, identity=None):
    """The current tenant's hand-offs (the framework adds "we are a party"), newest first."""
    tenant_id = require_tenant_id()
    query = select(Handoff).order_by(Handoff.id.desc())
    if direction == "sent":
        query = query.where(Handoff.from_tenant_id == tenant_id)
    elif direction == "received":
        query = query.where(Handoff.to_tenant_id == tenant_id)
    if state:
        query = query.where(Handoff.state == state)
    readable = identity.readable_communities() if identity is not None else None
    if readable is not None:
        readable = list(readable)
        query = query.where(or_(and_(Handoff.from_tenant_id == tenant_id, Handoff.from_community_id.in_(readable)),
                                and_(Handoff.to_tenant_id == tenant_id, Handoff.to_community_id.in_(readable))))
    return query


def ticket_handoffs(ticket_id: int) -> list[Handoff]:
    """Every hand-off our ticket was part of, either side, newest first."""
    tenant_id = require_tenant_id()
    return list(db.session.scalars(select(Handoff).where(
        or_(and_(Handoff.from_tenant_id == tenant_id, Handoff.from_ticket_id == ticket_id),
            and_(Handoff.to_tenant_id == tenant_id, Handoff.to_ticket_id == ticket_id)))
        .order_by(Handoff.id.desc())))


def steps_of(handoff_id: int) -> list[HandoffStep]:
    return list(db.session.scalars(select(HandoffStep).where(HandoffStep.handoff_id == handoff_id)
                                   .order_by(HandoffStep.id)))
