"""When a ticket is late, one definition for every reader: the SQL tests the dashboard figures,
the worker's queue and the ticket list's `overdue=true` filter use, and the same rule for one
loaded ticket (`late_stages`, which the workbench shows as 到场超时 / 办结超时). A ticket is late
at a stage when it is open (states.OPEN), past that stage's deadline and the stage is not done.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import and_, or_

from .models import Ticket
from .states import OPEN

ARRIVE, RESOLVE = "arrive", "resolve"  # the stages a ticket can be late at (5341: 到场, 办结)


def is_open():
    """SQL: the ticket is not yet resolved, closed or cancelled (states.OPEN)."""
    return Ticket.status.in_([s.value for s in OPEN])


def overdue_arrive(at: datetime):
    """SQL: open, past its arrive deadline at `at` and nobody on site yet."""
    return and_(is_open(), Ticket.on_site_at.is_(None), Ticket.arrive_due_at < at)


def overdue_resolve(at: datetime):
    """SQL: open, past its resolve deadline at `at` and not resolved."""
    return and_(is_open(), Ticket.resolved_at.is_(None), Ticket.resolve_due_at < at)


def overdue(at: datetime):
    """SQL: past either deadline (the ticket list's `overdue=true`)."""
    return or_(overdue_arrive(at), overdue_resolve(at))


def late_stages(ticket: Ticket, at: datetime | None = None) -> list[str]:
    """The stages at which an open ticket is late at `at` (now): "arrive", "resolve"."""
    return late_stages_of(ticket.status, ticket.arrive_due_at, ticket.on_site_at, ticket.resolve_due_at,
                          ticket.resolved_at, at)


def late_stages_of(status, arrive_due_at: datetime | None, on_site_at: datetime | None,
                   resolve_due_at: datetime | None, resolved_at: datetime | None,
                   at: datetime | None = None) -> list[str]:
    """`late_stages` from the columns it reads (a list that selects columns, not tickets)."""
    at = at or datetime.now(UTC)
    if status not in OPEN:
        return []
    late = []
    if arrive_due_at is not None and arrive_due_at < at and on_site_at is None:
        late.append(ARRIVE)
    if resolve_due_at is not None and resolve_due_at < at and resolved_at is None:
        late.append(RESOLVE)
    return late
