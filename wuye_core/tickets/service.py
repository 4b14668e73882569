"""What can happen to a ticket. The HTTP layer and the periodic jobs both come through here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from flask_smorest import abort
from sqlalchemy import Integer, bindparam, literal_column, select

from .. import events
from ..auth.models import StaffUser
from ..errors import invalid
from ..extensions import db
from ..households.community_config import shared_effective_config
from ..households.models import Building, Community, Household, Resident, Site, Unit
from ..i18n import N_
from . import sla
from .models import Ticket, TicketTransition
from .states import Status, allowed_actions, target

SYSTEM = "system"


def now() -> datetime:
    return datetime.now(UTC)


def tickets_config(community: Community) -> dict:
    """The community's `tickets` config section (shared: read only)."""
    return shared_effective_config(community)["tickets"]


_PLACES = (("building_id", Building), ("unit_id", Unit), ("household_id", Household),
           ("reporter_resident_id", Resident))


def _given_places(data: dict) -> tuple[str, ...]:
    return tuple(field for field, _ in _PLACES if data.get(field) is not None)


def _community_and_place(data: dict) -> tuple[Community | None, tuple, int | None]:
    """The ticket's community, the place checks and (PostgreSQL) the new ticket's id, in one
    statement: the community with its site, building, unit, household and reporter LEFT JOINed by
    id — ticket creation is the hottest write path, and each statement costs a round trip and
    more Python than the work it does."""
    given = _given_places(data)
    params = {field: data[field] for field in given}
    params.update(community_id=data["community_id"], site_id=data["site_id"])
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    row = db.session.execute(_community_statement(given, postgresql), params).first()
    if row is None:
        return None, (), None
    return row[0], row[1:-1] if postgresql else row[1:], row[-1] if postgresql else None


def _check_place(data: dict, community: Community, place: tuple) -> None:
    """The site, building, unit, household and reporter must all lie in the ticket's community.
    `place`: the columns `_community_and_place` read, three per given field, in _PLACES order."""
    if place[0] != community.id:
        invalid("site_id", N_("Does not exist in this community."))
    for i, field in enumerate(_given_places(data)):
        found, community_id, site_id = place[1 + 3 * i: 4 + 3 * i]
        if found is None or community_id != community.id:
            invalid(field, N_("Does not exist in this community."))
        if site_id != data["site_id"]:
            invalid(field, N_("Does not belong to the given site."))


@lru_cache(maxsize=64)
def _community_statement(given: tuple[str, ...], postgresql: bool):
    """Built once per combination of given fields (16 at most) and dialect, ids as parameters.
    On PostgreSQL the new ticket's id comes from its sequence here, so the ticket, its history
    row and its outbox event are written in one flush (SQLite learns the id from the INSERT)."""
    models = dict(_PLACES)
    columns = [Community, Site.community_id]
    for field in given:
        columns += [models[field].id, models[field].community_id, models[field].site_id]
    if postgresql:
        columns.append(literal_column("nextval('tickets_id_seq')", Integer))
    stmt = select(*columns).select_from(Community).outerjoin(Site, Site.id == bindparam("site_id"))
    for field in given:
        stmt = stmt.outerjoin(models[field], models[field].id == bindparam(field))
    return stmt.where(Community.id == bindparam("community_id"))


def _apply_sla(ticket: Ticket, community: Community) -> None:
    who, policy = sla.resolve_policy(ticket.tenant_id or community.tenant_id, community.id, ticket.kind,
                                     ticket.category, ticket.priority, tickets_config(community))
    ticket.sla_policy = policy.get("name") if who == "core" else f"{who}:{policy.get('name', '')}"[:40]
    ticket.arrive_due_at, ticket.resolve_due_at = sla.deadlines(ticket.created_at, policy)


def _log(ticket: Ticket, action: str, before: Status | None, actor: str, note: str | None = None) -> None:
    db.session.add(TicketTransition(ticket_id=ticket.id, action=action, from_status=before and before.value,
                                    to_status=ticket.status.value, actor=actor, note=note, at=now()))


def create_ticket(data: dict, actor: str, authorize: Callable[[Community], None] | None = None) -> Ticket:
    """Validate and write a new ticket. `authorize(community)` may refuse (abort) before anything
    about the place is revealed; the HTTP layer checks the caller's permissions there."""
    community, place, ticket_id = _community_and_place(data)
    if community is None:
        invalid("community_id", N_("Does not exist."))
    if authorize is not None:
        authorize(community)
    _check_place(data, community, place)
    if data["category"] not in tickets_config(community)["categories"]:
        invalid("category", N_("Not one of this community's ticket categories."))
    ticket = Ticket(**data, id=ticket_id, status=Status.submitted, created_by=actor, created_at=now(),
                    reopened_count=0)
    ticket.tenant_id = community.tenant_id
    _apply_sla(ticket, community)
    db.session.add(ticket)
    if ticket_id is None:
        db.session.flush()  # SQLite: the id comes from the INSERT
    _log(ticket, "submit", None, actor)
    events.record("ticket_created", ticket.community_id, ticket.id, actor=actor, kind=ticket.kind.value,
                  category=ticket.category, priority=ticket.priority.value, channel=ticket.channel.value)
    events.commit()
    return ticket


def update_ticket(ticket: Ticket, data: dict, actor: str) -> Ticket:
    community = db.session.get(Community, ticket.community_id)
    if "category" in data and data["category"] not in tickets_config(community)["categories"]:
        invalid("category", N_("Not one of this community's ticket categories."))
    priority_changed = "priority" in data and data["priority"] != ticket.priority
    for key, value in data.items():
        setattr(ticket, key, value)
    if priority_changed:  # deadlines follow the priority, counted from submission
        _apply_sla(ticket, community)
        ticket.arrive_breached_at = ticket.resolve_breached_at = None
    events.commit()
    return ticket


def _assignee(user_id: int, community_id: int) -> StaffUser:
    from ..auth.identity import staff_identity

    user = db.session.get(StaffUser, user_id)
    if user is None or not user.active or not staff_identity(user).can_write(community_id):
        invalid("assignee_id", N_("No active staff user who works in this community."))
    return user


def transition(ticket: Ticket, action: str, actor: str, note: str | None = None, assignee_id: int | None = None,
               team: str | None = None) -> Ticket:
    before = ticket.status
    after = target(action, before)
    if after is None:
        abort(409, message=N_("This action is not possible in the ticket's current state."),
              errors={"json": {"action": [N_("Not allowed now.")]}, "status": before.value,
                      "allowed_actions": allowed_actions(before)})
    at = now()
    if action == "dispatch":
        if assignee_id is None and not team:
            invalid("assignee_id", N_("Dispatch needs a staff user or a team."))
        if assignee_id is not None:
            _assignee(assignee_id, ticket.community_id)
        ticket.assignee_id, ticket.team = assignee_id, team
        ticket.dispatched_at = at
        ticket.accepted_at = ticket.accepted_at or at
    elif action == "accept":
        ticket.accepted_at = ticket.accepted_at or at
    elif action == "arrive":
        ticket.on_site_at = ticket.on_site_at or at
    elif action == "resolve":
        ticket.resolved_at = at
    elif action == "close":
        ticket.closed_at = at
    elif action == "reopen":
        ticket.reopened_count += 1
        ticket.resolved_at = ticket.closed_at = None
        ticket.rating = ticket.rating_comment = ticket.rated_at = None
    elif action == "cancel":
        ticket.closed_at = at
    ticket.status = after
    _log(ticket, action, before, actor, note)
    events.record("ticket_transitioned", ticket.community_id, ticket.id, actor=actor, action=action,
                  from_status=before.value, to_status=after.value)
    if action == "dispatch":
        events.record("ticket_assigned", ticket.community_id, ticket.id, actor=actor,
                      assignee_id=ticket.assignee_id, team=ticket.team)
    events.commit()
    return ticket


def rate(ticket: Ticket, rating: int, comment: str | None, actor: str) -> Ticket:
    if ticket.status not in (Status.resolved, Status.closed):
        abort(409, message=N_("Only a resolved ticket can be rated."),
              errors={"json": {"rating": [N_("Not allowed now.")]}, "status": ticket.status.value,
                      "allowed_actions": allowed_actions(ticket.status)})
    ticket.rating, ticket.rating_comment, ticket.rated_at = rating, comment, now()
    events.record("ticket_rated", ticket.community_id, ticket.id, actor=actor, rating=rating)
    if ticket.status is Status.resolved:  # the return visit (回访) closes the ticket
        before, ticket.status, ticket.closed_at = ticket.status, Status.closed, now()
        _log(ticket, "close", before, actor, "回访完成 / rated")
        events.record("ticket_transitioned", ticket.community_id, ticket.id, actor=actor, action="close",
                      from_status=before.value, to_status=Status.closed.value)
    events.commit()
    return ticket


# --- periodic work (one tenant at a time; the caller enters the tenant context) -----------------


def mark_sla_breaches(at: datetime | None = None) -> int:
    """Mark each missed deadline once and emit `ticket_sla_breached`; returns how many."""
    at = at or now()
    marked = 0
    arrive = select(Ticket).where(Ticket.arrive_due_at < at, Ticket.on_site_at.is_(None),
                                  Ticket.arrive_breached_at.is_(None), Ticket.status.in_(_open()))
    resolve = select(Ticket).where(Ticket.resolve_due_at < at, Ticket.resolved_at.is_(None),
                                   Ticket.resolve_breached_at.is_(None), Ticket.status.in_(_open()))
    for deadline, stmt in (("arrive", arrive), ("resolve", resolve)):
        for ticket in db.session.scalars(stmt.with_for_update(skip_locked=True)).all():
            due = ticket.arrive_due_at if deadline == "arrive" else ticket.resolve_due_at
            setattr(ticket, f"{deadline}_breached_at", at)
            events.record("ticket_sla_breached", ticket.community_id, ticket.id, actor=SYSTEM, deadline=deadline,
                          due_at=due.isoformat(), priority=ticket.priority.value)
            marked += 1
    events.commit()
    return marked


def auto_close(at: datetime | None = None) -> int:
    """Close resolved tickets nobody rated within the community's `auto_close_days`."""
    at = at or now()
    closed = 0
    for community in db.session.scalars(select(Community)).all():
        days = tickets_config(community)["auto_close_days"]
        stale = select(Ticket).where(Ticket.community_id == community.id, Ticket.status == Status.resolved,
                                     Ticket.resolved_at < at - timedelta(days=days))
        for ticket in db.session.scalars(stale.with_for_update(skip_locked=True)).all():
            ticket.status, ticket.closed_at = Status.closed, at
            _log(ticket, "close", Status.resolved, SYSTEM, f"{days} 天未评价，自动关闭 / auto-closed")
            events.record("ticket_transitioned", ticket.community_id, ticket.id, actor=SYSTEM, action="close",
                          from_status=Status.resolved.value, to_status=Status.closed.value)
            closed += 1
    events.commit()
    return closed


def _open():
    from .states import OPEN

    return [s.value for s in OPEN]


