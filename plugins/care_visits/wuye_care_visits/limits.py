"""The size of a brief, capped before its job is queued: the ledger has a row per person in the
brief's scope (brief.py's write_xlsx), so the people there bound the job's work; the figures are
SQL aggregates and the period is at most a year (schemas.BriefIn). A brief over the cap is
refused (422) with the count and the cap; a tenant-wide one can then be built per community.
Starting briefs is throttled per user too (`throttle`, WUYE_JOB_LIMIT_PER_USER)."""

from __future__ import annotations

from flask_smorest import abort
from sqlalchemy import func, select

from wuye_core.plugins import db, throttle

from .i18n import N_
from .models import CarePerson

MAX_BRIEF_PEOPLE = 20_000
TOO_MANY_PEOPLE = N_("The brief would list %(count)s people; at most %(max)s fit in one brief: build it per "
                     "community.")


def check_brief_start(community_id: int | None) -> None:
    """422 when the brief's scope holds more people than a brief may list; 429 past the caller's
    budget of briefs (counted only for briefs that pass the size check)."""
    where = [CarePerson.erased_at.is_(None)]
    if community_id is not None:
        where.append(CarePerson.community_id == community_id)
    count = db.session.scalar(select(func.count(CarePerson.id)).where(*where)) or 0
    if count > MAX_BRIEF_PEOPLE:
        message = N_(TOO_MANY_PEOPLE, count=count, max=MAX_BRIEF_PEOPLE)
        errors = {"path": {"community_id": [message]}} if community_id is not None else None
        abort(422, message=message, errors=errors)
    throttle("care_briefs")
