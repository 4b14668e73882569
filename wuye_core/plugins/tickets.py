"""Tickets for plugins, as the API would work them (public API: `from wuye_core.plugins import
open_ticket, resolve_ticket, dispatch_ticket`). Neither commits: the request or job that called commits, so the
plugin's own rows and the ticket land together or not at all. The 1.x versions in
`wuye_core.plugins.services` wrap these and commit (deprecated)."""

from __future__ import annotations


def open_ticket(community_id: int, *, site_id: int, title: str, category: str, actor: str, kind: str = "repair",
                priority: str = "normal", channel: str = "liaison_visit", description: str | None = None,
                location: str | None = None, household_id: int | None = None,
                reporter_resident_id: int | None = None) -> int:
    """Submit a ticket as the core's API would (place checks, category, SLA, events); returns its
    id. Bad values raise `DomainError` (the API's 422 naming the field). Commits nothing: to keep
    your own work when the ticket is refused, call it in a savepoint (`db.session.begin_nested()`)."""
    from marshmallow import ValidationError

    from ..errors import DomainError
    from ..tickets import service
    from ..tickets.schemas import TicketCreate

    payload = {"community_id": community_id, "site_id": site_id, "title": title, "category": category,
               "kind": kind, "priority": priority, "channel": channel, "description": description,
               "location": location, "household_id": household_id, "reporter_resident_id": reporter_resident_id}
    try:
        data = TicketCreate().load(payload)
    except ValidationError as exc:
        raise DomainError(errors={"json": exc.messages}) from exc  # the core's 422, in the caller's language
    return service.create_ticket(data, actor).id


def resolve_ticket(ticket_id: int, actor: str, note: str | None = None) -> bool:
    """Resolve a ticket (recorded in its history with `actor` and `note`); commits nothing.
    Returns False, changing nothing, when the ticket's state does not allow it (e.g. still only
    submitted, or already closed) or there is no such ticket in the tenant. The ticket stays
    locked until the caller's transaction ends (`get_for_update`): lock your own rows first."""
    from ..common.locking import get_for_update
    from ..tickets import service
    from ..tickets.models import Ticket
    from ..tickets.states import target

    ticket = get_for_update(Ticket, ticket_id)
    if ticket is None or target("resolve", ticket.status) is None:
        return False
    service.transition(ticket, "resolve", actor, note)
    return True


def dispatch_ticket(ticket_id: int, actor: str, *, team: str | None = None, assignee_id: int | None = None,
                    note: str | None = None) -> bool:
    """Dispatch a ticket (派单) to a team (the text staff users' `team` must equal: the core's
    field workers of that team then see it and may arrive and resolve) and/or a staff user, as
    the API's `dispatch` transition would (history with `actor` and `note`, the
    `ticket_transitioned` and `ticket_assigned` events); commits nothing. API 1.11.

    Returns False, changing nothing, when there is no such ticket in the tenant, its state does
    not allow a dispatch (on site, resolved, closed, cancelled), or it is already dispatched to
    exactly that team and user. Neither a team nor an assignee, or an assignee who may not work
    in the ticket's community, raises the core's `DomainError` (422 naming `assignee_id`). The
    ticket stays locked until the caller's transaction ends (`get_for_update`): lock your own rows
    first."""
    from ..common.locking import get_for_update
    from ..tickets import service
    from ..tickets.models import Ticket
    from ..tickets.states import Status, target

    team = team or None
    ticket = get_for_update(Ticket, ticket_id)
    if ticket is None or target("dispatch", ticket.status) is None:
        return False
    if ticket.status is Status.dispatched and (ticket.assignee_id, ticket.team) == (assignee_id, team):
        return False  # nothing would change (the service would answer 409)
    service.transition(ticket, "dispatch", actor, note, assignee_id=assignee_id, team=team)
    return True
