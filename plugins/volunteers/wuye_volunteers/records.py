"""志愿服务记录: every confirmed hour of service is one row here, whatever it came from (an
activity's confirmed hours, a task done, a record staff enter by hand). `add_record` is the one
way in: activities, tasks and the records' own pages call it, and the time bank earns from it.

Also here: the records' lists (a community's, filtered by member, source, team and period; a
member's), their shape in the API and on the pages (`records_out`, `record_detail`: the history
of corrections and the certificates whose period holds the record), and the manager's manual
record (`add_manual`: service done outside an activity or task). Corrections are in
record_corrections.py, certificates in certificates.py.

Times are instants (UTC in the database); periods are Beijing dates, both included: a record
belongs to the day (and the year) its service started on in Beijing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, select

from wuye_core.plugins import LOCAL_TZ, db, invalid, plugin_config, staff_names

from . import vocab
from .access import NAME
from .i18n import N_
from .models import Certificate, Member, RecordCorrection, ServiceRecord, TeamMember

# a record entered by hand may end this much after "now" (a clock a little ahead), no more
FUTURE_SLACK = timedelta(minutes=5)


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
    cfg = plugin_config(NAME, member.community_id)
    check_times(started_at, ended_at, minutes, cfg)
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


def longest_minutes(started_at: datetime, ended_at: datetime, cfg: dict) -> int:
    """The most minutes a record from `started_at` to `ended_at` may count: the time between them,
    at most the community's `max_record_minutes`."""
    return min(int((ended_at - started_at).total_seconds() // 60), int(cfg.get("max_record_minutes", 720)))


def check_times(started_at: datetime, ended_at: datetime, minutes: int, cfg: dict) -> None:
    """A record's times and minutes as the rules want them (422 naming the field): an end after
    the start, at least one minute, at most `longest_minutes`. New records and corrections alike."""
    if ended_at <= started_at:
        invalid("ended_at", N_("The end must be after the start."))
    longest = longest_minutes(started_at, ended_at, cfg)
    if minutes < 1:
        invalid("minutes", N_("At least one minute of service."))
    if minutes > longest:
        invalid("minutes", N_("At most %(minutes)s minutes for this record.", minutes=longest))


def check_done(ended_at: datetime, now: datetime | None = None) -> None:
    """A record entered or corrected by hand is service already done: an end in the future is a 422."""
    if ended_at > (now or datetime.now(UTC)) + FUTURE_SLACK:
        invalid("ended_at", N_("A service record is for service already done: the end is in the future."))


# --- periods -----------------------------------------------------------------------------------------


def day_start(day: date) -> datetime:
    """The instant a Beijing day begins (aware, UTC)."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)


def period_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) of the Beijing days `first` to `last`, both included, as instants."""
    return day_start(first), day_start(last + timedelta(days=1))


def in_period(column, first: date | None, last: date | None) -> list:
    """Conditions: `column` (an instant) on a Beijing day from `first` to `last` (either may be None)."""
    conditions = []
    if first is not None:
        conditions.append(column >= day_start(first))
    if last is not None:
        conditions.append(column < day_start(last + timedelta(days=1)))
    return conditions


# --- lists ------------------------------------------------------------------------------------------


def list_query(community_id: int, args: dict) -> Select:
    """The community's records as `args` filter them: `member_id`, `source`, `team_id` (the records
    of the team's members), `first`/`last` (Beijing dates of the start, both included)."""
    stmt = select(ServiceRecord).where(ServiceRecord.community_id == community_id)
    if args.get("member_id") is not None:
        stmt = stmt.where(ServiceRecord.member_id == args["member_id"])
    if args.get("source"):
        stmt = stmt.where(ServiceRecord.source == args["source"])
    if args.get("team_id") is not None:
        stmt = stmt.where(ServiceRecord.member_id.in_(
            select(TeamMember.member_id).where(TeamMember.team_id == args["team_id"],
                                               TeamMember.community_id == community_id)))
    return stmt.where(*in_period(ServiceRecord.started_at, args.get("first"), args.get("last")))


def member_query(member_id: int, args: dict | None = None) -> Select:
    """A member's records (`first`/`last`, `source` as in `list_query`)."""
    args = args or {}
    stmt = select(ServiceRecord).where(ServiceRecord.member_id == member_id)
    if args.get("source"):
        stmt = stmt.where(ServiceRecord.source == args["source"])
    return stmt.where(*in_period(ServiceRecord.started_at, args.get("first"), args.get("last")))


def member_names(member_ids) -> dict[int, str]:
    """{member id: name} in one query."""
    ids = {i for i in member_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(Member.id, Member.name).where(Member.id.in_(ids))).all())


def records_out(records: list[ServiceRecord]) -> list[dict]:
    """Records as the API and the pages show them; names in one query each (members, staff)."""
    names = member_names(r.member_id for r in records)
    staff = staff_names(r.confirmed_by for r in records)
    return [{
        "id": r.id, "community_id": r.community_id, "member_id": r.member_id,
        "member_name": names.get(r.member_id), "source": r.source,
        "source_label": vocab.label(vocab.RECORD_SOURCES, r.source), "source_id": r.source_id,
        "content": r.content, "place": r.place, "started_at": r.started_at, "ended_at": r.ended_at,
        "minutes": r.minutes, "organiser": r.organiser, "evaluation": r.evaluation,
        "evaluation_label": vocab.label(vocab.EVALUATIONS, r.evaluation) or None,
        "confirmed_by": r.confirmed_by, "confirmed_by_name": staff.get(r.confirmed_by, r.confirmed_by),
        "confirmed_at": r.confirmed_at, "corrections": r.corrections,
    } for r in records]


def corrections_of(record_id: int) -> list[dict]:
    """A record's corrections, oldest first: which fields, before and after, why, by whom, when."""
    rows = db.session.scalars(select(RecordCorrection).where(RecordCorrection.record_id == record_id)
                              .order_by(RecordCorrection.id)).all()
    staff = staff_names(row.by for row in rows)
    return [{"id": row.id, "fields": sorted(row.changes), "changes": row.changes, "reason": row.reason,
             "by": row.by, "by_name": staff.get(row.by, row.by), "at": row.at} for row in rows]


def certificates_holding(record: ServiceRecord) -> list[dict]:
    """The certificates issued to the record's member, since the record was confirmed, whose period
    holds the record's start."""
    day = record.started_at.astimezone(LOCAL_TZ).date()
    rows = db.session.execute(
        select(Certificate.id, Certificate.number, Certificate.issued_at)
        .where(Certificate.member_id == record.member_id, Certificate.period_start <= day,
               Certificate.period_end >= day, Certificate.issued_at >= record.confirmed_at)
        .order_by(Certificate.id)).all()
    return [{"id": cid, "number": number, "issued_at": issued_at} for cid, number, issued_at in rows]


def record_detail(record: ServiceRecord) -> dict:
    """One record with the history of its corrections and the certificates that cover it."""
    out = records_out([record])[0]
    out["history"] = corrections_of(record.id)
    out["certificates"] = certificates_holding(record)
    return out


# --- the manager's own record -------------------------------------------------------------------------


def add_manual(community_id: int, data: dict, by: str, now: datetime | None = None) -> ServiceRecord:
    """A record the manager enters by hand (source "manual"): service done outside an activity or a
    task. The member must be the community's (422 `member_id`); the service must be over (422
    `ended_at`); the minutes default to the time between start and end, at most the community's
    `max_record_minutes`; the organiser defaults to the alliance's name."""
    from .alliance import names

    member = db.session.get(Member, data["member_id"])
    if member is None or member.community_id != community_id:
        invalid("member_id", N_("No such member in this community."))
    started_at, ended_at = data["started_at"].astimezone(UTC), data["ended_at"].astimezone(UTC)
    if ended_at <= started_at:
        invalid("ended_at", N_("The end must be after the start."))
    check_done(ended_at, now)
    minutes = data.get("minutes")
    if minutes is None:
        minutes = longest_minutes(started_at, ended_at, plugin_config(NAME, community_id))
    organiser = (data.get("organiser") or "").strip() or names(community_id)[0]
    return add_record(member, source="manual", source_id=None, content=data["content"], place=data["place"],
                      started_at=started_at, ended_at=ended_at, minutes=minutes, organiser=organiser[:100],
                      confirmed_by=by, evaluation=data.get("evaluation"), now=now)
