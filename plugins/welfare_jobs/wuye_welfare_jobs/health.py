"""Yearly health checks (年度体检): scheduled for every worker on post in a year, due by the end of
the configured month (or 30 days after the placement started, when that is later), then done on
a day at an institution with a result (合格 / 需复查 / 不适合本岗位) and an encrypted note.

States on a day: `done` (done_on set), `overdue` (not done, due before the day), `due` (not done,
not late yet). The result and the note are health data: only the roster manager sees them
(others get null); only the roster manager schedules and records."""

from __future__ import annotations

from datetime import date, timedelta

from marshmallow import fields, validate
from sqlalchemy import and_, func, select

from wuye_core.plugins import (
    PageArgs,
    Sort,
    StrictSchema,
    Text,
    current_identity,
    db,
    get_for_update,
    invalid,
    local_today,
    record_audit,
)

from . import vocab
from .access import NAME, is_manager, require_manager
from .figures import settings
from .i18n import N_
from .models import HealthCheck, Placement, Roster, Worker
from .months import month_bounds
from .tenure import overlapping

STATES = ("due", "done", "overdue")
DAYS_AFTER_START = 30


class HealthScheduleIn(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(2000, 2100),
                          metadata={"description": "年度 / the year"})


class HealthScheduleOut(StrictSchema):
    year = fields.Integer()
    created = fields.Integer(metadata={"description": "新排定的体检数（已有的不重复）/ checks created now"})


class HealthCheckPatch(StrictSchema):
    done_on = fields.Date(allow_none=True, metadata={"description": "体检日期（不晚于今天）/ the day it was done"})
    institution = Text(100, allow_none=True, metadata={"description": "体检机构 / the institution"})
    result = fields.String(allow_none=True, validate=validate.OneOf(list(vocab.HEALTH_RESULTS)),
                           metadata={"description": "体检结论 / result: " + ", ".join(vocab.HEALTH_RESULTS)})
    note = Text(2000, allow_none=True, strip=False,
                metadata={"description": "体检发现（加密，仅管理员可见）/ findings (encrypted, managers only)"})


class HealthCheckQuery(PageArgs):
    year = fields.Integer(validate=validate.Range(2000, 2100), metadata={"description": "年度（默认今年）/ year"})
    state = fields.String(validate=validate.OneOf(STATES), metadata={"description": "due / done / overdue"})
    worker_id = fields.Integer(validate=validate.Range(1, 2**31 - 1))
    sort = Sort("id", "due_on", "done_on")


class HealthCheckOut(StrictSchema):
    id = fields.Integer()
    community_id = fields.Integer()
    worker_id = fields.Integer()
    worker_name = fields.String()
    year = fields.Integer()
    due_on = fields.Date()
    done_on = fields.Date(allow_none=True)
    state = fields.String(metadata={"description": "due 待体检 / done 已体检 / overdue 已逾期"})
    institution = fields.String(allow_none=True)
    result = fields.String(allow_none=True, metadata={"description": "仅管理员可见 / managers only"})
    result_label = fields.String(allow_none=True)
    unfit = fields.Boolean(allow_none=True, metadata={
        "description": "结论为不适合本岗位：请考虑调整安置（仅管理员可见）/ unfit for the post: consider the placement"})
    note = fields.String(allow_none=True, metadata={"description": "仅管理员可见 / managers only"})
    recorded_by = fields.String(allow_none=True)


# --- rules ----------------------------------------------------------------------------------------------


def due_by(year: int, month: int) -> date:
    """The last day of `month` in `year`."""
    return month_bounds(date(year, month, 1))[1]


def schedule(community_id: int, year: int, config: dict | None = None) -> int:
    """Create the year's check of every worker on post (at some time) that year in the community
    who has none; returns how many were created (0 on a second call). The roster manager."""
    require_manager(community_id)
    if year > local_today().year + 1:
        invalid("year", N_("Checks can be scheduled up to next year."))
    roster = db.session.scalar(select(Roster.id).where(Roster.community_id == community_id))
    if roster is None:
        return 0
    get_for_update(Roster, roster)  # two clicks at once: one schedules, the other finds them made
    config = settings(community_id, config)
    month_end = due_by(year, config.get("health_check_month", 6))
    first, last = date(year, 1, 1), date(year, 12, 31)
    has_one = select(HealthCheck.worker_id).where(HealthCheck.year == year)
    rows = db.session.execute(
        select(Placement.worker_id, func.min(Placement.starts_on))
        .join(Worker, Worker.id == Placement.worker_id)
        .where(Placement.community_id == community_id, overlapping(first, last), Worker.erased_at.is_(None),
               Placement.worker_id.not_in(has_one))
        .group_by(Placement.worker_id)
    ).all()
    for worker_id, started in rows:
        due = max(month_end, started + timedelta(days=DAYS_AFTER_START))
        db.session.add(HealthCheck(community_id=community_id, worker_id=worker_id, year=year, due_on=due))
    db.session.flush()
    return len(rows)


def record(check_id: int, data: dict, actor: str) -> HealthCheck:
    """Record (or correct) a check's day, institution, result and note: the roster manager. A
    correction of a recorded check is audited (`amended`, the fields named)."""
    check = db.session.get(HealthCheck, check_id)
    require_manager(check.community_id)
    check = get_for_update(HealthCheck, check_id)
    if data.get("done_on") is not None and data["done_on"] > local_today():
        invalid("done_on", N_("A check cannot be done in the future."))
    done_on = data.get("done_on", check.done_on)
    if done_on is None and data.get("result", check.result) is not None:
        invalid("done_on", N_("Give the day of the check with its result."))
    correction = check.done_on is not None
    changed = sorted(k for k in data if getattr(check, k) != data[k])
    for key in changed:
        setattr(check, key, data[key])
    if changed:
        check.recorded_by = actor
        if correction:
            record_audit(NAME, "amended", target_type="health_check", target_id=check.id, details={"fields": changed})
    return check


# --- reading --------------------------------------------------------------------------------------------


def state_of(check: HealthCheck, day: date) -> str:
    if check.done_on is not None:
        return "done"
    return "overdue" if check.due_on < day else "due"


def _in_state(state: str, day: date):
    if state == "done":
        return HealthCheck.done_on.is_not(None)
    if state == "overdue":
        return and_(HealthCheck.done_on.is_(None), HealthCheck.due_on < day)
    return and_(HealthCheck.done_on.is_(None), HealthCheck.due_on >= day)


def listed(community_id: int, args: dict, day: date | None = None):
    """The community's checks of a year (this year by default) that `args` filter for."""
    day = day or local_today()
    stmt = select(HealthCheck).where(HealthCheck.community_id == community_id,
                                     HealthCheck.year == args.get("year", day.year))
    if args.get("state"):
        stmt = stmt.where(_in_state(args["state"], day))
    if args.get("worker_id"):
        stmt = stmt.where(HealthCheck.worker_id == args["worker_id"])
    return stmt


def shown(checks, community_id: int, day: date | None = None) -> list[dict]:
    """The checks as the caller may see them: result, institution and note for the roster manager,
    null for everyone else; names in one query."""
    day = day or local_today()
    checks = list(checks)
    ids = {c.worker_id for c in checks}
    names = dict(db.session.execute(select(Worker.id, Worker.name).where(Worker.id.in_(ids))).all()) if ids else {}
    manager = is_manager(current_identity(), community_id)
    out = []
    for c in checks:
        item = {"id": c.id, "community_id": c.community_id, "worker_id": c.worker_id,
                "worker_name": names.get(c.worker_id, ""), "year": c.year, "due_on": c.due_on,
                "done_on": c.done_on, "state": state_of(c, day), "recorded_by": c.recorded_by,
                "institution": None, "result": None, "result_label": None, "unfit": None, "note": None}
        if manager:
            item.update(institution=c.institution, result=c.result, note=c.note,
                        result_label=vocab.label(vocab.HEALTH_RESULTS, c.result) or None,
                        unfit=c.result == "unfit")
        out.append(item)
    return out
