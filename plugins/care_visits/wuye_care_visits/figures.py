"""Dashboard figures: coverage, overdue visits, open high risks, open referrals (SQL aggregates).

Units as the core's (README, "API conventions"): the coverage is a rate, a fraction 0–1 of four
decimals (`care_coverage_rate`), the others counts (integers)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, func, select

from wuye_core.plugins import Figure, db, rate_value

from . import clock
from .models import CarePerson, CareReferral


def care_figures(community_id: int, today: date | None = None) -> list[Figure]:
    today = today or clock.today()
    due_people = (
        CarePerson.community_id == community_id,
        CarePerson.active.is_(True),
        CarePerson.erased_at.is_(None),
        CarePerson.next_due_on.is_not(None),
    )
    row = db.session.execute(
        select(
            func.count(CarePerson.id),
            func.coalesce(func.sum(case((CarePerson.next_due_on < today, 1), else_=0)), 0),
            func.coalesce(func.sum(case((CarePerson.high_risk.is_(True), 1), else_=0)), 0),
        ).where(*due_people)
    ).one()
    tracked, overdue, high = int(row[0]), int(row[1]), int(row[2])
    referrals = db.session.scalar(
        select(func.count(CareReferral.id)).where(
            CareReferral.community_id == community_id, CareReferral.status.in_(("open", "accepted"))
        )
    )
    return [
        Figure("care_coverage_rate", "按时走访覆盖率", "People visited on time", rate_value(tracked - overdue, tracked)),
        Figure("care_overdue", "逾期未走访人数", "Overdue visits", overdue, "人"),
        Figure("care_open_high_risks", "未解除的高风险", "Open high risks", high, "人"),
        Figure("care_open_referrals", "未办结转介", "Open referrals", int(referrals or 0), "件"),
    ]
