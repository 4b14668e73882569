"""培训 / Trainings: sessions the alliance's manager records (title, the skill and level they
confirm, the day, how long, where, the trainer), who attended and who passed.

- **Passing confirms the skill.** For each member who passed a training of a skill, the
  member's skill row (MemberSkill, unique per member and skill) is made if they had none; its
  level is raised to the highest level of the trainings of that skill they passed (never
  lowered); its confirmation (`confirmed_on`, `confirmed_by_training_id`, `confirmed_by`) names
  the most recent training of that skill they passed (by day, then id) — unless the manager
  confirmed it by hand on a later day, which stands.
- **The confirmation follows the attendance.** Whenever a pass is recorded or withdrawn (or the
  training's skill, level or day is corrected) the confirmation of that member's skill is
  worked out again from the passes that remain (`reconfirm`): withdrawing the pass of the
  training that confirmed it moves the confirmation to the member's latest other passed
  training of that skill, or, with none, removes it (the skill stays on the member's file at
  its level, unconfirmed; the answer lists these members under `withdrawn`, and the manager
  edits the skill on the member's page if the pass was a mistake). Recording the same sheet
  again changes nothing (idempotent).
- **The sheet is all-or-nothing.** Each row: a member of the training's community, attended
  yes/no, passed yes/no (only who attended can pass). Every refusal is named by its row
  (`rows.<n>.member_id` / `rows.<n>.passed`) and nothing is written: a member who has left
  (or was erased) by their name — unless their row is sent again unchanged —, a member of
  another community, a member listed twice (422); a training still to come (409). Rows not sent are left
  as they are (the sheet may be sent in parts). Changing a row already recorded is a
  correction: audited "amended".
- A training is not service: no service record is made for it, its minutes are not service
  hours and earn no time-bank points.
- Corrections of the session (PATCH) are audited "amended" with the fields changed.

Writes lock the training row (`get_for_update`) and the skill rows they change: two sheets of
the same training at once are applied one after the other.
"""

from __future__ import annotations

from datetime import date

from marshmallow import fields, validate
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from wuye_core.plugins import (
    Conflict,
    DomainError,
    Id,
    PageArgs,
    Sort,
    StrictSchema,
    Text,
    db,
    get_for_update,
    invalid,
    local_today,
    record_audit,
    staff_names,
)

from . import vocab
from .access import NAME
from .i18n import N_
from .models import Member, MemberSkill, Training, TrainingAttendance

# a training's day: 2000 to 2099, as the document states it (the core's periods' years); one to
# come may be recorded ahead, its attendance once it has taken place
DAYS = validate.Range(min=date(2000, 1, 1), max=date(2099, 12, 31))
YEARS_20XX = "^20[0-9]{2}-"
MAX_ROWS = 1000

SKILL_DOC = "确认的技能（可不填：综合培训）/ the skill it confirms (none: a general training); " + ", ".join(vocab.SKILLS)
LEVEL_DOC = "确认的等级 basic 初级 / skilled 熟练 / expert 专家 / the level it confirms"


class TrainingIn(StrictSchema):
    title = Text(100, min_length=1, required=True, metadata={"description": "培训名称 / the title"})
    skill = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(vocab.SKILLS)),
                          metadata={"description": SKILL_DOC})
    level = fields.String(load_default="basic", validate=validate.OneOf(list(vocab.SKILL_LEVELS)),
                          metadata={"description": LEVEL_DOC})
    held_on = fields.Date(required=True, validate=DAYS, metadata={
        "pattern": YEARS_20XX, "description": "培训日期（北京时间，2000–2099 年）/ the day it is held (2000–2099)"})
    minutes = fields.Integer(required=True, validate=validate.Range(1, 24 * 60),
                             metadata={"description": "培训时长（分钟；不计入志愿服务时长）/ how long, in minutes "
                                                      "(not service time)"})
    place = Text(200, load_default=None, allow_none=True, metadata={"description": "地点 / where"})
    trainer = Text(100, load_default=None, allow_none=True, metadata={"description": "授课人 / the trainer"})
    note = Text(500, load_default=None, allow_none=True, metadata={"description": "备注 / a note"})


class TrainingPatch(StrictSchema):
    title = Text(100, min_length=1)
    skill = fields.String(allow_none=True, validate=validate.OneOf(list(vocab.SKILLS)),
                          metadata={"description": SKILL_DOC})
    level = fields.String(validate=validate.OneOf(list(vocab.SKILL_LEVELS)), metadata={"description": LEVEL_DOC})
    held_on = fields.Date(validate=DAYS, metadata={"pattern": YEARS_20XX})
    minutes = fields.Integer(validate=validate.Range(1, 24 * 60))
    place = Text(200, allow_none=True)
    trainer = Text(100, allow_none=True)
    note = Text(500, allow_none=True)


class TrainingQuery(PageArgs):
    skill = fields.String(validate=validate.OneOf(list(vocab.SKILLS)),
                          metadata={"description": "只看确认这项技能的培训 / only trainings of this skill"})
    sort = Sort("id", "held_on", default="-held_on",
                descriptions={"held_on": "培训日期 / the day it was held"})


class MemberTrainingQuery(PageArgs):
    sort = Sort("id", "held_on", default="-held_on",
                descriptions={"held_on": "培训日期 / the day it was held"})


class TrainingAttendanceRowIn(StrictSchema):
    member_id = Id(required=True, metadata={"description": "成员 / the member"})
    attended = fields.Boolean(required=True, metadata={"description": "是否参加 / attended"})
    passed = fields.Boolean(load_default=False, metadata={
        "description": "是否考核合格（合格即确认培训的技能；须已参加）/ passed (confirms the training's skill; "
                       "only who attended)"})


class TrainingAttendanceIn(StrictSchema):
    rows = fields.List(fields.Nested(TrainingAttendanceRowIn), required=True, validate=validate.Length(1, MAX_ROWS),
                       metadata={"description": "签到表：每人一行；未列出的人保持不变 / the sheet, one row per "
                                                "member; members not listed are left as they are"})


# --- the session ------------------------------------------------------------------------------------


def create(community_id: int, data: dict, by: str) -> Training:
    """A training session of the community (flushed)."""
    training = Training(community_id=community_id, title=data["title"], skill=data.get("skill"),
                        level=data.get("level") or "basic", held_on=data["held_on"],
                        minutes=data["minutes"], place=data.get("place") or None,
                        trainer=data.get("trainer") or None, note=data.get("note") or None, created_by=by)
    db.session.add(training)
    db.session.flush()
    return training


FIELDS = ("title", "skill", "level", "held_on", "minutes", "place", "trainer", "note")
OPTIONAL = ("place", "trainer", "note")


def amend(training: Training, data: dict, by: str) -> list[str]:
    """Correct a (locked) session with the fields given; audited "amended" with the fields
    changed. A change of the skill, level or day works the passed members' confirmations out
    again. A day to come is refused once attendance is recorded (409)."""
    if not data:
        invalid("title", N_("Say what to correct."))
    if "held_on" in data and data["held_on"] > local_today() and _has_attendance(training.id):
        message = N_("Its attendance is recorded: the training has taken place.")
        raise Conflict(message, {"json": {"held_on": [message]}})
    old_skill = training.skill
    changed = []
    for key in FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key in OPTIONAL:
            value = value or None
        if getattr(training, key) != value:
            setattr(training, key, value)
            changed.append(key)
    if not changed:
        return changed
    db.session.flush()
    record_audit(NAME, "amended", target_type="training", target_id=training.id, details={"fields": changed})
    if {"skill", "level", "held_on"} & set(changed):
        passed = list(db.session.scalars(select(TrainingAttendance.member_id).where(
            TrainingAttendance.training_id == training.id, TrainingAttendance.passed.is_(True))))
        for member_id in sorted(passed):
            if old_skill is not None and old_skill != training.skill:
                reconfirm(training.community_id, member_id, old_skill)
            if training.skill is not None:
                reconfirm(training.community_id, member_id, training.skill)
    return changed


def _has_attendance(training_id: int) -> bool:
    return db.session.scalar(select(TrainingAttendance.id).where(
        TrainingAttendance.training_id == training_id).limit(1)) is not None


# --- the attendance sheet ---------------------------------------------------------------------------


def record_attendance(training: Training, rows: list[dict], by: str) -> dict:
    """Record the sheet for a (locked) training, all or nothing (see the module). Returns
    {created, updated, unchanged, confirmed: [member ids this training now confirms],
    withdrawn: [member ids whose confirmation by this training was withdrawn]}."""
    if training.held_on > local_today():
        message = N_("The training is on %(day)s: record who attended once it has taken place.",
                     day=training.held_on.isoformat())
        raise Conflict(message, {"json": {"rows": [message]}})
    ids = [row["member_id"] for row in rows]
    members = {m.id: m for m in db.session.scalars(select(Member).where(
        Member.id.in_(set(ids)), Member.community_id == training.community_id))}
    existing = {a.member_id: a for a in db.session.scalars(select(TrainingAttendance).where(
        TrainingAttendance.training_id == training.id))}
    errors: dict[str, dict] = {}
    seen: set[int] = set()
    for number, row in enumerate(rows):
        member = members.get(row["member_id"])
        problems: dict[str, list] = {}
        if member is None:
            problems["member_id"] = [N_("No member of this community has this id.")]
        elif member.id in seen:
            problems["member_id"] = [N_("%(name)s is listed twice.", name=member.name)]
        else:
            before = existing.get(member.id)
            same = before is not None and (before.attended, before.passed) == (row["attended"], row["passed"])
            if not same and (member.status != "active" or member.erased_at is not None):
                problems["member_id"] = [N_("%(name)s has left the alliance.", name=member.name)]
        if row["passed"] and not row["attended"]:
            problems["passed"] = [N_("Only a member who attended can pass.")]
        if member is not None:
            seen.add(member.id)
        if problems:
            errors[str(number)] = problems
    if errors:
        raise DomainError(None, {"json": {"rows": errors}})

    skill = training.skill
    confirmed_before = _confirmed_by(training, ids) if skill else set()
    created = updated = unchanged = 0
    touched: list[int] = []
    corrected: set[str] = set()
    for row in rows:
        before = existing.get(row["member_id"])
        if before is None:
            db.session.add(TrainingAttendance(community_id=training.community_id, training_id=training.id,
                                              member_id=row["member_id"], attended=row["attended"],
                                              passed=row["passed"], recorded_by=by))
            created += 1
            if row["passed"]:
                touched.append(row["member_id"])
            continue
        if (before.attended, before.passed) == (row["attended"], row["passed"]):
            unchanged += 1
            continue
        if before.attended != row["attended"]:
            corrected.add("attended")
        if before.passed != row["passed"]:
            corrected.add("passed")
            touched.append(row["member_id"])
        before.attended, before.passed, before.recorded_by = row["attended"], row["passed"], by
        updated += 1
    db.session.flush()
    if skill:
        for member_id in sorted(touched):
            reconfirm(training.community_id, member_id, skill)
    confirmed_now = _confirmed_by(training, ids) if skill else set()
    if updated:
        record_audit(NAME, "amended", target_type="training_attendance", target_id=training.id,
                     details={"fields": sorted(corrected), "rows": updated})
    return {"created": created, "updated": updated, "unchanged": unchanged,
            "confirmed": sorted(confirmed_now - confirmed_before),
            "withdrawn": sorted(confirmed_before - confirmed_now)}


def _confirmed_by(training: Training, member_ids) -> set[int]:
    """The members (of those given) whose skill this training confirms now."""
    return set(db.session.scalars(select(MemberSkill.member_id).where(
        MemberSkill.member_id.in_(set(member_ids)), MemberSkill.skill == training.skill,
        MemberSkill.confirmed_by_training_id == training.id)))


def _rank(level: str | None) -> int:
    return vocab.LEVEL_ORDER.index(level) if level in vocab.LEVEL_ORDER else -1


def _skill_row(member_id: int, skill: str) -> MemberSkill | None:
    row_id = db.session.scalar(select(MemberSkill.id).where(MemberSkill.member_id == member_id,
                                                            MemberSkill.skill == skill))
    return get_for_update(MemberSkill, row_id) if row_id is not None else None


def reconfirm(community_id: int, member_id: int, skill: str) -> MemberSkill | None:
    """Work the confirmation of a member's skill out again from the trainings of that skill
    they passed (see the module): the row made if they passed one and had none, the level
    raised to the highest passed, the confirmation the latest passed training's, or removed
    when it came from a training no longer passed. A confirmation by hand is not touched, unless
    a training passed later replaces it."""
    passes = db.session.execute(
        select(Training.id, Training.held_on, Training.level, TrainingAttendance.recorded_by)
        .join(TrainingAttendance, TrainingAttendance.training_id == Training.id)
        .where(TrainingAttendance.member_id == member_id, TrainingAttendance.passed.is_(True),
               Training.skill == skill)).all()
    row = _skill_row(member_id, skill)
    if not passes:
        if row is not None and row.confirmed_by_training_id is not None:
            row.confirmed_on = row.confirmed_by_training_id = row.confirmed_by = None
        return row
    latest = max(passes, key=lambda p: (p.held_on, p.id))
    highest = max((p.level for p in passes), key=_rank)
    if row is None:
        row = MemberSkill(community_id=community_id, member_id=member_id, skill=skill, level=highest,
                          confirmed_on=latest.held_on, confirmed_by_training_id=latest.id,
                          confirmed_by=latest.recorded_by)
        try:
            with db.session.begin_nested():  # another sheet adding the same skill at once: theirs stands
                db.session.add(row)
            return row
        except IntegrityError:
            row = _skill_row(member_id, skill)
            if row is None:
                raise
    if _rank(row.level) < _rank(highest):
        row.level = highest
    by_hand_later = (row.confirmed_by_training_id is None and row.confirmed_on is not None
                     and row.confirmed_on > latest.held_on)
    if not by_hand_later:
        row.confirmed_on, row.confirmed_by_training_id, row.confirmed_by = (latest.held_on, latest.id,
                                                                              latest.recorded_by)
    return row


# --- reading ----------------------------------------------------------------------------------------


def trainings_statement(community_id: int, args: dict):
    stmt = select(Training).where(Training.community_id == community_id)
    if args.get("skill"):
        stmt = stmt.where(Training.skill == args["skill"])
    return stmt


def counts(training_ids) -> dict[int, tuple[int, int]]:
    """{training id: (attended, passed)} in one query."""
    ids = set(training_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(TrainingAttendance.training_id,
               func.sum(case((TrainingAttendance.attended.is_(True), 1), else_=0)),
               func.sum(case((TrainingAttendance.passed.is_(True), 1), else_=0)))
        .where(TrainingAttendance.training_id.in_(ids)).group_by(TrainingAttendance.training_id))
    return {tid: (int(a or 0), int(p or 0)) for tid, a, p in rows}


def training_out(training: Training, figures: tuple[int, int] | None = None, names: dict | None = None) -> dict:
    if figures is None:
        figures = counts([training.id]).get(training.id, (0, 0))
    names = names if names is not None else staff_names([training.created_by])
    return {
        "id": training.id, "community_id": training.community_id, "title": training.title,
        "skill": training.skill, "skill_label": vocab.label(vocab.SKILLS, training.skill) or None,
        "level": training.level, "level_label": vocab.label(vocab.SKILL_LEVELS, training.level),
        "held_on": training.held_on, "minutes": training.minutes, "place": training.place,
        "trainer": training.trainer, "note": training.note, "created_by": training.created_by,
        "created_by_name": names.get(training.created_by), "attended": figures[0], "passed": figures[1],
    }


def trainings_out(trainings: list[Training]) -> list[dict]:
    figures = counts([t.id for t in trainings])
    names = staff_names(sorted({t.created_by for t in trainings}))
    return [training_out(t, figures.get(t.id, (0, 0)), names) for t in trainings]


def attendance_out(training: Training) -> list[dict]:
    """The training's sheet: every row with the member's name, by name."""
    rows = db.session.execute(
        select(TrainingAttendance, Member.name, Member.status, Member.erased_at)
        .join(Member, Member.id == TrainingAttendance.member_id)
        .where(TrainingAttendance.training_id == training.id)
        .order_by(Member.name, Member.id)).all()
    confirmed = _confirmed_by(training, [r[0].member_id for r in rows]) if training.skill and rows else set()
    names = staff_names(sorted({r[0].recorded_by for r in rows}))
    return [{"member_id": a.member_id, "member_name": name, "member_left": status != "active" or erased is not None,
             "attended": a.attended, "passed": a.passed, "confirms_skill": a.member_id in confirmed,
             "recorded_by": a.recorded_by, "recorded_by_name": names.get(a.recorded_by)}
            for a, name, status, erased in rows]


def member_trainings_statement(member_id: int):
    return (select(Training, TrainingAttendance)
            .join(TrainingAttendance, TrainingAttendance.training_id == Training.id)
            .where(TrainingAttendance.member_id == member_id))


def member_trainings_out(rows) -> list[dict]:
    """A member's page of (Training, TrainingAttendance) rows."""
    trainings = [t for t, _a in rows]
    figures = counts([t.id for t in trainings])
    names = staff_names(sorted({t.created_by for t in trainings}))
    return [{**training_out(t, figures.get(t.id, (0, 0)), names), "member_attended": a.attended,
             "member_passed": a.passed} for t, a in rows]


def sheet_members(training: Training, q: str | None = None) -> list[dict]:
    """The console's sheet: the community's active members (those already on the sheet first,
    then by name), each with their row; `q` filters by name. Members who left stay on the
    sheet only if they have a row (shown, not editable)."""
    recorded = {a.member_id: a for a in db.session.scalars(select(TrainingAttendance).where(
        TrainingAttendance.training_id == training.id))}
    stmt = select(Member).where(Member.community_id == training.community_id)
    if q:
        stmt = stmt.where(Member.name.contains(q, autoescape=True))
    out = []
    for member in db.session.scalars(stmt.order_by(Member.name, Member.id)):
        row = recorded.get(member.id)
        left = member.status != "active" or member.erased_at is not None
        if left and row is None:
            continue
        out.append({"member": member, "row": row, "left": left})
    out.sort(key=lambda item: item["row"] is None)  # stable: by name within each part
    return out
