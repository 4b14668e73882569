"""志愿服务记录: every confirmed hour of service is one row here, whatever it came from (an
activity's confirmed hours, a task done, a record staff enter by hand). `add_record` is the one
way in: activities, tasks and the records' own pages call it, and the time bank earns from it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from wuye_core.plugins import db, invalid, plugin_config

from .access import NAME
from .i18n import N_
from .models import Member, ServiceRecord


def add_record(member: Member, *, source: str, source_id: int | None, content: str, place: str,
               started_at: datetime, ended_at: datetime, minutes: int, organiser: str,
               confirmed_by: str, evaluation: str | None = None, now: datetime | None = None) -> ServiceRecord:
    """A confirmed service record for `member` (flushed, not committed). Idempotent per
    (source, source_id, member): confirming an activity's hours twice gives the first record back.
    Refused (422, naming the argument's field): the member left or was erased, an end before the
    start, minutes below 1 or more than the time between start and end or the community's
    `max_record_minutes`. Earns time-bank points when the community has the time bank on."""
    if source_id is not None:
        found = db.session.scalar(select(ServiceRecord).where(
            ServiceRecord.source == source, ServiceRecord.source_id == source_id,
            ServiceRecord.member_id == member.id))
        if found is not None:
            return found
    if member.erased_at is not None or member.status != "active":
        invalid("member_id", N_("This member has left the alliance."))
    if ended_at <= started_at:
        invalid("ended_at", N_("The end must be after the start."))
    cfg = plugin_config(NAME, member.community_id)
    longest = min(int((ended_at - started_at).total_seconds() // 60), int(cfg.get("max_record_minutes", 720)))
    if minutes < 1:
        invalid("minutes", N_("At least one minute of service."))
    if minutes > longest:
        invalid("minutes", N_("At most %(minutes)s minutes for this record.", minutes=longest))
    record = ServiceRecord(community_id=member.community_id, member_id=member.id, source=source, source_id=source_id,
                           content=content, place=place, started_at=started_at, ended_at=ended_at, minutes=minutes,
                           organiser=organiser, evaluation=evaluation, confirmed_by=confirmed_by,
                           confirmed_at=now or datetime.now(UTC), corrections=0)
    db.session.add(record)
    db.session.flush()
    if cfg.get("time_bank"):
        from .time_bank import earn

        earn(record, confirmed_by)
    return record
