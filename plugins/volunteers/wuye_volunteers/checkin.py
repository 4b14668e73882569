"""Check-in and check-out (签到、签退): by the organiser on the activity's list, or by the member
scanning the activity's QR code with their phone.

- The organiser: `check_in`, `check_out`, `undo` (a tap by mistake) on a sign-up, and `walk_in`
  for a member who came without signing up (a sign-up and a check-in at once, beyond the capacity
  if need be: they are there). From `checkin_opens_minutes` before the start until the hours are
  confirmed; a waiting member checked in gets a place.
- The member: `checkin_by_token(token, member, now)` — the residents' page behind the QR code calls
  it. The first scan checks in, the second checks out, within [start − checkin_opens_minutes,
  end + checkin_closes_minutes] and only where the community's `qr_checkin` is on. A member who did
  not sign up is signed up and checked in while places are left. A second scan within
  `MIN_STAY_MINUTES` of the check-in is refused (a double tap must not end their service).

Every function locks the activity first, then the sign-up (the order sign-ups and hours use), and
flushes; refusals are 409 (the state does not allow it) or 422 (the member), in the reader's language.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select

from wuye_core.plugins import Conflict, NotFound, db, get_for_update, invalid, plugin_config, plugin_enabled

from .access import NAME
from .activities import local_moment_text, local_time_text
from .i18n import N_
from .models import Activity, Member, Signup
from .signups import LIVE, check_member, find, has_place, place_signup

QR = "qr"  # `checked_in_by` of a scan
MIN_STAY_MINUTES = 5


class CheckinResult(NamedTuple):
    """What a scan did: `action` is "checked_in" or "checked_out"; `signed_up`: the scan signed
    the member up (they had not); the sign-up and the activity as they are now."""

    action: str
    signup: Signup
    activity: Activity
    signed_up: bool = False


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _config(activity: Activity) -> dict:
    return plugin_config(NAME, activity.community_id) or {}


def opens_at(activity: Activity) -> datetime:
    return activity.starts_at - timedelta(minutes=int(_config(activity).get("checkin_opens_minutes", 60)))


def closes_at(activity: Activity) -> datetime:
    return activity.ends_at + timedelta(minutes=int(_config(activity).get("checkin_closes_minutes", 180)))


def _require_running(activity: Activity) -> None:
    if activity.status == "cancelled":
        raise Conflict(N_("This activity was cancelled."))
    if activity.status == "confirmed":
        raise Conflict(N_("The hours of this activity are confirmed: check-in is closed."))


def _require_open_for_staff(activity: Activity, now: datetime) -> None:
    _require_running(activity)
    if now < opens_at(activity):
        raise Conflict(N_("Check-in opens at %(time)s.", time=local_moment_text(opens_at(activity))))


def _locked(signup: Signup) -> tuple[Activity, Signup]:
    activity = get_for_update(Activity, signup.activity_id)
    return activity, get_for_update(Signup, signup.id)


def _stamp_in(signup: Signup, by: str, now: datetime) -> None:
    if signup.status == "waiting":
        signup.status = "confirmed"  # they came: the organiser (or a free place) lets them in
    signup.checked_in_at = now
    signup.checked_in_by = by
    signup.checked_out_at = None


def check_in(signup: Signup, by: str, now: datetime | None = None) -> Signup:
    """The organiser checks a signed-up (or waiting) member in. Refused (409): a cancelled sign-up,
    checked in already, before check-in opens, the activity cancelled or confirmed."""
    now = _now(now)
    activity, signup = _locked(signup)
    _require_open_for_staff(activity, now)
    if signup.status == "cancelled":
        raise Conflict(N_("This sign-up is cancelled: check the member in as a walk-in."))
    if signup.checked_in_at is not None:
        raise Conflict(N_("Checked in already at %(time)s.", time=local_time_text(signup.checked_in_at)))
    _stamp_in(signup, by, now)
    db.session.flush()
    return signup


def check_out(signup: Signup, by: str, now: datetime | None = None) -> Signup:
    """The organiser checks a member out. Refused (409): not checked in, checked out already."""
    now = _now(now)
    activity, signup = _locked(signup)
    _require_running(activity)
    if signup.checked_in_at is None:
        raise Conflict(N_("Not checked in: check in first."))
    if signup.checked_out_at is not None:
        raise Conflict(N_("Checked out already at %(time)s.", time=local_time_text(signup.checked_out_at)))
    signup.checked_out_at = max(now, signup.checked_in_at)
    db.session.flush()
    return signup


def undo(signup: Signup, by: str, now: datetime | None = None) -> Signup:
    """The organiser takes back a check-out (if there is one), else the check-in (a tap by mistake).
    Refused (409): nothing to undo, the activity cancelled or confirmed."""
    activity, signup = _locked(signup)
    _require_running(activity)
    if signup.checked_out_at is not None:
        signup.checked_out_at = None
    elif signup.checked_in_at is not None:
        signup.checked_in_at = None
        signup.checked_in_by = None
    else:
        raise Conflict(N_("Not checked in: nothing to undo."))
    db.session.flush()
    return signup


def walk_in(activity: Activity, member: Member, by: str, now: datetime | None = None) -> Signup:
    """A member who came without signing up (or from the waiting list): signed up with a place and
    checked in at once. Refused: checked in already (409), the member left (422 `member_id`)."""
    now = _now(now)
    activity = get_for_update(Activity, activity.id)
    _require_open_for_staff(activity, now)
    check_member(activity, member)
    signup = find(activity.id, member.id)
    if signup is not None:
        signup = get_for_update(Signup, signup.id)
    if signup is not None and signup.status in LIVE:
        if signup.checked_in_at is not None:
            raise Conflict(N_("%(name)s checked in already at %(time)s.", name=member.name,
                              time=local_time_text(signup.checked_in_at)),
                           {"json": {"member_id": [N_("Checked in already.")]}})
    else:
        signup = place_signup(activity, member, "confirmed", now)
    _stamp_in(signup, by, now)
    db.session.flush()
    return signup


def checkin_by_token(token: str, member: Member, now: datetime | None = None) -> CheckinResult:
    """A member scanned the activity's QR code: the first scan checks in, the second checks out.

    `token` is the code's secret (in the page `checkin_url` opens), `member` the signed-in
    resident's member row of the activity's community. Flushes, does not commit. Refused:
    - 404: no activity has this code (renewed, or mistyped), or the plugin is off there;
    - 409: scanning is off in the community (`qr_checkin`), the activity was cancelled or its hours
      confirmed, before the window opens or after it closed, the activity full and the member
      not signed up (or waiting), a second scan within MIN_STAY_MINUTES, checked out already;
    - 422 `member_id`: no member (None), the member left, or is of another community."""
    now = _now(now)
    found = db.session.scalar(select(Activity.id).where(Activity.checkin_token == token)) if token else None
    if found is None:
        raise NotFound(N_("This code is not valid (it may have been replaced): ask the organiser."))
    activity = get_for_update(Activity, found)
    if not plugin_enabled(NAME, activity.community_id):
        raise NotFound(N_("This code is not valid (it may have been replaced): ask the organiser."))
    if not _config(activity).get("qr_checkin", True):
        raise Conflict(N_("Checking in by code is off in this community: the organiser checks you in."))
    _require_running(activity)
    if now < opens_at(activity):
        raise Conflict(N_("Check-in opens at %(time)s.", time=local_moment_text(opens_at(activity))))
    if now > closes_at(activity):
        raise Conflict(N_("Check-in and check-out closed at %(time)s: ask the organiser.",
                          time=local_moment_text(closes_at(activity))))
    if member is None:
        invalid("member_id", N_("You are not a member of this community's alliance: ask the organiser."))
    if member.community_id != activity.community_id:
        invalid("member_id", N_("This code is of an activity of another community."))
    check_member(activity, member)
    signup = find(activity.id, member.id)
    if signup is not None:
        signup = get_for_update(Signup, signup.id)
    if signup is None or signup.status == "cancelled":
        if not has_place(activity):
            raise Conflict(N_("The activity is full and you have not signed up: ask the organiser."))
        signup = place_signup(activity, member, "confirmed", now)
        _stamp_in(signup, QR, now)
        db.session.flush()
        return CheckinResult("checked_in", signup, activity, signed_up=True)
    if signup.status == "waiting":
        if not has_place(activity):
            raise Conflict(N_("You are on the waiting list: ask the organiser to check you in."))
    if signup.checked_in_at is None:
        _stamp_in(signup, QR, now)
        db.session.flush()
        return CheckinResult("checked_in", signup, activity)
    if signup.checked_out_at is not None:
        raise Conflict(N_("You checked out already at %(time)s.", time=local_time_text(signup.checked_out_at)))
    if now - signup.checked_in_at < timedelta(minutes=MIN_STAY_MINUTES):
        raise Conflict(N_("You checked in at %(time)s. Scan again when you leave, to check out.",
                          time=local_time_text(signup.checked_in_at)))
    signup.checked_out_at = now
    db.session.flush()
    return CheckinResult("checked_out", signup, activity)
