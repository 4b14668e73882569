"""Yearly assessment (年度考核): each worker on post in a year gets one grade for it (vocab.GRADES:
优秀 / 合格 / 基本合格 / 不合格), with an optional score (0–100) and a note.

- Who: every worker with a placement covering a day of the year (`tenure.overlapping`); an
  assessment of anyone else is refused (422 naming worker_id), as is a year not begun (422 year).
- One per worker and year (409: correct the one recorded instead; the unique index answers the
  race of two at once the same way). A correction is recorded in the audit trail ("amended",
  naming the fields changed, not their values).
- "Incompetent" (不合格) is commonly a reason to end the placement: the list flags a worker so
  graded who is still on post (`exit_suggested`). Nothing ends a placement by itself: the
  manager records the exit (reason "dismissal") on the placement.
"""

from __future__ import annotations

from datetime import date

from marshmallow import fields, validate
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wuye_core.plugins import (
    Conflict,
    Id,
    PageArgs,
    Sort,
    StrictSchema,
    Text,
    db,
    invalid,
    local_today,
    mask_id_card,
    record_audit,
    staff_names,
)

from . import vocab
from .access import NAME
from .i18n import N_
from .models import Assessment, Placement, Post, Worker
from .tenure import on_post, overlapping

FIRST_YEAR = 2000
EXIT_GRADE = "incompetent"


class AssessmentIn(StrictSchema):
    worker_id = Id(required=True, metadata={"description": "公益岗位人员 / the worker"})
    grade = fields.String(required=True, validate=validate.OneOf(list(vocab.GRADES)), metadata={
        "description": "考核等次 excellent 优秀 / competent 合格 / basic 基本合格 / incompetent 不合格"})
    score = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(0, 100),
                           metadata={"description": "考核分数 0–100（可不填）/ the score, optional"})
    note = Text(300, allow_none=True, load_default=None, metadata={"description": "考核意见 / a note"})


class AssessmentPatch(StrictSchema):
    grade = fields.String(validate=validate.OneOf(list(vocab.GRADES)))
    score = fields.Integer(allow_none=True, validate=validate.Range(0, 100))
    note = Text(300, allow_none=True)


class AssessmentQuery(PageArgs):
    sort = Sort("id", "name", default="name",
                descriptions={"id": "登记顺序 / the order the workers were registered", "name": "姓名 / by name"})


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def check_year(year: int) -> int:
    """The year, if it has begun (422 naming `year` otherwise)."""
    if year < FIRST_YEAR or year > local_today().year:
        invalid("year", N_("Assessments are for a year from %(first)s to this year.", first=FIRST_YEAR), "path")
    return year


def _placements_in(community_id: int, year: int):
    first, last = year_bounds(year)
    return (Placement.community_id == community_id, overlapping(first, last))


def workers_statement(community_id: int, year: int):
    """The workers on post at any time of the year, in the community."""
    on_post_then = select(Placement.worker_id).where(*_placements_in(community_id, year))
    return select(Worker).where(Worker.community_id == community_id, Worker.id.in_(on_post_then))


def was_on_post(community_id: int, worker_id: int, year: int) -> bool:
    return db.session.scalar(
        select(Placement.id).where(Placement.worker_id == worker_id, *_placements_in(community_id, year)).limit(1)
    ) is not None


def record(community_id: int, year: int, data: dict, actor: str) -> Assessment:
    """Record a worker's grade for the year. 422: no such worker here, or not on post that year;
    409: they have one already."""
    check_year(year)
    worker = db.session.get(Worker, data["worker_id"])
    if worker is None or worker.community_id != community_id:
        invalid("worker_id", N_("Does not exist in this community."))
    if not was_on_post(community_id, worker.id, year):
        invalid("worker_id", N_("This worker was not on post in %(year)s.", year=year))
    existing = db.session.scalar(select(Assessment.id).where(Assessment.worker_id == worker.id,
                                                             Assessment.year == year))
    if existing is not None:
        raise _already(existing, year)
    assessment = Assessment(community_id=community_id, worker_id=worker.id, year=year, grade=data["grade"],
                            score=data.get("score"), note=data.get("note") or None, assessed_on=local_today(),
                            assessed_by=actor)
    try:
        with db.session.begin_nested():  # two at once: the unique index (worker, year) lets one in
            db.session.add(assessment)
    except IntegrityError:
        existing = db.session.scalar(select(Assessment.id).where(Assessment.worker_id == worker.id,
                                                                 Assessment.year == year))
        raise _already(existing, year) from None
    return assessment


def _already(assessment_id: int | None, year: int) -> Conflict:
    return Conflict(N_("This worker has already been assessed for %(year)s: correct that assessment instead.",
                       year=year), {"assessment_id": assessment_id})


def amend(assessment: Assessment, data: dict) -> list[str]:
    """Correct a (locked) assessment; audited "amended" with the names of the fields changed."""
    if not data:
        invalid("grade", N_("Say what to correct: the grade, the score or the note."))
    changed = []
    for key in ("grade", "score", "note"):
        if key in data:
            value = data[key] if key != "note" else (data[key] or None)
            if getattr(assessment, key) != value:
                setattr(assessment, key, value)
                changed.append(key)
    if changed:
        record_audit(NAME, "amended", target_type="assessment", target_id=assessment.id,
                     details={"fields": changed, "year": assessment.year})
    return changed


# --- reading --------------------------------------------------------------------------------------


def assessment_out(assessment: Assessment, still_on_post: bool | None = None, names: dict | None = None) -> dict:
    names = names if names is not None else staff_names([assessment.assessed_by])
    if still_on_post is None:
        still_on_post = on_post_now(assessment.community_id, [assessment.worker_id]).get(assessment.worker_id, False)
    return {
        "id": assessment.id, "community_id": assessment.community_id, "worker_id": assessment.worker_id,
        "year": assessment.year, "grade": assessment.grade, "grade_label": vocab.label(vocab.GRADES, assessment.grade),
        "score": assessment.score, "note": assessment.note, "assessed_on": assessment.assessed_on,
        "assessed_by": assessment.assessed_by, "assessed_by_name": names.get(assessment.assessed_by),
        "exit_suggested": assessment.grade == EXIT_GRADE and still_on_post,
    }


def on_post_now(community_id: int, worker_ids) -> dict[int, bool]:
    """{worker_id: True} for those a placement covers today."""
    ids = set(worker_ids)
    if not ids:
        return {}
    found = db.session.scalars(select(Placement.worker_id).where(
        Placement.community_id == community_id, Placement.worker_id.in_(ids), on_post(local_today())))
    return dict.fromkeys(found, True)


def year_items(community_id: int, year: int, workers: list[Worker]) -> list[dict]:
    """The list's rows: each worker with their post that year (the latest placement), whether they
    are on post today, and their assessment (None: not assessed yet)."""
    ids = [w.id for w in workers]
    if not ids:
        return []
    assessments = {a.worker_id: a for a in db.session.scalars(
        select(Assessment).where(Assessment.worker_id.in_(ids), Assessment.year == year))}
    latest: dict[int, Placement] = {}
    for placement in db.session.scalars(
            select(Placement).where(Placement.worker_id.in_(ids), *_placements_in(community_id, year))):
        best = latest.get(placement.worker_id)
        if best is None or (placement.starts_on, placement.id) > (best.starts_on, best.id):
            latest[placement.worker_id] = placement
    post_ids = {p.post_id for p in latest.values()}
    posts = dict(db.session.execute(select(Post.id, Post.name).where(Post.id.in_(post_ids))).all()) if post_ids else {}
    now = on_post_now(community_id, ids)
    names = staff_names(sorted({a.assessed_by for a in assessments.values()}))
    items = []
    for worker in workers:
        placement = latest.get(worker.id)
        assessment = assessments.get(worker.id)
        shown = assessment_out(assessment, now.get(worker.id, False), names) if assessment else None
        items.append({
            "worker_id": worker.id, "worker_name": worker.name, "id_number_masked": mask_id_card(worker.id_number),
            "post_id": placement.post_id if placement else None,
            "post_name": posts.get(placement.post_id) if placement else None,
            "placed_on": placement.starts_on if placement else None,
            "on_post_now": now.get(worker.id, False), "assessment": shown,
            "exit_suggested": bool(shown and shown["exit_suggested"]),
        })
    return items
