"""Monthly subsidies (月度补贴申报): a community's post subsidy (岗位补贴) and social-insurance
subsidy (社会保险补贴) of one month, claimed from the district 人社 office with the real-name
roster (实名制花名册, roster.py).

The rules, one place:

- Who: every worker with a placement covering at least one day of the month (`tenure.overlapping`).
  A worker who moved posts in the month (two placements) gets one row: the placement covering
  more days of the month (a tie: the later one, where they ended the month).
- Days: `days_required` = config `work_days_per_month`; `days_counted` = the worker's attendance
  days of the month that are present, or leave of a kind in config `paid_leave_kinds`.
- Post subsidy = min(minimum wage, minimum wage × days_counted / days_required), rounded half up
  to the fen. Insurance subsidy = insurance base × rate (basis points) / 10000, rounded half up,
  when the worker had at least one counted day, else 0. Integer arithmetic only: never float.
- The figures used (minimum wage, base, rate) are kept on each row: a later config change does
  not rewrite a month.
- A month is a draft until submitted: a compute replaces the draft's rows; a submitted month is
  final (409). Compute and submit hold the month's row lock (`SubsidyMonth`, created on the first
  compute; two first computes at once: the unique index decides, the loser reads the winner's
  row), so two computes at once leave one consistent draft.

`compute_month(community_id, month_first_day, actor)` is the entry point for the API, the
console and the demo data; `submit_month` the same for the submission.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from wuye_core.plugins import Conflict, db, get_for_update, invalid, local_today, plugin_config

from . import attendance, months
from .access import NAME
from .i18n import N_
from .models import Placement, Post, Subsidy, SubsidyMonth, Worker
from .months import month_text
from .tenure import days_covered, overlapping

FIRST_YEAR = 2000


# --- months -------------------------------------------------------------------------------------------


def parse_month(text: str, field: str = "month", location: str = "path") -> date:
    """"2026-11" → date(2026, 11, 1); 422 naming `field` for anything else or a month not begun."""
    first = months.parse_month(text)
    if first is None:
        invalid(field, N_("Write the month as YYYY-MM, e.g. 2026-11."), location)
    if first > local_today().replace(day=1):
        invalid(field, N_("The month has not begun yet: %(month)s.", month=text), location)
    return first


def last_day(first: date) -> date:
    return months.month_bounds(first)[1]


def find_month(community_id: int, first: date) -> SubsidyMonth | None:
    """The community's claim of the month (the first day), or None if never computed."""
    return db.session.scalar(
        select(SubsidyMonth).where(SubsidyMonth.community_id == community_id, SubsidyMonth.month == first))


def lock_month(community_id: int, first: date, create: bool) -> SubsidyMonth | None:
    """The month's row, locked until the transaction ends and read as committed; created (as an
    empty draft) when `create` and missing — two first computes at once both try, the unique
    index lets one in and the other reads it."""
    where = (SubsidyMonth.community_id == community_id, SubsidyMonth.month == first)
    month_id = db.session.scalar(select(SubsidyMonth.id).where(*where))
    if month_id is None:
        if not create:
            return None
        try:
            with db.session.begin_nested():
                db.session.add(SubsidyMonth(community_id=community_id, month=first, status="draft", people=0,
                                            post_total_fen=0, insurance_total_fen=0))
        except IntegrityError:
            pass  # another request created it first: use theirs
        month_id = db.session.scalar(select(SubsidyMonth.id).where(*where))
    return get_for_update(SubsidyMonth, month_id)


# --- the arithmetic ---------------------------------------------------------------------------------


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for non-negative integers (no float anywhere)."""
    return (2 * numerator + denominator) // (2 * denominator)


def post_subsidy_fen(minimum_wage_fen: int, days_counted: int, days_required: int) -> int:
    """The post subsidy: the minimum wage pro rata to the days counted, never more than it."""
    return min(minimum_wage_fen, half_up(minimum_wage_fen * days_counted, days_required))


def insurance_subsidy_fen(insurance_base_fen: int, insurance_rate_bp: int, days_counted: int) -> int:
    """The employer's contributions subsidised: base × rate, for a month with a counted day."""
    if days_counted <= 0:
        return 0
    return half_up(insurance_base_fen * insurance_rate_bp, 10_000)


def _counted_days(community_id: int, first: date, last: date) -> dict[int, int]:
    """{worker_id: days counted} in `first`..`last`: present, or on a paid kind of leave (config
    `paid_leave_kinds`), on the days a placement covers — attendance.month_counts' figures."""
    paid = list(plugin_config(NAME, community_id).get("paid_leave_kinds") or [])
    return {worker_id: counts.attended(paid)
            for worker_id, counts in attendance.month_counts(community_id, first, last).items()}


@dataclass(frozen=True)
class Figures:
    """The config figures a month is computed with (kept on each row)."""

    days_required: int
    minimum_wage_fen: int
    insurance_base_fen: int
    insurance_rate_bp: int

    @classmethod
    def of(cls, community_id: int) -> Figures:
        config = plugin_config(NAME, community_id)
        return cls(config["work_days_per_month"], config["minimum_wage_fen"], config["insurance_base_fen"],
                   config["insurance_rate_bp"])


def _placements_of_month(community_id: int, first: date, last: date) -> dict[int, Placement]:
    """{worker_id: the placement the month's row is for}: the one covering more days of the month
    (a tie: the later start, then the later id)."""
    chosen: dict[int, Placement] = {}
    for placement in db.session.scalars(
            select(Placement).where(Placement.community_id == community_id, overlapping(first, last))):
        best = chosen.get(placement.worker_id)
        key = (days_covered(placement, first, last), placement.starts_on, placement.id)
        if best is None or key > (days_covered(best, first, last), best.starts_on, best.id):
            chosen[placement.worker_id] = placement
    return chosen


# --- compute, submit --------------------------------------------------------------------------------


def compute_month(community_id: int, month_first_day: date, actor: str) -> SubsidyMonth:
    """(Re)compute the community's draft of the month: its rows replaced, its totals set. 422 for
    a month not begun yet, 409 once it is submitted. Commits nothing (the caller does)."""
    first = month_first_day.replace(day=1)
    if first > local_today().replace(day=1):
        invalid("month", N_("The month has not begun yet: %(month)s.", month=month_text(first)), "path")
    month = lock_month(community_id, first, create=True)
    if month.status == "submitted":
        raise Conflict(N_("This month has been submitted to the office: it can no longer be recomputed."),
                       {"status": month.status})
    last = last_day(first)
    figures = Figures.of(community_id)
    placements = _placements_of_month(community_id, first, last)
    counted = _counted_days(community_id, first, last)
    ids = list(placements)
    names = dict(db.session.execute(select(Worker.id, Worker.name).where(Worker.id.in_(ids))).all()) if ids else {}
    post_ids = {p.post_id for p in placements.values()}
    posts = dict(db.session.execute(select(Post.id, Post.name).where(Post.id.in_(post_ids))).all()) if post_ids else {}

    db.session.execute(delete(Subsidy).where(Subsidy.month_id == month.id))  # the draft's rows, replaced
    people = post_total = insurance_total = 0
    # the roster's order: by post, then by name (rows are read back by id)
    for worker_id, placement in sorted(placements.items(),
                                       key=lambda item: (posts.get(item[1].post_id, ""), item[1].post_id,
                                                         names.get(item[0], ""), item[0])):
        days = counted.get(worker_id, 0)
        row = Subsidy(
            community_id=community_id, month_id=month.id, month=first, worker_id=worker_id,
            placement_id=placement.id, post_id=placement.post_id, days_required=figures.days_required,
            days_counted=days, minimum_wage_fen=figures.minimum_wage_fen,
            insurance_base_fen=figures.insurance_base_fen, insurance_rate_bp=figures.insurance_rate_bp,
            post_subsidy_fen=post_subsidy_fen(figures.minimum_wage_fen, days, figures.days_required),
            insurance_subsidy_fen=insurance_subsidy_fen(figures.insurance_base_fen, figures.insurance_rate_bp, days),
        )
        db.session.add(row)
        people += 1
        post_total += row.post_subsidy_fen
        insurance_total += row.insurance_subsidy_fen
    month.people, month.post_total_fen, month.insurance_total_fen = people, post_total, insurance_total
    month.computed_at, month.computed_by = datetime.now(UTC), actor
    db.session.flush()
    return month


def submit_month(community_id: int, month_first_day: date, actor: str) -> SubsidyMonth:
    """Mark the computed draft as submitted to the office (final). 409: never computed, nothing in
    it, or submitted already."""
    month = lock_month(community_id, month_first_day.replace(day=1), create=False)
    if month is None:
        raise Conflict(N_("Compute the month before submitting it."), {"status": "not_computed"})
    if month.status == "submitted":
        raise Conflict(N_("This month has already been submitted."), {"status": month.status})
    if month.people == 0:
        raise Conflict(N_("There is nobody to claim for in this month: compute it with the workers on post first."),
                       {"status": month.status})
    month.status, month.submitted_on, month.submitted_by = "submitted", local_today(), actor
    db.session.flush()
    return month


# --- reading --------------------------------------------------------------------------------------


def month_state(community_id: int, first: date) -> dict:
    """The month's claim as the API and the pages show it (a month never computed: status
    "not_computed", zeros)."""
    month = find_month(community_id, first)
    state = {
        "community_id": community_id, "month": month_text(first), "id": None, "status": "not_computed",
        "people": 0, "post_total_fen": 0, "insurance_total_fen": 0, "total_fen": 0,
        "computed_at": None, "computed_by": None, "submitted_on": None, "submitted_by": None,
    }
    if month is not None:
        state.update(
            id=month.id, status=month.status, people=month.people, post_total_fen=month.post_total_fen,
            insurance_total_fen=month.insurance_total_fen,
            total_fen=month.post_total_fen + month.insurance_total_fen, computed_at=month.computed_at,
            computed_by=month.computed_by, submitted_on=month.submitted_on, submitted_by=month.submitted_by)
    return state


def rows_statement(month_id: int | None):
    """The month's rows (none for a month never computed)."""
    return select(Subsidy).where(Subsidy.month_id == (month_id if month_id is not None else -1))


def rows_out(rows: list[Subsidy]) -> list[dict]:
    """Rows with the worker's name and masked ID number and the post's name (two queries)."""
    from wuye_core.plugins import mask_id_card

    worker_ids = {r.worker_id for r in rows}
    post_ids = {r.post_id for r in rows}
    workers = {w.id: w for w in db.session.scalars(select(Worker).where(Worker.id.in_(worker_ids)))} if rows else {}
    posts = dict(db.session.execute(select(Post.id, Post.name).where(Post.id.in_(post_ids))).all()) if rows else {}
    out = []
    for r in rows:
        worker = workers.get(r.worker_id)
        out.append({
            "id": r.id, "worker_id": r.worker_id, "worker_name": worker.name if worker else None,
            "id_number_masked": mask_id_card(worker.id_number) if worker else None,
            "placement_id": r.placement_id, "post_id": r.post_id, "post_name": posts.get(r.post_id),
            "days_required": r.days_required, "days_counted": r.days_counted,
            "minimum_wage_fen": r.minimum_wage_fen, "insurance_base_fen": r.insurance_base_fen,
            "insurance_rate_bp": r.insurance_rate_bp, "post_subsidy_fen": r.post_subsidy_fen,
            "insurance_subsidy_fen": r.insurance_subsidy_fen,
            "total_fen": r.post_subsidy_fen + r.insurance_subsidy_fen,
        })
    return out
