"""Dashboard figures and report sections of 红色物业 · 三方联动.

Counts come from SQL aggregates that read the same on SQLite and PostgreSQL; durations are
worked out in Python from a community's closed items (tens to hundreds a year), which keeps
date arithmetic out of dialect-specific SQL.

Units as the core's (README, "API conventions"): rates are fractions 0–1 of four decimals (keys
ending in `_rate`), durations minutes (`_minutes`), everything else a count (an integer)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from wuye_core.plugins import Figure, ReportSection, db, minutes_value, rate_value, services

from .common import BEIJING, today
from .coverage import coverage
from .models import AgendaItem, Meeting, Resolution

OPEN = ("open", "in_progress")


def _count(*where) -> int:
    return db.session.scalar(select(func.count(Resolution.id)).where(*where)) or 0


def escalated_tickets(
    community_id: int, start: date | None = None, end: date | None = None
) -> tuple[int, int]:
    """(tickets escalated to the agenda, those of them resolved or closed now)."""
    rows = db.session.execute(
        select(AgendaItem.ticket_id, AgendaItem.created_at).where(
            AgendaItem.community_id == community_id, AgendaItem.ticket_id.is_not(None)
        )
    ).all()
    ids = {t for t, at in rows if start is None or start <= at.astimezone(BEIJING).date() <= end}
    summaries = services.ticket_summaries(ids)
    resolved = sum(summaries.get(t, {}).get("status") in ("resolved", "closed") for t in ids)
    return len(ids), resolved


def average_minutes_to_close(community_id: int) -> float | None:
    """The mean time from an agenda item's creation to its closing, in minutes (two decimals)."""
    rows = db.session.execute(
        select(AgendaItem.created_at, AgendaItem.closed_at).where(
            AgendaItem.community_id == community_id,
            AgendaItem.status == "closed",
            AgendaItem.closed_at.is_not(None),
        )
    ).all()
    if not rows:
        return None
    return minutes_value(sum((closed - created).total_seconds() for created, closed in rows) / len(rows))


def figures(community_id: int) -> list[Figure]:
    mine = Resolution.community_id == community_id
    done = _count(mine, Resolution.status == "done")
    on_time = _count(mine, Resolution.status == "done", Resolution.done_on <= Resolution.due_on)
    overdue = _count(mine, Resolution.status.in_(OPEN), Resolution.due_on < today())
    escalated, resolved = escalated_tickets(community_id)
    year_ago = today() - timedelta(days=365)
    held = (
        db.session.scalar(
            select(func.count(Meeting.id)).where(
                Meeting.community_id == community_id, Meeting.status == "held", Meeting.held_on >= year_ago
            )
        )
        or 0
    )
    cover = coverage(community_id)
    return [
        Figure("meetings_held_12m", "近一年召开三方联席会议", "Joint meetings held (12 months)", held, "次"),
        Figure(
            "resolutions_on_time_rate",
            "决议按期办结率",
            "Resolutions completed on time",
            rate_value(on_time, done),
        ),
        Figure("resolutions_overdue", "逾期未办结决议", "Overdue resolutions", overdue, "项"),
        Figure(
            "agenda_close_minutes",
            "议题平均办结时长",
            "Average time to close an agenda item",
            average_minutes_to_close(community_id),
            "分钟",
        ),
        Figure("tickets_escalated", "升级上会工单", "Tickets escalated to the meeting", escalated, "件"),
        Figure("tickets_escalated_resolved", "升级工单已办结", "Escalated tickets resolved", resolved, "件"),
        Figure(
            "site_coverage_rate",
            "小区物业服务覆盖率",
            "Sites covered by a property service",
            cover["coverage_rate"],
        ),
    ]


def report_sections(community_id: int, period_start: date, period_end: date) -> list[ReportSection]:
    mine = Resolution.community_id == community_id
    held = (
        db.session.scalar(
            select(func.count(Meeting.id)).where(
                Meeting.community_id == community_id,
                Meeting.status == "held",
                Meeting.held_on >= period_start,
                Meeting.held_on <= period_end,
            )
        )
        or 0
    )
    due = (Resolution.due_on >= period_start, Resolution.due_on <= period_end)
    due_total = _count(mine, Resolution.status != "cancelled", *due)
    due_on_time = _count(mine, Resolution.status == "done", Resolution.done_on <= Resolution.due_on, *due)
    escalated, resolved = escalated_tickets(community_id, period_start, period_end)
    rows = [
        {"label_zh": "召开三方联席会议（次）", "label_en": "Joint meetings held", "value": held},
        {"label_zh": "期内到期决议（项）", "label_en": "Resolutions due", "value": due_total},
        {"label_zh": "其中按期办结（项）", "label_en": "Of which done on time", "value": due_on_time},
        {
            "label_zh": "按期办结率",
            "label_en": "On-time rate",
            "value": rate_value(due_on_time, due_total),
        },
        {"label_zh": "升级上会工单（件）", "label_en": "Tickets escalated", "value": escalated},
        {"label_zh": "其中已办结（件）", "label_en": "Of which resolved", "value": resolved},
    ]
    return [ReportSection("joint_governance", "红色物业 · 三方联动", "Red property joint governance", rows)]
