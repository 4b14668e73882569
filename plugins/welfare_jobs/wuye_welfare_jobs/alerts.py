"""What needs doing on the roster (提醒), as of today (Beijing):

- placements ending within `end_alert_days` (安置期即将届满), and those past their agreed end with
  no exit recorded (期满未办离岗: the manager records the "term ended" exit);
- people on post reaching the retirement age within `retirement_alert_days` — or past it;
- vacancy reports due (the exit recorded, not reported, `vacancy_due_on` today or later) and
  overdue (past it, not reported): the list the street asks for.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from wuye_core.plugins import db, local_today, plugin_config

from . import tenure
from .access import NAME
from .models import Placement, Post, Worker
from .placements import placements_out
from .roster import retirement_day


def _with_days(placements: list[Placement], day_of, today: date) -> list[dict]:
    rows = placements_out(placements, today)
    for row, p in zip(rows, placements, strict=True):
        row["days"] = (day_of(p) - today).days
    return rows


def alerts(community_id: int, today: date | None = None) -> dict:
    today = today or local_today()
    config = plugin_config(NAME, community_id)
    base = select(Placement).where(Placement.community_id == community_id)
    ending = db.session.scalars(base.where(
        Placement.exited_on.is_(None), Placement.ends_on >= today,
        Placement.ends_on <= today + timedelta(days=config["end_alert_days"])).order_by(Placement.ends_on, Placement.id)).all()
    passed = db.session.scalars(base.where(Placement.exited_on.is_(None), Placement.ends_on < today)
                                .order_by(Placement.ends_on, Placement.id)).all()
    open_reports = base.where(Placement.exited_on.is_not(None), Placement.vacancy_reported_on.is_(None))
    due = db.session.scalars(open_reports.where(Placement.vacancy_due_on >= today)
                             .order_by(Placement.vacancy_due_on, Placement.id)).all()
    overdue = db.session.scalars(open_reports.where(Placement.vacancy_due_on < today)
                                 .order_by(Placement.vacancy_due_on, Placement.id)).all()
    horizon = today + timedelta(days=config["retirement_alert_days"])
    retiring = []
    for placement, worker, post_name in db.session.execute(
            select(Placement, Worker, Post.name).join(Worker, Worker.id == Placement.worker_id)
            .join(Post, Post.id == Placement.post_id)
            .where(Placement.community_id == community_id, tenure.on_post(today), Worker.erased_at.is_(None))):
        retires = retirement_day(worker.birth_date, worker.gender, config)
        if retires <= horizon:
            retiring.append({"worker_id": worker.id, "worker_name": worker.name, "gender": worker.gender,
                             "retires_on": retires, "days": (retires - today).days, "placement_id": placement.id,
                             "post_id": placement.post_id, "post_name": post_name})
    retiring.sort(key=lambda row: (row["retires_on"], row["worker_id"]))
    return {
        "today": today,
        "ending": _with_days(list(ending), lambda p: p.ends_on, today),
        "term_passed": _with_days(list(passed), lambda p: p.ends_on, today),
        "retiring": retiring,
        "vacancies_due": _with_days(list(due), lambda p: p.vacancy_due_on, today),
        "vacancies_overdue": _with_days(list(overdue), lambda p: p.vacancy_due_on, today),
    }
