"""What can happen to a ticket. The HTTP layer, the periodic jobs and plugins all come through here.

A refusal raises a DomainError (errors.py); nothing here commits: the request, job or command
that called commits (events.commit(), which relays the events recorded here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from sqlalchemy import bindparam, select

from .. import events
from ..auth.models import StaffUser
from ..errors import Conflict, invalid
from ..extensions import db
from ..households.community_config import shared_effective_config
from ..households.models import Building, Community, Household, Resident, Site, Unit
from ..i18n import N_, store_note
from ..tenancy import direct
from ..tenancy.direct import NewId
from . import sla
from .access import assignable_users
from .models import Ticket, TicketRating, TicketTransition
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


@dataclass(frozen=True)
class CommunityRow:
    """What creating a ticket reads of its community: a row, not an entity."""

    id: int
    tenant_id: int
    config: dict | None


def _community_and_place(data: dict) -> tuple[CommunityRow | None, tuple]:
    """The ticket's community and the place checks, in one statement: the community with its
    site, building, unit, household and reporter LEFT JOINed by id — ticket creation is the
    hottest write path, and each statement costs a round trip and more Python than the work it
    does (hence also a direct statement: tenancy/direct.py)."""
    given = _given_places(data)
    params = {field: data[field] for field in given}
    params.update(community_id=data["community_id"], site_id=data["site_id"])
    row = direct.select_rows(_community_statement(given), params).first()
    if row is None:
        return None, ()
    return CommunityRow(*row[:3]), row[3:]


def _check_place(data: dict, community: CommunityRow, place: tuple) -> None:
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


@lru_cache(maxsize=32)
def _community_statement(given: tuple[str, ...]):
    """Built once per combination of given fields (16 at most), ids as parameters."""
    models = dict(_PLACES)
    columns = [Community.id, Community.tenant_id, Community.config, Site.community_id]
    for field in given:
        columns += [models[field].id, models[field].community_id, models[field].site_id]
    stmt = select(*columns).select_from(Community).outerjoin(Site, Site.id == bindparam("site_id"))
    for field in given:
        stmt = stmt.outerjoin(models[field], models[field].id == bindparam(field))
    return stmt.where(Community.id == bindparam("community_id"))


def _apply_sla(ticket: Ticket, community: Community) -> None:
    who, policy = sla.resolve_policy(ticket.tenant_id or community.tenant_id, community.id, ticket.kind,
                                     ticket.category, ticket.priority, tickets_config(community))
    ticket.sla_policy = policy.get("name") if who == "core" else f"{who}:{policy.get('name', '')}"[:40]
    ticket.arrive_due_at, ticket.resolve_due_at = sla.deadlines(ticket.created_at, policy)


def _handoff(ticket: Ticket) -> dict:
    """What a ticket's events carry of its hand-off (handoffs/progress.py reads it from the event,
    so that every other ticket event is passed by without a query)."""
    return {"handoff_id": ticket.handoff_id} if ticket.handoff_id is not None else {}


def _log(ticket: Ticket, action: str, before: Status | None, actor: str, note: str | None = None,
         rating: int | None = None) -> None:
    db.session.add(TicketTransition(ticket_id=ticket.id, action=action, from_status=before and before.value,
                                    to_status=ticket.status.value, actor=actor, note=store_note(note), at=now(),
                                    rating=rating))


def create_ticket(data: dict, actor: str, authorize: Callable[[CommunityRow], None] | None = None) -> Ticket:
    """Validate and write a new ticket. `authorize(community)` may refuse (raise) before anything
    about the place is revealed; the HTTP layer checks the caller's permissions there.

    The ticket, its first history row and its `ticket_created` event are one INSERT statement
    on PostgreSQL (tenancy/direct.py); the returned ticket is not in the session. Like every
    service here it does not commit: the caller's edge does (events.commit() relays the event)."""
    community, place = _community_and_place(data)
    if community is None:
        invalid("community_id", N_("Does not exist."))
    if authorize is not None:
        authorize(community)
    _check_place(data, community, place)
    if data["category"] not in tickets_config(community)["categories"]:
        invalid("category", N_("Not one of this community's ticket categories."))
    at = now()
    ticket = Ticket(**data, status=Status.submitted, created_by=actor, created_at=at, reopened_count=0)
    ticket.tenant_id = community.tenant_id
    _apply_sla(ticket, community)
    values = {column: getattr(ticket, column) for column in NEW_TICKET_COLUMNS}
    ticket.id, _, outbox_id = direct.insert_rows(
        (Ticket, values),
        (TicketTransition, {"ticket_id": NewId(0), "action": "submit", "from_status": None,
                            "to_status": Status.submitted.value, "actor": actor, "note": None, "at": at}),
        events.outbox_row("ticket_created", ticket.community_id, NewId(0), actor=actor, kind=ticket.kind.value,
                          category=ticket.category, priority=ticket.priority.value, channel=ticket.channel.value))
    events.recorded(outbox_id)
    return ticket


# What a new ticket is written with, given or not (one statement shape): the fields TicketCreate
# takes (a test holds the two together) and what creation computes.
NEW_TICKET_COLUMNS = ("community_id", "site_id", "building_id", "unit_id", "household_id", "location",
                      "reporter_resident_id", "reporter_name", "reporter_phone", "channel", "kind", "category",
                      "title", "description", "priority",
                      "status", "created_by", "created_at", "reopened_count", "arrive_due_at", "resolve_due_at",
                      "sla_policy")


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
        events.record("ticket_deadlines_changed", ticket.community_id, ticket.id, actor=actor,
                      priority=ticket.priority.value, arrive_due_at=_iso(ticket.arrive_due_at),
                      resolve_due_at=_iso(ticket.resolve_due_at), **_handoff(ticket))
    db.session.flush()
    return ticket


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _assignee(user_id: int, community_id: int) -> StaffUser:
    """An active user a ticket of the community may be dispatched to: staff who may write there,
    or a worker of the community (tickets/access.assignable_users, which the console's dialog lists)."""
    found = assignable_users(community_id, user_id)
    if not found:
        invalid("assignee_id", N_("No active staff user who works in this community."))
    return found[0][0]


def _conflict(ticket: Ticket, message: str, field: str) -> Conflict:
    """409 naming the field, with the ticket's current status and what may be done now."""
    return Conflict(message, {"json": {field: [N_("Not allowed now.")]}, "status": ticket.status.value,
                              "allowed_actions": allowed_actions(ticket.status)})


def transition(ticket: Ticket, action: str, actor: str, note: str | None = None, assignee_id: int | None = None,
               team: str | None = None) -> Ticket:
    """Move the ticket by `action`; 409 (Conflict: current status, allowed actions) when its state
    does not allow it. `ticket` must be loaded with `get_for_update` (common/locking.py), as the
    routes and `wuye_core.plugins.resolve_ticket` do: the check and the write then see one state."""
    before = ticket.status
    after = target(action, before)
    if after is None:
        raise _conflict(ticket, N_("This action is not possible in the ticket's current state."), "action")
    at = now()
    if action == "dispatch":
        if assignee_id is None and not team:
            invalid("assignee_id", N_("Dispatch needs a staff user or a team."))
        if before is Status.dispatched and (ticket.assignee_id, ticket.team) == (assignee_id, team):
            # nothing would change but a second history row and notification (two clicks, a retry)
            raise _conflict(ticket, N_("The ticket is already dispatched to them."), "assignee_id")
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
        # a new resolution: its rating is still to come; the earlier one stays in the history
        # ("rate"/"correct_rating" rows) and in the ticket's ratings (TicketRating)
        ticket.reopened_count += 1
        ticket.resolved_at = ticket.closed_at = None
        ticket.rating = ticket.rating_comment = ticket.rated_at = None
    elif action == "cancel":
        ticket.closed_at = at
    ticket.status = after
    _log(ticket, action, before, actor, note)
    events.record("ticket_transitioned", ticket.community_id, ticket.id, actor=actor, action=action,
                  from_status=before.value, to_status=after.value, **_handoff(ticket))
    if action == "dispatch":
        events.record("ticket_assigned", ticket.community_id, ticket.id, actor=actor,
                      assignee_id=ticket.assignee_id, team=ticket.team, **_handoff(ticket))
    db.session.flush()
    return ticket


def rate(ticket: Ticket, rating: int, comment: str | None, actor: str, reason: str | None = None,
         comment_given: bool = True) -> Ticket:
    """The return visit's rating (回访评价), recorded once per resolution; closes a resolved ticket.

    A second rating of the same resolution is a correction: refused (409) without a `reason`;
    with one, the ticket's rating becomes the new one and the correction — who, when, why, from
    what to what — is a row of the ticket's history (action "correct_rating") and of its ratings
    (TicketRating), like every rating. A correction that changes nothing records nothing (a PUT
    sent twice). `comment_given`: False keeps the comment of the rating corrected.

    Reopening starts a new resolution: the ticket's current rating (what KPIs count) is cleared,
    the earlier ratings stay in its history and ratings. `ticket` locked, as for `transition`."""
    if ticket.status not in (Status.resolved, Status.closed):
        raise _conflict(ticket, N_("Only a resolved ticket can be rated."), "rating")
    at = now()
    resolution = ticket.reopened_count + 1
    if ticket.rated_at is not None:
        if not reason:
            raise _conflict(ticket, N_("The ticket is already rated: to correct the rating, give a reason."),
                            "rating")
        if not comment_given:
            comment = ticket.rating_comment
        if (ticket.rating, ticket.rating_comment) == (rating, comment):
            return ticket  # nothing would change
        previous = ticket.rating
        ticket.rating, ticket.rating_comment, ticket.rated_at = rating, comment, at
        db.session.add(TicketRating(ticket_id=ticket.id, resolution=resolution, rating=rating, comment=comment,
                                    previous_rating=previous, reason=reason, actor=actor, at=at))
        _log(ticket, "correct_rating", ticket.status, actor,
             N_("Rating corrected from %(before)s to %(after)s: %(reason)s", before=previous, after=rating,
                reason=reason), rating=rating)
        events.record("ticket_rated", ticket.community_id, ticket.id, actor=actor, rating=rating,
                      correction=True, previous_rating=previous, **_handoff(ticket))
        db.session.flush()
        return ticket
    if reason:
        invalid("reason", N_("Only a correction of an existing rating takes a reason."))
    ticket.rating, ticket.rating_comment, ticket.rated_at = rating, comment, at
    db.session.add(TicketRating(ticket_id=ticket.id, resolution=resolution, rating=rating, comment=comment,
                                actor=actor, at=at))
    _log(ticket, "rate", ticket.status, actor, comment, rating=rating)
    events.record("ticket_rated", ticket.community_id, ticket.id, actor=actor, rating=rating, correction=False,
                  previous_rating=None, **_handoff(ticket))
    if ticket.status is Status.resolved:  # the return visit (回访) closes the ticket
        before, ticket.status, ticket.closed_at = ticket.status, Status.closed, at
        _log(ticket, "close", before, actor, N_("Closed after the return visit (rated)."))
        events.record("ticket_transitioned", ticket.community_id, ticket.id, actor=actor, action="close",
                      from_status=before.value, to_status=Status.closed.value, **_handoff(ticket))
    db.session.flush()
    return ticket


# --- periodic work (one tenant at a time; the caller enters the tenant context and commits) -----


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
                          due_at=due.isoformat(), priority=ticket.priority.value, **_handoff(ticket))
            marked += 1
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
            _log(ticket, "close", Status.resolved, SYSTEM,
                 N_("Closed automatically: not rated within %(days)s days.", days=days))
            events.record("ticket_transitioned", ticket.community_id, ticket.id, actor=SYSTEM, action="close",
                          from_status=Status.resolved.value, to_status=Status.closed.value,
                          **_handoff(ticket))
            closed += 1
    return closed


def _open():
    from .states import OPEN

    return [s.value for s in OPEN]


