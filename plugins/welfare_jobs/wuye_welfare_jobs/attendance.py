"""Attendance (考勤): one row per worker and day — present, absent, on leave (with its kind) or
resting — kept by the team leader's daily sheet, the worker's own clock-in on a phone, or the
monthly sheet imported from Excel (sheet_import.py); and the month's counts per worker, which
the post subsidy is computed from (`month_counts`).

Rules, whoever records:
- only a day a placement of the worker covers (tenure.py), never a day in the future (Beijing);
- one row per worker and day (unique index): a second record of the day overwrites the first,
  under the worker's row lock, and a change of an existing row is audited
  (`welfare_jobs.amended`, the fields changed, not their values);
- a clock-in or clock-out time is kept when the status is corrected later (by the sheet, say).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from wuye_core.plugins import (
    LOCAL_TZ,
    Conflict,
    DomainError,
    db,
    get_for_update,
    local_now,
    local_today,
    record_audit,
)

from . import tenure
from .access import NAME
from .i18n import N_
from .models import Attendance, Placement, Post, Worker
from .vocab import ATTENDANCE, LEAVE_KINDS

RECORDED_FIELDS = ("status", "leave_kind", "note")


# --- months ----------------------------------------------------------------------------------------


def beijing_time(moment: datetime | None) -> str | None:
    """"07:02": a stored (UTC) instant on a Beijing clock."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M")


# --- who is on post --------------------------------------------------------------------------------


def placement_on(worker_id: int, day: date) -> Placement | None:
    """The worker's placement covering `day` (the latest started, should two touch)."""
    return db.session.scalars(
        select(Placement).where(Placement.worker_id == worker_id, tenure.on_post(day))
        .order_by(Placement.starts_on.desc(), Placement.id.desc()).limit(1)
    ).first()


def team_on(post: Post, day: date) -> list[tuple[Placement, Worker]]:
    """Everyone on the post on `day` (their placement covers it), by name."""
    return list(db.session.execute(
        select(Placement, Worker).join(Worker, Worker.id == Placement.worker_id)
        .where(Placement.post_id == post.id, tenure.on_post(day), Worker.erased_at.is_(None))
        .order_by(Worker.name, Worker.id)
    ).all())


def rows_of(worker_ids, first: date, last: date) -> dict[tuple[int, date], Attendance]:
    """The recorded days of these workers in `first`..`last`, by (worker, day): one query."""
    ids = list(worker_ids)
    if not ids:
        return {}
    found = db.session.scalars(
        select(Attendance).where(Attendance.worker_id.in_(ids), Attendance.day >= first, Attendance.day <= last))
    return {(row.worker_id, row.day): row for row in found}


# --- recording a day -------------------------------------------------------------------------------


def check_entry(status: str | None, leave_kind: str | None) -> dict[str, list]:
    """What is wrong with a status and a kind of leave, by field (empty: nothing)."""
    errors: dict[str, list] = {}
    if status not in ATTENDANCE:
        errors["status"] = [N_("Choose present, absent, on leave or rest.")]
    elif status == "leave" and leave_kind is None:
        errors["leave_kind"] = [N_("Say which kind of leave.")]
    elif status != "leave" and leave_kind is not None:
        errors["leave_kind"] = [N_("Only a day on leave has a kind of leave.")]
    if leave_kind is not None and leave_kind not in LEAVE_KINDS:
        errors["leave_kind"] = [N_("Unknown kind of leave.")]
    return errors


def check_day(worker: Worker, day: date) -> tuple[Placement | None, dict[str, list]]:
    """The placement covering `day`, or why the day cannot be recorded (by field `day`)."""
    if day > local_today():
        return None, {"day": [N_("%(day)s is in the future: it cannot be recorded yet.", day=day.isoformat())]}
    placement = placement_on(worker.id, day)
    if placement is None:
        return None, {"day": [N_("%(name)s is not on post on %(day)s.", name=worker.name, day=day.isoformat())]}
    return placement, {}


def _refuse(errors: dict[str, list]) -> None:
    if errors:
        raise DomainError(N_("The attendance cannot be recorded."), errors={"json": errors})


def write_day(worker: Worker, placement: Placement, day: date, *, status: str, leave_kind: str | None,
              note: str | None, source: str, actor: str, existing: Attendance | None = None,
              known: bool = False, clock_in_now: bool = False, audit: bool = True) -> tuple[Attendance, str, list[str]]:
    """Create or overwrite the worker's row of `day` (checked already): (row, "created" /
    "updated" / "unchanged", the fields changed). Clock times are kept; `clock_in_now` clocks the
    worker in now when present without a clock-in (the team leader on the spot). `known`: the
    caller looked the row up already (`existing`, None when there is none)."""
    row = existing
    if row is None and not known:
        row = db.session.scalars(
            select(Attendance).where(Attendance.worker_id == worker.id, Attendance.day == day).limit(1)).first()
    now = datetime.now(UTC)
    if row is None:
        row = Attendance(community_id=worker.community_id, worker_id=worker.id, placement_id=placement.id,
                         post_id=placement.post_id, day=day, status=status, leave_kind=leave_kind, note=note,
                         source=source, recorded_by=actor, recorded_at=now)
        if clock_in_now and status == "present":
            row.clock_in_at = now
        db.session.add(row)
        return row, "created", []
    wanted = {"status": status, "leave_kind": leave_kind, "note": note}
    changed = [name for name in RECORDED_FIELDS if getattr(row, name) != wanted[name]]
    if clock_in_now and status == "present" and row.clock_in_at is None:
        row.clock_in_at = now
        changed.append("clock_in_at")
    if not changed:
        return row, "unchanged", []
    for name in RECORDED_FIELDS:
        setattr(row, name, wanted[name])
    row.placement_id, row.post_id = placement.id, placement.post_id
    row.source, row.recorded_by, row.recorded_at = source, actor, now
    if audit:
        record_audit(NAME, "amended", target_type="attendance", target_id=row.id, details={"fields": changed})
    return row, "updated", changed


def record_day(worker: Worker, day: date, *, status: str, leave_kind: str | None = None, note: str | None = None,
               actor: str, source: str = "console") -> tuple[Attendance, str]:
    """Record one worker's day (the caller checked who may): 422 naming the field when a rule
    refuses it; the worker's row is locked first, so two records of one day have one row."""
    worker = get_for_update(Worker, worker.id)
    _refuse(check_entry(status, leave_kind))
    placement, errors = check_day(worker, day)
    _refuse(errors)
    row, outcome, _changed = write_day(worker, placement, day, status=status, leave_kind=leave_kind, note=note,
                                       source=source, actor=actor)
    db.session.flush()
    return row, outcome


# --- the team sheet of a day -----------------------------------------------------------------------


def team_sheet(post: Post, day: date) -> list[dict]:
    """The post's team on `day`: each worker with their record of the day (or None)."""
    team = team_on(post, day)
    rows = rows_of([w.id for _p, w in team], day, day)
    return [{"worker": w, "placement": p, "record": rows.get((w.id, day))} for p, w in team]


def save_team_sheet(post: Post, day: date, entries: list[dict], actor: str) -> dict:
    """Save the team leader's list of a day at once: every entry checked first — any error
    (a worker not on this post that day, a leave without its kind…) refuses the whole sheet,
    422 with the errors under `entries.<index>.<field>`; else each row created or overwritten.
    Present today without a clock-in: the leader clocks the worker in on the spot."""
    errors: dict[int, dict] = {}
    team = {w.id: (p, w) for p, w in team_on(post, day)}
    if day > local_today():
        raise DomainError(N_("The attendance cannot be recorded."), errors={"query": {"day": [
            N_("%(day)s is in the future: it cannot be recorded yet.", day=day.isoformat())]}})
    seen: set[int] = set()
    for index, entry in enumerate(entries):
        problems = check_entry(entry.get("status"), entry.get("leave_kind"))
        worker_id = entry["worker_id"]
        if worker_id not in team:
            problems["worker_id"] = [N_("This worker is not on this post on %(day)s.", day=day.isoformat())]
        elif worker_id in seen:
            problems["worker_id"] = [N_("This worker is listed twice.")]
        seen.add(worker_id)
        if problems:
            errors[index] = problems
    if errors:
        raise DomainError(N_("Nothing was saved: correct the rows marked."), errors={"json": {"entries": errors}})
    today = local_today()
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for worker_id in sorted(seen):  # lock in one order: no two sheets wait for each other
        get_for_update(Worker, worker_id)
    existing = rows_of(seen, day, day)
    for entry in entries:
        placement, worker = team[entry["worker_id"]]
        _row, outcome, _changed = write_day(
            worker, placement, day, status=entry["status"], leave_kind=entry.get("leave_kind"),
            note=entry.get("note"), source="console", actor=actor, existing=existing.get((worker.id, day)),
            known=True, clock_in_now=(day == today))
        counts[outcome] += 1
    db.session.flush()
    return counts


# --- the phone clock-in ----------------------------------------------------------------------------


def clock_in(worker: Worker, actor: str) -> Attendance:
    """The worker clocks in now: today present, the time kept (UTC). Twice: 409 with the first
    time; outside a placement: 422 naming `day`."""
    worker = get_for_update(Worker, worker.id)
    now = local_now()
    day = now.date()
    placement, errors = check_day(worker, day)
    _refuse(errors)
    row = db.session.scalars(
        select(Attendance).where(Attendance.worker_id == worker.id, Attendance.day == day).limit(1)).first()
    if row is not None and row.clock_in_at is not None:
        first = beijing_time(row.clock_in_at)
        raise Conflict(N_("You clocked in already today, at %(time)s.", time=first),
                       errors={"json": {"clock_in_at": [first]}})
    instant = now.astimezone(UTC)
    if row is None:
        row = Attendance(community_id=worker.community_id, worker_id=worker.id, placement_id=placement.id,
                         post_id=placement.post_id, day=day, status="present", source="phone",
                         clock_in_at=instant, recorded_by=actor, recorded_at=instant)
        db.session.add(row)
    else:  # the leader had put down the day already (absent, say): the worker came after all
        changed = [name for name, value in (("status", "present"), ("leave_kind", None)) if getattr(row, name) != value]
        row.status, row.leave_kind, row.clock_in_at = "present", None, instant
        row.placement_id, row.post_id = placement.id, placement.post_id
        row.source, row.recorded_by, row.recorded_at = "phone", actor, instant
        if changed:
            record_audit(NAME, "amended", target_type="attendance", target_id=row.id, details={"fields": changed})
    db.session.flush()
    return row


def clock_out(worker: Worker, actor: str) -> Attendance:
    """The worker clocks out now: 409 before a clock-in today, or a second time."""
    worker = get_for_update(Worker, worker.id)
    now = local_now()
    day = now.date()
    _placement, errors = check_day(worker, day)
    _refuse(errors)
    row = db.session.scalars(
        select(Attendance).where(Attendance.worker_id == worker.id, Attendance.day == day).limit(1)).first()
    if row is None or row.clock_in_at is None:
        raise Conflict(N_("Clock in first: there is no clock-in today."))
    if row.clock_out_at is not None:
        first = beijing_time(row.clock_out_at)
        raise Conflict(N_("You clocked out already today, at %(time)s.", time=first),
                       errors={"json": {"clock_out_at": [first]}})
    row.clock_out_at = now.astimezone(UTC)
    db.session.flush()
    return row


# --- a month's counts ------------------------------------------------------------------------------


@dataclass
class Counts:
    """One worker's days in a period: `days_on_post` (days their placements cover), `present`,
    `absent`, `rest`, `leave` ({kind: days}, every kind of vocab.LEAVE_KINDS present, 0 when
    none), and `unrecorded` (days on post with no record)."""

    days_on_post: int = 0
    present: int = 0
    absent: int = 0
    rest: int = 0
    leave: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEAVE_KINDS, 0))
    unrecorded: int = 0

    @property
    def leave_total(self) -> int:
        return sum(self.leave.values())

    @property
    def recorded(self) -> int:
        return self.present + self.absent + self.rest + self.leave_total

    def attended(self, paid_leave_kinds) -> int:
        """Days counted as attended for the post subsidy: present, plus the paid kinds of leave
        (config `paid_leave_kinds`)."""
        return self.present + sum(self.leave.get(kind, 0) for kind in paid_leave_kinds)

    def as_dict(self) -> dict:
        return {"days_on_post": self.days_on_post, "present": self.present, "absent": self.absent, "rest": self.rest,
                "leave": dict(self.leave), "leave_total": self.leave_total, "unrecorded": self.unrecorded}


def month_counts(community_id: int, first: date, last: date, worker_ids=None) -> dict[int, Counts]:
    """{worker_id: Counts} for every worker of the community a placement covers on at least one
    day of `first`..`last` (both included; usually a calendar month), optionally only `worker_ids`.
    Two statements whatever the number of workers: the placements overlapping the period, and the
    attendance rows counted in one GROUP BY (worker, status, leave kind). Only the days a placement
    covers count: a row left outside one (a placement later cut short by an exit) is ignored."""
    placements = select(Placement).where(Placement.community_id == community_id, tenure.overlapping(first, last))
    if worker_ids is not None:
        placements = placements.where(Placement.worker_id.in_(list(worker_ids) or [-1]))
    spans: dict[int, list[tuple[date, date]]] = {}
    for p in db.session.scalars(placements):
        start, end = max(first, p.starts_on), min(last, tenure.last_day(p))
        if start <= end:
            spans.setdefault(p.worker_id, []).append((start, end))
    out: dict[int, Counts] = {}
    for worker_id, ranges in spans.items():
        days = set()
        for start, end in ranges:
            days.update(range(start.toordinal(), end.toordinal() + 1))
        out[worker_id] = Counts(days_on_post=len(days))
    if not out:
        return out
    # the row counts only on a day of one of the worker's placements: joined to it, counted once per row
    covered = (select(Attendance.worker_id, Attendance.status, Attendance.leave_kind,
                      func.count(func.distinct(Attendance.id)))
               .join(Placement, (Placement.worker_id == Attendance.worker_id) & (Placement.starts_on <= Attendance.day)
                     & (Placement.ends_on >= Attendance.day)
                     & ((Placement.exited_on.is_(None)) | (Placement.exited_on >= Attendance.day)))
               .where(Attendance.community_id == community_id, Attendance.day >= first, Attendance.day <= last,
                      Attendance.worker_id.in_(list(out)))
               .group_by(Attendance.worker_id, Attendance.status, Attendance.leave_kind))
    for worker_id, status, leave_kind, n in db.session.execute(covered):
        counts = out[worker_id]
        if status == "leave":
            counts.leave[leave_kind] = counts.leave.get(leave_kind, 0) + n
        elif status in ("present", "absent", "rest"):
            setattr(counts, status, getattr(counts, status) + n)
    for counts in out.values():
        counts.unrecorded = max(0, counts.days_on_post - counts.recorded)
    return out
