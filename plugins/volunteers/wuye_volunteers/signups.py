"""Sign-ups (报名) and the waiting list (候补).

Staff (an organiser) sign a member up on their behalf at the console or through the API; members
sign themselves up on the residents' pages, which call the same two functions:

    sign_up(activity, member, by, now=None) -> Signup
    cancel(signup, by, now=None) -> Cancelled(signup, promoted)

`by` is the staff user's username, or `BY_MEMBER` when the member acts for themselves (then the
configured `cancel_until_hours` applies; staff may cancel any time before the hours are confirmed).

The rules: one sign-up per member and activity (a second is a 409; a cancelled one may sign up
again, at the end of the queue); not for a cancelled activity, one whose hours are confirmed or
one that has started (409); not for a member who left or is of another community (422 naming
`member_id`). While places are left the sign-up is `confirmed`; once the activity is full it is
`waiting`, and the waiting list is ordered by `signed_up_at` (then id). A confirmed place given up
goes to the first waiting member in the same transaction (also when the capacity grows).

Concurrency: both functions lock the activity row first (`get_for_update`) and only then count
the places and stamp `signed_up_at`, so sign-ups arriving at once are served one at a time in the
order they got the lock: exactly `capacity` are confirmed and the others wait in that order
(tests/test_volunteers_signups_race.py proves it with threads on PostgreSQL).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select

from wuye_core.plugins import Conflict, db, get_for_update, invalid, plugin_config

from .access import NAME
from .activities import confirmed_count, ended, local_moment_text, started
from .i18n import N_
from .models import Activity, Member, Signup

BY_MEMBER = "member:self"  # `by` when the member acts for themselves (no staff username has a colon)
LIVE = ("confirmed", "waiting")


class Cancelled(NamedTuple):
    """What `cancel` did: the cancelled sign-up, and the waiting one moved up to its place (or None)."""

    signup: Signup
    promoted: Signup | None


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def check_member(activity: Activity, member: Member) -> None:
    """A member of the activity's community who has not left (422 naming `member_id` otherwise)."""
    if member is None or member.community_id != activity.community_id:
        invalid("member_id", N_("Does not exist in this community."))
    if member.erased_at is not None or member.status != "active":
        invalid("member_id", N_("This member has left the alliance."))


def has_place(activity: Activity) -> bool:
    return activity.capacity is None or confirmed_count(activity.id) < activity.capacity


def find(activity_id: int, member_id: int) -> Signup | None:
    return db.session.scalar(select(Signup).where(Signup.activity_id == activity_id, Signup.member_id == member_id))


def waiting_list(activity_id: int) -> list[Signup]:
    """The waiting sign-ups, first in line first."""
    return list(db.session.scalars(select(Signup).where(Signup.activity_id == activity_id, Signup.status == "waiting")
                                   .order_by(Signup.signed_up_at, Signup.id)))


def place_signup(activity: Activity, member: Member, status: str, now: datetime) -> Signup:
    """The member's sign-up row with `status`: a new one, or their cancelled one taken up again
    (the unique (activity, member) row), stamped now. The caller holds the activity's lock."""
    signup = find(activity.id, member.id)
    if signup is None:
        signup = Signup(community_id=activity.community_id, activity_id=activity.id, member_id=member.id)
        db.session.add(signup)
    signup.status = status
    signup.signed_up_at = now
    signup.checked_in_at = signup.checked_out_at = signup.checked_in_by = None
    signup.minutes = signup.record_id = None
    db.session.flush()
    return signup


def sign_up(activity: Activity, member: Member, by: str, now: datetime | None = None) -> Signup:
    """Sign `member` up for `activity` (flushed, not committed): `confirmed` while places are left,
    else `waiting`. `by`: the staff username, or BY_MEMBER. Locks the activity first.
    Refused: signed up already, the activity cancelled, confirmed or started (409); the member left
    or of another community (422 `member_id`)."""
    activity = get_for_update(Activity, activity.id)
    now = _now(now)
    if activity.status == "cancelled":
        raise Conflict(N_("This activity was cancelled."))
    if activity.status == "confirmed":
        raise Conflict(N_("The hours of this activity are confirmed: it takes no more sign-ups."))
    if started(activity, now):
        raise Conflict(N_("This activity has started: sign-ups are closed (the organiser checks walk-ins in)."))
    check_member(activity, member)
    existing = find(activity.id, member.id)
    if existing is not None and existing.status in LIVE:
        if existing.status == "waiting":
            raise Conflict(N_("%(name)s is on the waiting list already.", name=member.name),
                           {"json": {"member_id": [N_("Signed up already.")]}})
        raise Conflict(N_("%(name)s has signed up already.", name=member.name),
                       {"json": {"member_id": [N_("Signed up already.")]}})
    return place_signup(activity, member, "confirmed" if has_place(activity) else "waiting", now)


def fill_places(activity: Activity, now: datetime | None = None) -> list[Signup]:
    """Move waiting members up, first in line first, while the activity has places (it is open and
    has not ended). The caller holds the activity's lock. Returns those moved up."""
    now = _now(now)
    if activity.status != "open" or ended(activity, now):
        return []
    moved = []
    for signup in waiting_list(activity.id):
        if not has_place(activity):
            break
        signup.status = "confirmed"
        db.session.flush()
        moved.append(signup)
    return moved


def cancel(signup: Signup, by: str, now: datetime | None = None) -> Cancelled:
    """Cancel a sign-up (flushed, not committed); a confirmed place given up goes to the first
    waiting member at once. `by`: the staff username (any time), or BY_MEMBER (until the
    community's `cancel_until_hours` before the start). Locks the activity, then the sign-up.
    Refused (409): cancelled already, checked in already, the hours confirmed, too late for a member."""
    now = _now(now)
    activity = get_for_update(Activity, signup.activity_id)
    signup = get_for_update(Signup, signup.id)
    if signup.status == "cancelled":
        raise Conflict(N_("This sign-up is cancelled already."))
    if activity.status == "confirmed":
        raise Conflict(N_("The hours of this activity are confirmed: the sign-ups stay as they are."))
    if signup.checked_in_at is not None:
        raise Conflict(N_("Checked in already: undo the check-in first."))
    if by == BY_MEMBER:
        hours = int(plugin_config(NAME, activity.community_id).get("cancel_until_hours", 2))
        deadline = activity.starts_at - timedelta(hours=hours)
        if now >= deadline:
            raise Conflict(N_("Sign-ups can be cancelled here until %(time)s: please tell the organiser.",
                              time=local_moment_text(deadline)))
    was_confirmed = signup.status == "confirmed"
    signup.status = "cancelled"
    db.session.flush()
    promoted = None
    if was_confirmed:
        moved = fill_places(activity, now)
        promoted = moved[0] if moved else None
    return Cancelled(signup, promoted)


def positions(activity_id: int) -> dict[int, int]:
    """{sign-up id: place on the waiting list, 1 = next}."""
    return {s.id: i for i, s in enumerate(waiting_list(activity_id), start=1)}


def signups_of(activity_id: int) -> list[Signup]:
    """The activity's sign-ups: places first (by sign-up time), then the waiting list in order, then
    the cancelled."""
    rank = {"confirmed": 0, "waiting": 1, "cancelled": 2}
    rows = db.session.scalars(select(Signup).where(Signup.activity_id == activity_id)
                              .order_by(Signup.signed_up_at, Signup.id)).all()
    return sorted(rows, key=lambda s: rank.get(s.status, 3))


def signups_out(rows, identity) -> list[dict]:
    """Sign-ups as the API and the pages show them: the member's name, kind and phone (masked unless
    the caller `sees_contact`), place on the waiting list, check times."""
    from wuye_core.plugins import mask_phone

    from . import vocab
    from .access import sees_contact

    rows = list(rows)
    member_ids = sorted({s.member_id for s in rows})
    members = ({m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(member_ids)))}
               if member_ids else {})
    places: dict[int, dict[int, int]] = {}
    out = []
    for s in rows:
        m = members.get(s.member_id)
        if s.status == "waiting" and s.activity_id not in places:
            places[s.activity_id] = positions(s.activity_id)
        phone = m.phone if m is not None else None
        if phone and not sees_contact(identity, m):
            phone = mask_phone(phone)
        out.append({
            "id": s.id, "activity_id": s.activity_id, "member_id": s.member_id,
            "member_name": m.name if m is not None else "", "member_kind": m.kind if m is not None else None,
            "member_kind_label": vocab.label(vocab.MEMBER_KINDS, m.kind) if m is not None else "",
            "member_left": bool(m is not None and (m.status != "active" or m.erased_at is not None)),
            "phone": phone, "status": s.status, "status_label": vocab.label(vocab.SIGNUP_STATUSES, s.status),
            "position": places.get(s.activity_id, {}).get(s.id) if s.status == "waiting" else None,
            "signed_up_at": s.signed_up_at, "checked_in_at": s.checked_in_at, "checked_out_at": s.checked_out_at,
            "checked_in_by": s.checked_in_by, "minutes": s.minutes, "record_id": s.record_id,
        })
    return out
