"""Who may see and do what with a ticket: the one place the ticket routes and services ask.

Two kinds of access:
- the register's: whoever may read a community (`Identity.can_read`: tenant_admin,
  community_staff, readonly, plugin roles with `can_read`) reads all its tickets; whoever may write
  there (`can_write`) does everything to them (submit, edit, dispatch, cancel, rate…);
- the field's: a worker (维修工, auth/roles.py FIELD_ROLES) of a community reads only the tickets
  dispatched there to them (`assignee_id`) or to their team (`Ticket.team` equal to their
  `StaffUser.team`), with their history and attachments, and on those does only FIELD_ACTIONS
  and uploads photos. Every other ticket is 404 to them, as it is to someone of another
  community; a ticket of theirs they may not change that way is 403.

A worker reads nothing of the register (role_permissions: no read, no write), so the
households, residents, community config, KPIs, exports and every plugin route (host/gate.py checks
`can_read` of the community) answer them as they answer anyone without access.
"""

from __future__ import annotations

from flask_smorest import abort
from sqlalchemy import false, or_, select
from sqlalchemy.orm import selectinload

from ..api.access import require_staff
from ..auth.models import RoleGrant, StaffUser
from ..auth.roles import ALL, Identity
from ..common.locking import get_for_update
from ..extensions import db
from ..households.access import creation_authorizer  # noqa: F401 (the tickets' edges import it from here)
from .models import Ticket

# What a worker does on a ticket of theirs, in the field: arrive (到场) and resolve (办结).
FIELD_ACTIONS = frozenset({"arrive", "resolve"})


def _theirs(identity: Identity):
    """SQL: dispatched to the identity or to its team."""
    mine = Ticket.assignee_id == identity.user_id
    return or_(mine, Ticket.team == identity.team) if identity.team else mine


def is_theirs(identity: Identity, ticket: Ticket) -> bool:
    """Dispatched to the identity or to its team."""
    return ticket.assignee_id == identity.user_id or bool(identity.team and ticket.team == identity.team)


def mine_clause(identity: Identity):
    """`?mine=true`: the tickets dispatched to the caller or to the caller's team."""
    return _theirs(identity)


def visible_clause(identity: Identity):
    """SQL restricting a ticket query to what `identity` may read, or None for every ticket of the
    tenant. The register's communities, plus the worker's own tickets in its field communities."""
    readable = identity.readable_communities()
    if readable is ALL:
        return None
    field = identity.field_communities()
    clauses = [Ticket.community_id.in_(readable)] if readable else []
    if field is ALL:
        clauses.append(_theirs(identity))
    elif field:
        clauses.append(Ticket.community_id.in_(field) & _theirs(identity))
    return or_(*clauses) if clauses else false()


def may_read(identity: Identity, ticket: Ticket) -> bool:
    return identity.can_read(ticket.community_id) or (identity.works_in_field(ticket.community_id)
                                                      and is_theirs(identity, ticket))


def may_write(identity: Identity, ticket: Ticket) -> bool:
    """Everything: edit, dispatch, cancel, rate, every transition."""
    return identity.can_write(ticket.community_id)


def may_work(identity: Identity, ticket: Ticket, action: str | None = None) -> bool:
    """Work on the ticket in the field: `action` (a transition), or an upload when None."""
    if may_write(identity, ticket):
        return True
    return (identity.works_in_field(ticket.community_id) and is_theirs(identity, ticket)
            and (action is None or action in FIELD_ACTIONS))


def works_on_tickets(identity: Identity, community_id: int) -> bool:
    """Whether a ticket of the community may be dispatched to this identity: staff who may write
    there, or a worker of the community."""
    return identity.can_write(community_id) or identity.works_in_field(community_id)


def assignable_users(community_id: int, user_id: int | None = None) -> list[tuple[StaffUser, bool]]:
    """The active users a ticket of the community may be dispatched to (`works_on_tickets`), as
    (user, works in the field there): the community's workers first, then the other staff who may
    write there, each group by id. `user_id`: only that user (the service's check of one
    assignee). One rule for the check and for whoever lists the choices (the console's dialog)."""
    stmt = (select(StaffUser).where(StaffUser.active.is_(True))
            # only a grant for the whole tenant or for this community can let anyone work there
            .where(StaffUser.id.in_(select(RoleGrant.user_id).where(
                or_(RoleGrant.community_id.is_(None), RoleGrant.community_id == community_id))))
            .options(selectinload(StaffUser.grants)).order_by(StaffUser.id))
    if user_id is not None:
        stmt = stmt.where(StaffUser.id == user_id)
    from ..auth.identity import staff_identity

    found = []
    for user in db.session.scalars(stmt):
        identity = staff_identity(user)
        if works_on_tickets(identity, community_id):
            found.append((user, identity.works_in_field(community_id)))
    return sorted(found, key=lambda pair: not pair[1])  # stable: by id within each group


# --- for the routes --------------------------------------------------------------------------------


def readable_ticket(ticket_id: int, lock: bool = False) -> Ticket:
    """The ticket, or 404 when there is none the caller may read."""
    ticket = get_for_update(Ticket, ticket_id) if lock else db.session.get(Ticket, ticket_id)
    if ticket is None or not may_read(require_staff(), ticket):
        abort(404)
    return ticket


def writable_ticket(ticket_id: int, lock: bool = True) -> Ticket:
    """The ticket a write changes, locked until the request commits (common/locking.py): a
    concurrent write to it waits, then sees this one's result — of two identical transitions
    one wins, the other gets 409 with the current status. 403 unless the caller may write in its
    community."""
    ticket = readable_ticket(ticket_id, lock=lock)
    if not may_write(require_staff(), ticket):
        abort(403)
    return ticket


def workable_ticket(ticket_id: int, action: str | None = None, lock: bool = True) -> Ticket:
    """Like `writable_ticket`, but a worker passes for FIELD_ACTIONS (or an upload, `action`
    None) on a ticket of theirs. `lock=False` for a write that changes nothing of the ticket and
    does slow work (an upload): no lock is held across it."""
    ticket = readable_ticket(ticket_id, lock=lock)
    if not may_work(require_staff(), ticket, action):
        abort(403)
    return ticket
