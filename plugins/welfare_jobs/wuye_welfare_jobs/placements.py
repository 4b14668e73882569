"""安置: a worker on a post for a limited time; the exit and the vacancy report (空岗报告).

`place` checks, under the community's Roster row lock (so two clerks filling the last place at
once have one winner): the worker and the post are the community's; the post is open and
approved on the start day; `ends_on` (default: the start plus max_placement_months, minus a day)
is not later than that; the worker has no placement overlapping this one (409, worker_id); the
post's headcount is not reached on any day of the new placement (409, post_id); the worker has
not reached the retirement age on the start day (422, worker_id).

`exit` records the last day on post (from the start to the agreed end), the reason and a note;
the vacancy report is then due `vacancy_report_days` after it (`vacancy_due_on`), and
`report_vacancy` records it. A placement past its agreed end with no exit recorded is listed
(state `term_passed`, alerts.py): recording its "term ended" exit is the manager's act.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, select

from wuye_core.plugins import db, invalid, local_today, plugin_config

from . import tenure, vocab
from .access import NAME
from .i18n import N_
from .models import Placement, Post, Worker
from .roster import add_months, conflict, lock_roster, retirement_day


def latest_end(starts_on: date, config: dict) -> date:
    """The last day a placement starting on `starts_on` may last."""
    return add_months(starts_on, config["max_placement_months"]) - timedelta(days=1)


def _of_community(model, object_id: int, community_id: int, field: str):
    found = db.session.get(model, object_id)
    if found is None or found.community_id != community_id:
        invalid(field, N_("Does not exist in this community."))
    return found


def place(community_id: int, worker_id: int, post_id: int, starts_on: date, ends_on: date | None = None,
          actor: str = "system") -> Placement:
    """Place the worker on the post from `starts_on` (see the module's rules); returns the new
    placement, flushed, not committed. Raises DomainError (422/409 naming the field)."""
    config = plugin_config(NAME, community_id)
    lock_roster(community_id)
    worker = _of_community(Worker, worker_id, community_id, "worker_id")
    post = _of_community(Post, post_id, community_id, "post_id")
    db.session.refresh(post)  # as committed now (the lock was taken after the gate read it)
    if worker.erased_at is not None:
        raise conflict("worker_id", N_("This worker's file was erased."))
    limit = latest_end(starts_on, config)
    ends_on = ends_on or limit
    if ends_on < starts_on:
        invalid("ends_on", N_("The placement ends before it starts."))
    if ends_on > limit:
        invalid("ends_on", N_("A placement lasts at most %(months)s months: it may end on %(day)s at the latest.",
                              months=config["max_placement_months"], day=limit.isoformat()))
    if not post.active or (post.closed_on is not None and post.closed_on <= ends_on):
        raise conflict("post_id", N_("The post is closed."))
    if starts_on < post.approved_from or (post.approved_until is not None and starts_on > post.approved_until):
        invalid("starts_on", N_("The post is not approved on that day."))
    retires = retirement_day(worker.birth_date, worker.gender, config)
    if starts_on >= retires:
        invalid("worker_id", N_("The worker reached the retirement age on %(day)s, before this placement starts.",
                                day=retires.isoformat()))
    clash = db.session.scalar(select(Placement.id).where(
        Placement.worker_id == worker.id, tenure.overlapping(starts_on, ends_on)).limit(1))
    if clash is not None:
        raise conflict("worker_id", N_("The worker has another placement during these days."))
    others = db.session.scalars(select(Placement).where(
        Placement.post_id == post.id, tenure.overlapping(starts_on, ends_on))).all()
    for day in sorted({starts_on} | {p.starts_on for p in others if p.starts_on > starts_on}):
        if sum(1 for p in others if tenure.covers(p, day)) >= post.headcount:
            raise conflict("post_id", N_("The post's headcount (%(headcount)s) is reached on %(day)s.",
                                         headcount=post.headcount, day=day.isoformat()))
    placement = Placement(community_id=community_id, worker_id=worker.id, post_id=post.id, starts_on=starts_on,
                          ends_on=ends_on, created_by=actor)
    db.session.add(placement)
    db.session.flush()
    return placement


def exit(placement_id: int, exited_on: date, exit_reason: str, note: str | None = None,
         actor: str = "system") -> Placement:
    """离岗: the worker's last day on post and why; starts the vacancy report's deadline.
    409 when an exit is recorded already; 422 naming exited_on / exit_reason."""
    placement = _locked(placement_id)
    if placement.exited_on is not None:
        raise conflict("placement_id", N_("The exit is recorded already."))
    if exit_reason not in vocab.EXIT_REASONS:
        invalid("exit_reason", N_("Not a reason for an exit."))
    if exited_on < placement.starts_on:
        invalid("exited_on", N_("The exit cannot come before the placement starts."))
    if exited_on > placement.ends_on:
        invalid("exited_on", N_("The exit cannot come after the placement's agreed end (%(day)s).",
                                day=placement.ends_on.isoformat()))
    config = plugin_config(NAME, placement.community_id)
    placement.exited_on = exited_on
    placement.exit_reason = exit_reason
    placement.exit_note = note
    placement.vacancy_due_on = exited_on + timedelta(days=config["vacancy_report_days"])
    placement.ended_by = actor
    return placement


def report_vacancy(placement_id: int, reported_on: date | None, ref: str, actor: str = "system") -> Placement:
    """空岗报告: the vacancy left by the exit was reported on `reported_on` (default today)."""
    placement = _locked(placement_id)
    if placement.exited_on is None:
        raise conflict("placement_id", N_("Record the exit first: there is no vacancy to report."))
    if placement.vacancy_reported_on is not None:
        raise conflict("placement_id", N_("The vacancy is reported already."))
    reported_on = reported_on or local_today()
    if reported_on < placement.exited_on:
        invalid("vacancy_reported_on", N_("The report cannot come before the exit."))
    if reported_on > local_today():
        invalid("vacancy_reported_on", N_("Cannot be in the future."))
    placement.vacancy_reported_on = reported_on
    placement.vacancy_report_ref = ref
    return placement


def _locked(placement_id: int) -> Placement:
    from wuye_core.plugins import NotFound, get_for_update

    placement = db.session.get(Placement, placement_id)
    if placement is None:
        raise NotFound()
    lock_roster(placement.community_id)
    return get_for_update(Placement, placement_id)


# --- reading ---------------------------------------------------------------------------------------


def state(placement: Placement, today: date) -> str:
    if placement.exited_on is not None and placement.exited_on < today:
        return "exited"
    if placement.starts_on > today:
        return "upcoming"
    if placement.exited_on is None and placement.ends_on < today:
        return "term_passed"
    return "current"


def list_query(community_id: int, args: dict):
    today = local_today()
    stmt = select(Placement).where(Placement.community_id == community_id)
    if "post_id" in args:
        stmt = stmt.where(Placement.post_id == args["post_id"])
    if "worker_id" in args:
        stmt = stmt.where(Placement.worker_id == args["worker_id"])
    chosen = args.get("state")
    if chosen == "current":
        stmt = stmt.where(tenure.on_post(today))
    elif chosen == "upcoming":
        stmt = stmt.where(Placement.starts_on > today)
    elif chosen == "term_passed":
        stmt = stmt.where(Placement.exited_on.is_(None), Placement.ends_on < today)
    elif chosen == "exited":
        stmt = stmt.where(Placement.exited_on < today)
    elif chosen == "vacancy_open":
        stmt = stmt.where(and_(Placement.exited_on.is_not(None), Placement.vacancy_reported_on.is_(None)))
    return stmt


def placements_out(placements: list[Placement], today: date | None = None) -> list[dict]:
    if not placements:
        return []
    today = today or local_today()
    workers = dict(db.session.execute(select(Worker.id, Worker.name).where(
        Worker.id.in_({p.worker_id for p in placements}))).all())
    posts = dict(db.session.execute(select(Post.id, Post.name).where(
        Post.id.in_({p.post_id for p in placements}))).all())
    return [{
        "id": p.id, "community_id": p.community_id, "worker_id": p.worker_id, "worker_name": workers.get(p.worker_id),
        "post_id": p.post_id, "post_name": posts.get(p.post_id), "starts_on": p.starts_on, "ends_on": p.ends_on,
        "exited_on": p.exited_on, "exit_reason": p.exit_reason,
        "exit_reason_label": vocab.label(vocab.EXIT_REASONS, p.exit_reason) or None, "exit_note": p.exit_note,
        "vacancy_due_on": p.vacancy_due_on, "vacancy_reported_on": p.vacancy_reported_on,
        "vacancy_report_ref": p.vacancy_report_ref, "state": state(p, today), "created_by": p.created_by,
        "ended_by": p.ended_by} for p in placements]
