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
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy import and_, case, func, or_, select

from ..common import clock
from ..extensions import db
from ..host.types import Figure
from .models import Ticket
from .states import OPEN


def _sum(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def ticket_figures(community_id: int, now: datetime | None = None) -> list[Figure]:
    now = now or clock.local_now()
    month_start = datetime.combine(clock.local_date(now).replace(day=1), time(0), clock.LOCAL_TZ).astimezone(UTC)
    now = now.astimezone(UTC)
    is_open = Ticket.status.in_([s.value for s in OPEN])
    created = Ticket.created_at >= month_start
    row = db.session.execute(
        select(
            _sum(is_open),
            _sum(and_(is_open, Ticket.on_site_at.is_(None), Ticket.arrive_due_at < now)),
            _sum(and_(is_open, Ticket.resolved_at.is_(None), Ticket.resolve_due_at < now)),
            _sum(created),
            _sum(Ticket.resolved_at >= month_start),
            func.avg(case((created, Ticket.rating))),
        ).where(Ticket.community_id == community_id,
                or_(is_open, created, Ticket.resolved_at >= month_start))
    ).one()
    open_, overdue_arrive, overdue_resolve, created_n, resolved_n, satisfaction = row
    return [
        Figure("tickets_open", "未办结工单", "Open tickets", int(open_), "件"),
        Figure("tickets_overdue_arrive", "到场超时未到场", "Open tickets past the arrive deadline",
               int(overdue_arrive), "件"),
        Figure("tickets_overdue_resolve", "办结超时未办结", "Open tickets past the resolve deadline",
               int(overdue_resolve), "件"),
        Figure("tickets_created_month", "本月新增工单", "Tickets created this month", int(created_n), "件"),
        Figure("tickets_resolved_month", "本月办结工单", "Tickets resolved this month", int(resolved_n), "件"),
        Figure("tickets_month_satisfaction", "本月工单平均满意度", "Average rating of this month's tickets",
               None if satisfaction is None else round(float(satisfaction), 2), "分"),
    ]


__all__ = ["ticket_figures"]
