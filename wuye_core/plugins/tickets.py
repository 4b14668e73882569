"""Tickets for plugins, as the API would work them (public API: `from wuye_core.plugins import
open_ticket, resolve_ticket`). Neither commits: the request or job that called commits, so the
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
