"""Confirming an activity's hours (确认服务时长).

After the activity has started, the organiser sees every member with a place and the minutes
proposed for them (`proposal`): check-out − check-in, at most the activity's length; the
activity's length when they checked in and not out; 0 (absent) when they never checked in. They
adjust the minutes (0 = absent, a no-show), add an evaluation if they like, and confirm
(`confirm`): each person with minutes gets a service record through `records.add_record` — the
content is the activity's title (and description), the place and time are the activity's (the
record's start and end are the activity's start and end; the minutes are the person's), the
organiser is the alliance's name as certificates print it — and the activity becomes `confirmed`.

Only the activity's organiser or the alliance manager confirms (403). Confirming again is
refused (409): a later change is a correction of the record (the records' pages); and
`add_record` is idempotent per activity and member anyway, so nothing is ever counted twice.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from wuye_core.plugins import Conflict, Forbidden, Identity, Invalid, db, get_for_update, invalid

from . import vocab
from .access import is_manager
from .activities import duration_minutes, started
from .alliance import names
from .i18n import N_
from .models import Activity, Member, ServiceRecord, Signup
from .records import add_record


def may_confirm(identity: Identity, activity: Activity) -> bool:
    return identity.username == activity.organiser or is_manager(identity, activity.community_id)


def require_confirmer(identity: Identity, activity: Activity) -> None:
    if not may_confirm(identity, activity):
        raise Forbidden(N_("Only the activity's organiser or the alliance manager may confirm its hours."))


def proposed_minutes(activity: Activity, signup: Signup) -> int:
    """Check-out − check-in, at most the activity's length; its length without a check-out; 0
    without a check-in."""
    longest = duration_minutes(activity)
    if signup.checked_in_at is None:
        return 0
    if signup.checked_out_at is None:
        return longest
    stayed = int((signup.checked_out_at - signup.checked_in_at).total_seconds() // 60)
    return max(0, min(stayed, longest))


def _places(activity_id: int) -> list[Signup]:
    return list(db.session.scalars(select(Signup).where(Signup.activity_id == activity_id,
                                                        Signup.status == "confirmed")
                                   .order_by(Signup.signed_up_at, Signup.id)))


def proposal(activity: Activity) -> dict:
    """The hours sheet: the activity's length and status, and a row per member with a place —
    check times, the proposed minutes, and once confirmed the minutes given, the record and its
    evaluation."""
    rows = _places(activity.id)
    member_ids = sorted({s.member_id for s in rows})
    members = ({m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(member_ids)))}
               if member_ids else {})
    record_ids = [s.record_id for s in rows if s.record_id]
    records = ({r.id: r for r in db.session.scalars(select(ServiceRecord).where(ServiceRecord.id.in_(record_ids)))}
               if record_ids else {})
    out = []
    for s in rows:
        m = members.get(s.member_id)
        record = records.get(s.record_id)
        out.append({
            "signup_id": s.id, "member_id": s.member_id, "member_name": m.name if m else "",
            "member_left": bool(m and (m.status != "active" or m.erased_at is not None)),
            "checked_in_at": s.checked_in_at, "checked_out_at": s.checked_out_at,
            "proposed_minutes": proposed_minutes(activity, s), "minutes": s.minutes,
            "absent": activity.status == "confirmed" and not s.record_id,
            "record_id": s.record_id, "evaluation": record.evaluation if record else None,
            "evaluation_label": vocab.label(vocab.EVALUATIONS, record.evaluation) if record else "",
        })
    return {"activity_id": activity.id, "status": activity.status, "duration_minutes": duration_minutes(activity),
            "confirmed_by": activity.confirmed_by, "confirmed_at": activity.confirmed_at, "rows": out}


def _content(activity: Activity) -> str:
    text = activity.title if not activity.description else f"{activity.title}：{activity.description}"
    return text[:500]


def confirm(activity_id: int, rows: list[dict], by: str, now: datetime | None = None) -> list[ServiceRecord]:
    """Confirm the activity's hours as `by` (flushed). `rows`: [{"signup_id", "minutes" (0 = absent),
    "evaluation" (optional)}]; a member with a place not in `rows` gets the proposed minutes.
    Locks the activity. Refused: cancelled, confirmed already, not started yet (409); a row not of
    a member with a place, minutes beyond the activity's length, an unknown evaluation, minutes
    for a member who left (422 naming `rows.<n>.<field>`). Returns the records made."""
    now = now or datetime.now(UTC)
    activity = get_for_update(Activity, activity_id)
    if activity.status == "cancelled":
        raise Conflict(N_("This activity was cancelled."))
    if activity.status == "confirmed":
        raise Conflict(N_("The hours of this activity are confirmed already: correct the service records instead."))
    if not started(activity, now):
        raise Conflict(N_("The activity has not started yet."))
    places = {s.id: s for s in _places(activity.id)}
    longest = duration_minutes(activity)
    given: dict[int, dict] = {}
    for i, row in enumerate(rows or []):
        signup_id = row.get("signup_id")
        if signup_id not in places:
            invalid(f"rows.{i}.signup_id", N_("Not a member with a place in this activity."))
        if signup_id in given:
            invalid(f"rows.{i}.signup_id", N_("This member is listed twice."))
        minutes = row.get("minutes")
        if minutes is not None and not 0 <= minutes <= longest:
            invalid(f"rows.{i}.minutes", N_("From 0 (absent) to %(minutes)s minutes, the activity's length.",
                                            minutes=longest))
        if row.get("evaluation") and row["evaluation"] not in vocab.EVALUATIONS:
            invalid(f"rows.{i}.evaluation", N_("Unknown evaluation."))
        given[signup_id] = {**row, "index": i}
    organiser = names(activity.community_id)[0]
    members = {m.id: m for m in db.session.scalars(select(Member).where(
        Member.id.in_(sorted({s.member_id for s in places.values()}) or [0])))}
    made = []
    for signup in places.values():
        row = given.get(signup.id, {})
        minutes = row.get("minutes")
        if minutes is None:
            minutes = proposed_minutes(activity, signup)
        signup.minutes = minutes  # every writer of sign-ups holds the activity's lock: no row lock needed
        if minutes <= 0:
            continue
        member = members[signup.member_id]
        field = f"rows.{row['index']}.minutes" if "index" in row else "rows"
        if member.erased_at is not None or member.status != "active":
            invalid(field, N_("%(name)s has left the alliance: give them 0 minutes.", name=member.name))
        try:
            record = add_record(member, source="activity", source_id=activity.id, content=_content(activity),
                                place=activity.place, started_at=activity.starts_at, ended_at=activity.ends_at,
                                minutes=minutes, organiser=organiser, confirmed_by=by,
                                evaluation=row.get("evaluation") or None, now=now)
        except Invalid as exc:  # e.g. more than the community's max_record_minutes
            invalid(field, exc.errors["json"][exc.field][0])
        signup.record_id = record.id
        made.append(record)
    activity.status = "confirmed"
    activity.confirmed_by = by
    activity.confirmed_at = now
    db.session.flush()
    return made

