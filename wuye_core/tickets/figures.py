"""The tickets' figures on a community's dashboard, contributed through `wuye_dashboard_figures`
like any plugin's: app.py adds `ticket_figures` to the always-on core plugin's figures
(households/dashboard.py), so they come as the plugin "core".

One statement over the community's tickets that are open, or were created or resolved this
month (Beijing time, common/clock.py):

- tickets_open: tickets not yet resolved, closed or cancelled (states.OPEN);
- tickets_overdue_arrive / tickets_overdue_resolve: open tickets past their arrive deadline and not
  on site yet / past their resolve deadline and not resolved (the same test as the ticket list's
  `overdue=true` and the SLA check), judged now;
- tickets_created_month: created from the 1st of this month (the KPIs' default period: the same
  number as `GET …/kpis` with no dates);
- tickets_resolved_month: resolved from the 1st of this month, whenever created (a reopened
  ticket counts when it is resolved again);
- tickets_month_satisfaction: the mean rating of the tickets created this month (KPIs' figure);
  null when none is rated.

Counts are integers, satisfaction the 1–5 mean (README, "API conventions").

`figures_by_community(ids)` gives the same figures for several communities from one statement
(GROUP BY community_id): the console's home page shows every community side by side with it.
"Past a deadline" is lateness.py's test, the same as the ticket list's `overdue=true`.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy import case, func, or_, select

from ..common import clock
from ..extensions import db
from ..host.types import Figure
from .lateness import is_open, overdue_arrive, overdue_resolve
from .models import Ticket


def _sum(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def figures_by_community(community_ids, now: datetime | None = None) -> dict[int, list[Figure]]:
    """The figures of each of the given communities (ids the caller may read), from one statement
    grouped by community: {community id: [Figure, …]} (zeros for a community without tickets)."""
    now = now or clock.local_now()
    month_start = datetime.combine(clock.local_date(now).replace(day=1), time(0), clock.LOCAL_TZ).astimezone(UTC)
    now = now.astimezone(UTC)
    ids = sorted(set(community_ids))
    created = Ticket.created_at >= month_start
    rows = db.session.execute(
        select(
            Ticket.community_id,
            _sum(is_open()),
            _sum(overdue_arrive(now)),
            _sum(overdue_resolve(now)),
            _sum(created),
            _sum(Ticket.resolved_at >= month_start),
            func.avg(case((created, Ticket.rating))),
        ).where(Ticket.community_id == ids[0] if len(ids) == 1 else Ticket.community_id.in_(ids or [-1]),
                or_(is_open(), created, Ticket.resolved_at >= month_start))
        .group_by(Ticket.community_id)
    ).all()
    found = {row[0]: row[1:] for row in rows}
    return {c: _figures(*found.get(c, (0, 0, 0, 0, 0, None))) for c in ids}


def _figures(open_, overdue_arrive_n, overdue_resolve_n, created_n, resolved_n, satisfaction) -> list[Figure]:
    return [
        Figure("tickets_open", "未办结工单", "Open tickets", int(open_), "件"),
        Figure("tickets_overdue_arrive", "到场超时未到场", "Open tickets past the arrive deadline",
               int(overdue_arrive_n), "件"),
        Figure("tickets_overdue_resolve", "办结超时未办结", "Open tickets past the resolve deadline",
               int(overdue_resolve_n), "件"),
        Figure("tickets_created_month", "本月新增工单", "Tickets created this month", int(created_n), "件"),
        Figure("tickets_resolved_month", "本月办结工单", "Tickets resolved this month", int(resolved_n), "件"),
        Figure("tickets_month_satisfaction", "本月工单平均满意度", "Average rating of this month's tickets",
               None if satisfaction is None else round(float(satisfaction), 2), "分"),
    ]


def ticket_figures(community_id: int, now: datetime | None = None) -> list[Figure]:
    """One community's figures (the core's contribution to its dashboard)."""
    return figures_by_community([community_id], now)[community_id]


__all__ = ["figures_by_community", "ticket_figures"]
