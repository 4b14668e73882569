"""A repair worker's queue: the open tickets dispatched to them or to their team (access.mine_clause)
that they may read (access.visible_clause), overdue first (lateness.py: past a deadline now),
then by the nearest resolve deadline, then oldest first. The console's home page shows it to a
worker; the same rules as the API's `GET /api/v1/tickets?mine=true`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import case, func, or_, select

from ..auth.roles import Identity
from ..extensions import db
from .access import mine_clause, visible_clause
from .lateness import is_open, overdue_arrive, overdue_resolve
from .models import Ticket


def queue_statement(identity: Identity):
    """SQL: the identity's open tickets (dispatched to them or their team) that they may read."""
    stmt = select(Ticket).where(is_open(), mine_clause(identity))
    visible = visible_clause(identity)
    return stmt if visible is None else stmt.where(visible)


def worker_queue(identity: Identity, page: int = 1, per_page: int = 20, at: datetime | None = None) -> dict:
    """One page of the queue, `{"items", "total", "page", "per_page", "late"}`: `late` maps the
    id of each of the page's tickets past a deadline at `at` (now) to the stages that are late
    ("arrive", "resolve"). Two statements: the count and the page."""
    at = at or datetime.now(UTC)
    stmt = queue_statement(identity)
    arrive, resolve = overdue_arrive(at), overdue_resolve(at)
    total = db.session.scalar(stmt.with_only_columns(func.count(Ticket.id)).order_by(None))
    rows = db.session.execute(
        stmt.add_columns(arrive.label("arrive_late"), resolve.label("resolve_late"))
        .order_by(case((or_(arrive, resolve), 0), else_=1), Ticket.resolve_due_at.is_(None), Ticket.resolve_due_at,
                  Ticket.id)
        .limit(per_page).offset((page - 1) * per_page)).all()
    late = {}
    for ticket, arrive_late, resolve_late in rows:
        stages = [stage for stage, flag in (("arrive", arrive_late), ("resolve", resolve_late)) if flag]
        if stages:
            late[ticket.id] = stages
    return {"items": [row[0] for row in rows], "late": late, "total": total, "page": page, "per_page": per_page}


__all__ = ["queue_statement", "worker_queue"]
