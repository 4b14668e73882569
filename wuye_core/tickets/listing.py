"""Lists of tickets, one definition for every edge (the API's GET /api/v1/tickets, the console's
workbench and its Excel export): which tickets a caller sees, the filters, the text search, the
sort fields (when a ticket is late: lateness.py).

    stmt = ticket_query(args, identity)          # args: what TicketQuery loaded
    page = paginate(stmt, Ticket, args, columns=SORT_COLUMNS)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import or_, select

from ..api.pagination import ranked
from ..auth.roles import Identity
from ..host.dispatch import call_contained
from .access import mine_clause, visible_clause
from .lateness import overdue
from .models import Priority, Ticket
from .states import Status

# the filters that compare a column with the value asked (TicketQuery's names)
FILTER_COLUMNS = ("community_id", "site_id", "status", "kind", "priority", "category", "assignee_id")

TICKET_NUMBER = re.compile(r"#?\s*([0-9]{1,9})")
# sort fields that are not plain columns: by seriousness, by the workflow's order
SORT_COLUMNS = {"priority": ranked(Ticket.priority, Priority), "status": ranked(Ticket.status, Status)}

def search(q: str):
    """`q`: the ticket with that number (`443` or `#443`), or any whose title holds the text."""
    text = q.strip()
    in_title = Ticket.title.contains(text, autoescape=True)
    number = TICKET_NUMBER.fullmatch(text)
    return or_(Ticket.id == int(number.group(1)), in_title) if number else in_title


def ticket_query(args, identity: Identity):
    """The tickets `identity` may read that match the filters in `args` (unordered)."""
    stmt = select(Ticket)
    visible = visible_clause(identity)  # tickets/access.py: the register's communities, a worker's own
    if visible is not None:
        stmt = stmt.where(visible)
    for column in FILTER_COLUMNS:
        if args.get(column) is not None:
            stmt = stmt.where(getattr(Ticket, column) == args[column])
    if args.get("mine"):
        stmt = stmt.where(mine_clause(identity))
    if args.get("overdue"):
        stmt = stmt.where(overdue(datetime.now(UTC)))
    if args.get("q"):
        stmt = stmt.where(search(args["q"]))
    return stmt


def with_plugin_links(ticket: Ticket, identity: Identity) -> Ticket:
    """The ticket with `plugin_links`: what enabled plugins link to it (hook wuye_ticket_links),
    none for a worker (plugins' records are not theirs)."""
    if not identity.can_read(ticket.community_id):
        ticket.plugin_links = []
        return ticket
    results = call_contained("wuye_ticket_links", ticket.community_id, tenant_id=ticket.tenant_id,
                             community_id=ticket.community_id, ticket_id=ticket.id)
    ticket.plugin_links = [{"plugin": name, **vars(link)} for name, links in results for link in (links or [])]
    return ticket
