"""Corrections of service records (更正): only the alliance's manager corrects, always with a reason.

A correction changes a record's minutes, content, place, times or evaluation. The record is
changed in place (its figures are what every total counts) and the correction is kept beside it:
one `RecordCorrection` row (an append-only table: the database refuses to change or delete it)
with `changes` = {field: [before, after]}, the reason, who and when; the record's `corrections`
counts them. The core's audit trail gets `volunteers.amended` naming the fields (not their values).
When the minutes change, the time bank follows (`time_bank.record_corrected`).

A record inside the period of a certificate already issued may still be corrected: the
certificate keeps its figures as issued — `as_of` rebuilds a record's values at a moment from the
corrections made after it, so a certificate's table is printed as it was issued.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from wuye_core.plugins import DomainError, db, get_for_update, plugin_config, record_audit

from .access import NAME
from .i18n import N_
from .models import Member, RecordCorrection, ServiceRecord
from .records import check_done, check_times

FIELDS = ("minutes", "content", "place", "started_at", "ended_at", "evaluation")
TIMES = ("started_at", "ended_at")


def _stored(field: str, value):
    """A value as `changes` keeps it (JSON): instants as ISO 8601 in UTC."""
    if field in TIMES and value is not None:
        return value.astimezone(UTC).isoformat()
    return value


def _loaded(field: str, value):
    """A value of `changes` back as the record holds it."""
    if field in TIMES and value is not None:
        return datetime.fromisoformat(value)
    return value


def correct(record_id: int, data: dict, by: str, now: datetime | None = None) -> tuple[ServiceRecord, RecordCorrection]:
    """Correct the record (locked until the caller commits) with `data`: any of FIELDS and the
    `reason`. Only the fields that differ change; nothing different is a 422. The corrected record
    must follow the rules of a new one (an end after the start, 1 to the longest minutes, service
    already done). Flushes; the caller commits."""
    record = get_for_update(ServiceRecord, record_id)
    now = now or datetime.now(UTC)
    changes: dict[str, list] = {}
    for field in FIELDS:
        if field not in data:
            continue
        before, after = getattr(record, field), data[field]
        if field in TIMES:
            after = after.astimezone(UTC)
        elif isinstance(after, str):
            after = after.strip()
        if before != after:
            changes[field] = [before, after]
    if not changes:
        raise DomainError(N_("The correction changes nothing: send the fields to correct, with their new values."),
                          errors={"json": {"reason": [N_("No field changes.")]}})
    started_at = changes.get("started_at", [None, record.started_at])[1]
    ended_at = changes.get("ended_at", [None, record.ended_at])[1]
    minutes = changes.get("minutes", [None, record.minutes])[1]
    member = db.session.get(Member, record.member_id)
    check_times(started_at, ended_at, minutes, plugin_config(NAME, member.community_id))
    if "ended_at" in changes:
        check_done(ended_at, now)
    minutes_before = record.minutes
    for field, (_before, after) in changes.items():
        setattr(record, field, after)
    record.corrections = (record.corrections or 0) + 1
    correction = RecordCorrection(
        community_id=record.community_id, record_id=record.id, reason=data["reason"].strip(), by=by, at=now,
        changes={field: [_stored(field, before), _stored(field, after)] for field, (before, after) in changes.items()})
    db.session.add(correction)
    db.session.flush()
    record_audit(NAME, "amended", target_type="record", target_id=record.id,
                 details={"fields": sorted(changes), "correction": correction.id})
    if "minutes" in changes:
        from . import time_bank

        time_bank.record_corrected(record, minutes_before, by)
    return record, correction


def as_of(records: list[ServiceRecord], moment: datetime) -> list[dict]:
    """The records' values as they were at `moment`: each record's fields, with the corrections
    made after `moment` undone (latest first). One query for all the records' corrections."""
    values = {r.id: {field: getattr(r, field) for field in FIELDS} | {"id": r.id} for r in records}
    if not values:
        return []
    later = db.session.scalars(
        select(RecordCorrection).where(RecordCorrection.record_id.in_(values), RecordCorrection.at > moment)
        .order_by(RecordCorrection.id.desc())).all()
    for correction in later:
        for field, (before, _after) in correction.changes.items():
            if field in FIELDS:
                values[correction.record_id][field] = _loaded(field, before)
    return [values[r.id] for r in records]
