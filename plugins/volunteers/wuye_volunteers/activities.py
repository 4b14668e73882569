"""Activities of the alliance (活动): one-off, or an occurrence a series made (series.py).

An activity has a place (and optionally a site of the community), a time (stored in UTC; forms
give Beijing dates and times, the API ISO 8601 with an offset, Beijing when none), a capacity
(None: no limit, nobody waits), the skills it wants, a team (optional), its organiser (the staff
user who created it) and the secret of its QR code (`checkin_token`, members scan it to check in
and out: checkin.py). Its status is `open`, `cancelled` or `confirmed` (hours confirmed: hours.py);
"upcoming" and "past" are read from its times.

Who: any organiser of the community (access.require_organiser) creates, changes and cancels;
anyone who reads the community reads activities (no personal data here). Services flush, the
routes commit; a change locks the activity row first (the same lock sign-ups and check-ins take).
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import String, cast, func, select

from wuye_core.plugins import (
    LOCAL_TZ,
    Conflict,
    Site,
    db,
    get_for_update,
    invalid,
    local_date,
    resident_link,
    staff_names,
)

from . import vocab
from .i18n import N_
from .models import Activity, Series, Signup, Team

LONGEST = timedelta(days=7)  # one activity lasts at most a week (a longer one is a series)
FIELDS = ("title", "description", "place", "site_id", "team_id", "starts_at", "ends_at", "capacity", "skills_wanted")


def new_token() -> str:
    """A fresh secret for an activity's QR code (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


CHECKIN_PATH = "/h5/plugins/volunteers/checkin/{token}"  # the residents' page behind the code (resident.py)


def checkin_url(activity: Activity) -> str:
    """The address the activity's QR code holds, the ONE place it is built: the community's signed
    residents' link (the core's `resident_link`, API 1.12; absolute, from the request's host) that
    opens the members' check-in page with the code's secret — at once for a phone signed in
    already, after signing in for the others. In a request."""
    return resident_link(activity.community_id, CHECKIN_PATH.format(token=activity.checkin_token))


# --- times ----------------------------------------------------------------------------------------


def beijing_moment(day: date, at: time) -> datetime:
    """A Beijing date and time of day as an aware instant (UTC)."""
    return datetime.combine(day, at, LOCAL_TZ).astimezone(UTC)


def local_time_text(moment: datetime) -> str:
    """"HH:MM" in Beijing time (for messages)."""
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M")


def local_moment_text(moment: datetime) -> str:
    """"YYYY-MM-DD HH:MM" in Beijing time (for messages)."""
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def duration_minutes(activity) -> int:
    return int((activity.ends_at - activity.starts_at).total_seconds() // 60)


def _aware(moment: datetime) -> datetime:
    """In UTC, as the database gives it back (a value set in this session may still be in Beijing time)."""
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def started(activity: Activity, now: datetime) -> bool:
    return _aware(activity.starts_at) <= now


def ended(activity: Activity, now: datetime) -> bool:
    return _aware(activity.ends_at) <= now


def check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        invalid("ends_at", N_("Ends before it starts."))  # wording shared with the core (fuzz: a semantic refusal)
    if ends_at - starts_at > LONGEST:
        invalid("ends_at", N_("An activity lasts at most 7 days: make a weekly series for longer work."))


# --- checks of the community's things ---------------------------------------------------------------


def check_site(community_id: int, site_id: int | None) -> None:
    if site_id is None:
        return
    site = db.session.get(Site, site_id)
    if site is None or site.community_id != community_id:
        invalid("site_id", N_("Not a site of this community."))


def check_team(community_id: int, team_id: int | None) -> None:
    if team_id is None:
        return
    team = db.session.get(Team, team_id)
    if team is None or team.community_id != community_id:
        invalid("team_id", N_("Does not exist in this community."))
    if not team.active:
        invalid("team_id", N_("This team has been dissolved."))


def check_skills(skills) -> list[str]:
    found = list(dict.fromkeys(skills or []))
    unknown = [s for s in found if s not in vocab.SKILLS]
    if unknown:
        invalid("skills_wanted", N_("Unknown skill: %(skill)s.", skill=unknown[0]))
    return found


# --- counts ------------------------------------------------------------------------------------------


def confirmed_count(activity_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Signup).where(
        Signup.activity_id == activity_id, Signup.status == "confirmed")) or 0


def counts(activity_ids) -> dict[int, dict[str, int]]:
    """{activity id: {"confirmed", "waiting", "checked_in"}} in one query."""
    ids = sorted(set(activity_ids))
    found = {i: {"confirmed": 0, "waiting": 0, "checked_in": 0} for i in ids}
    if not ids:
        return found
    rows = db.session.execute(
        select(Signup.activity_id, Signup.status, func.count(), func.count(Signup.checked_in_at))
        .where(Signup.activity_id.in_(ids), Signup.status.in_(("confirmed", "waiting")))
        .group_by(Signup.activity_id, Signup.status))
    for activity_id, status, n, checked_in in rows:
        found[activity_id][status] = n
        found[activity_id]["checked_in"] += checked_in
    return found


# --- changes --------------------------------------------------------------------------------------------


def create_activity(community_id: int, data: dict, by: str, series_id: int | None = None) -> Activity:
    """A new open activity organised by `by` (flushed). Refused (422 naming the field): an end not
    after the start or more than 7 days later, a site or team not of the community, an unknown skill."""
    check_times(data["starts_at"], data["ends_at"])
    check_site(community_id, data.get("site_id"))
    check_team(community_id, data.get("team_id"))
    activity = Activity(
        community_id=community_id, series_id=series_id, team_id=data.get("team_id"), title=data["title"],
        description=data.get("description") or None, place=data["place"], site_id=data.get("site_id"),
        starts_at=data["starts_at"], ends_at=data["ends_at"], capacity=data.get("capacity"),
        skills_wanted=check_skills(data.get("skills_wanted")), status="open", checkin_token=new_token(),
        organiser=by, created_by=by)
    db.session.add(activity)
    db.session.flush()
    return activity


def require_changeable(activity: Activity) -> None:
    if activity.status == "cancelled":
        raise Conflict(N_("This activity was cancelled."))
    if activity.status == "confirmed":
        raise Conflict(N_("The hours of this activity are confirmed: correct the service records instead."))


def update_activity(activity_id: int, data: dict, now: datetime | None = None) -> Activity:
    """Change an open activity (the fields given). Locks it. A capacity below the places already
    taken is refused (422 naming `capacity`); a larger one (or none) moves the first waiting
    members up. Refused once cancelled or confirmed (409)."""
    from .signups import fill_places

    now = now or datetime.now(UTC)
    activity = get_for_update(Activity, activity_id)
    require_changeable(activity)
    starts_at = data.get("starts_at", activity.starts_at)
    ends_at = data.get("ends_at", activity.ends_at)
    if "starts_at" in data or "ends_at" in data:
        check_times(_aware(starts_at), _aware(ends_at))
    if activity.series_id is not None and local_date(_aware(starts_at)) != local_date(_aware(activity.starts_at)):
        invalid("starts_at", N_("An activity of a weekly series stays on its day: change its time, or cancel it "
                                "and create a one-off activity."))
    if "site_id" in data:
        check_site(activity.community_id, data["site_id"])
    if "team_id" in data:
        check_team(activity.community_id, data["team_id"])
    if "skills_wanted" in data:
        data = {**data, "skills_wanted": check_skills(data["skills_wanted"])}
    if "capacity" in data and data["capacity"] is not None:
        taken = confirmed_count(activity.id)
        if data["capacity"] < taken:
            invalid("capacity", N_("%(count)s members have places already: the capacity cannot be less.", count=taken))
    for key in FIELDS:
        if key in data:
            value = data[key]
            if key == "description":
                value = value or None
            setattr(activity, key, value)
    db.session.flush()
    if "capacity" in data:
        fill_places(activity, now)
    return activity


def cancel_activity(activity_id: int) -> Activity:
    """Cancel an activity: its sign-ups are kept as they are (the list shows who was told). Refused
    when it is cancelled already or its hours are confirmed (409)."""
    activity = get_for_update(Activity, activity_id)
    require_changeable(activity)
    activity.status = "cancelled"
    db.session.flush()
    return activity


def renew_code(activity_id: int) -> Activity:
    """A new QR code for the activity (the old one stops working at once: a code that leaked)."""
    activity = get_for_update(Activity, activity_id)
    require_changeable(activity)
    activity.checkin_token = new_token()
    db.session.flush()
    return activity


# --- lists --------------------------------------------------------------------------------------------


def day_start(day: date) -> datetime:
    return beijing_moment(day, time(0, 0))


def list_query(community_id: int, args: dict):
    """The community's activities filtered by `first`/`last` (Beijing dates of the start, both
    included), `status`, `team_id`, `skill`, `series_id`."""
    stmt = select(Activity).where(Activity.community_id == community_id)
    if args.get("first") is not None:
        stmt = stmt.where(Activity.starts_at >= day_start(args["first"]))
    if args.get("last") is not None:
        stmt = stmt.where(Activity.starts_at < day_start(args["last"] + timedelta(days=1)))
    if args.get("status"):
        stmt = stmt.where(Activity.status == args["status"])
    if args.get("team_id"):
        stmt = stmt.where(Activity.team_id == args["team_id"])
    if args.get("series_id"):
        stmt = stmt.where(Activity.series_id == args["series_id"])
    if args.get("skill"):
        stmt = stmt.where(cast(Activity.skills_wanted, String).like(f'%"{args["skill"]}"%'))
    return stmt


def activities_out(rows, organiser_view: bool = False) -> list[dict]:
    """The activities as the API and the pages show them (three queries for the whole list):
    counts of places, the team's and site's names, the organiser's display name; the QR code's
    address only for organisers (`organiser_view`)."""
    rows = list(rows)
    tally = counts([a.id for a in rows])
    team_ids = {a.team_id for a in rows if a.team_id}
    teams = dict(db.session.execute(select(Team.id, Team.name).where(Team.id.in_(team_ids))).all()) if team_ids else {}
    site_ids = {a.site_id for a in rows if a.site_id}
    sites = dict(db.session.execute(select(Site.id, Site.name).where(Site.id.in_(site_ids))).all()) if site_ids else {}
    names = staff_names(sorted({a.organiser for a in rows} | {a.confirmed_by for a in rows if a.confirmed_by}))
    series_ids = {a.series_id for a in rows if a.series_id}
    series = (dict(db.session.execute(select(Series.id, Series.title).where(Series.id.in_(series_ids))).all())
              if series_ids else {})
    out = []
    for a in rows:
        n = tally[a.id]
        out.append({
            "id": a.id, "community_id": a.community_id, "series_id": a.series_id,
            "series_title": series.get(a.series_id), "team_id": a.team_id, "team_name": teams.get(a.team_id),
            "title": a.title, "description": a.description, "place": a.place, "site_id": a.site_id,
            "site_name": sites.get(a.site_id), "starts_at": _aware(a.starts_at), "ends_at": _aware(a.ends_at),
            "duration_minutes": duration_minutes(a), "capacity": a.capacity,
            "skills_wanted": list(a.skills_wanted or []),
            "skills_labels": [vocab.label(vocab.SKILLS, s) for s in a.skills_wanted or []],
            "status": a.status, "status_label": vocab.label(vocab.ACTIVITY_STATUSES, a.status),
            "signed_up": n["confirmed"], "waiting": n["waiting"], "checked_in": n["checked_in"],
            "places_left": None if a.capacity is None else max(a.capacity - n["confirmed"], 0),
            "organiser": a.organiser, "organiser_name": names.get(a.organiser, a.organiser),
            "confirmed_by": a.confirmed_by,
            "confirmed_by_name": names.get(a.confirmed_by, a.confirmed_by) if a.confirmed_by else None,
            "confirmed_at": _aware(a.confirmed_at) if a.confirmed_at else None,
            "checkin_url": checkin_url(a) if organiser_view else None,
            "created_by": a.created_by, "created_at": a.created_at,
        })
    return out
