"""Weekly activities (每周小区清洁): a series makes its occurrences — ordinary activities with
`series_id` — for the next AHEAD_DAYS days, at once when it is created or changed, and every day
by the job `make_activities` (SCHEDULES), idempotently.

- An occurrence is made for each date from max(first_date, today) to min(until_date, today +
  AHEAD_DAYS) that falls on the series' weekday (Beijing dates), at its start time, unless the
  series has one on that date already (whatever became of it: cancelled, moved to another time
  of the day) or that moment has passed. So running the job twice — or two runs at once: each
  locks the series row before it looks — makes nothing twice; the unique index (tenant,
  series_id, starts_at) is the database's own guard. An occurrence keeps to its date (moving it to
  another day is refused: cancel it and create a one-off activity instead).
- The organiser of the occurrences is whoever created the series.
- Changing a series (or stopping it: `active` false, or an earlier `until_date`): its future open
  occurrences that nobody has signed up for (not even a cancelled sign-up) are deleted and made
  again from the series as it is now (none when it is stopped); those with sign-ups stay as they
  are — the organiser changes or cancels them one by one (`kept` lists them).
- Deleting a series is allowed only while none of its occurrences has a sign-up (else: stop it).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import exists, select

from wuye_core.plugins import (
    Conflict,
    Schedule,
    Site,
    db,
    get_for_update,
    invalid,
    local_date,
    plugin_enabled,
    staff_names,
)

from . import vocab
from .access import NAME
from .activities import beijing_moment, check_site, check_skills, check_team, create_activity
from .i18n import N_
from .models import Activity, Series, Signup, Team

AHEAD_DAYS = 28
DAY = 24 * 60 * 60
FIELDS = ("title", "description", "place", "site_id", "team_id", "weekday", "start_time", "duration_minutes",
          "capacity", "skills_wanted", "first_date", "until_date", "active")
WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
            N_("Sunday"))


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def start_time(series: Series) -> time:
    return time.fromisoformat(series.start_time)


def _occurrence_data(series: Series, day: date) -> dict:
    starts_at = beijing_moment(day, start_time(series))
    return {"title": series.title, "description": series.description, "place": series.place,
            "site_id": series.site_id, "team_id": series.team_id, "starts_at": starts_at,
            "ends_at": starts_at + timedelta(minutes=series.duration_minutes), "capacity": series.capacity,
            "skills_wanted": list(series.skills_wanted or [])}


def occurrences(series_id: int) -> list[Activity]:
    return list(db.session.scalars(select(Activity).where(Activity.series_id == series_id)
                                   .order_by(Activity.starts_at, Activity.id)))


def make_for_series(series: Series, now: datetime | None = None) -> list[Activity]:
    """Make the series' missing occurrences up to AHEAD_DAYS ahead (flushed). The caller holds the
    series' row lock (`get_for_update`), so two runs at once make each day once."""
    now = _now(now)
    if not series.active:
        return []
    today = local_date(now)
    last = today + timedelta(days=AHEAD_DAYS)
    if series.until_date is not None:
        last = min(last, series.until_date)
    day = max(series.first_date, today)
    day += timedelta(days=(series.weekday - day.weekday()) % 7)
    have = {local_date(a.starts_at) for a in occurrences(series.id)}
    made = []
    while day <= last:
        if day not in have and beijing_moment(day, start_time(series)) > now:
            made.append(create_activity(series.community_id, _occurrence_data(series, day), series.created_by,
                                        series_id=series.id))
        day += timedelta(days=7)
    return made


def _signed_up(activity_id_column):
    return exists().where(Signup.activity_id == activity_id_column)


def redo_future(series: Series, now: datetime | None = None) -> list[Activity]:
    """Delete the future open occurrences nobody signed up for, make them again from the series as
    it is now; returns the future open occurrences kept for their sign-ups."""
    now = _now(now)
    future = db.session.scalars(select(Activity).where(
        Activity.series_id == series.id, Activity.starts_at > now, Activity.status == "open",
        ~_signed_up(Activity.id))).all()
    for activity in future:
        db.session.delete(activity)
    db.session.flush()
    make_for_series(series, now)
    return kept(series.id, now)


def kept(series_id: int, now: datetime | None = None) -> list[Activity]:
    """The series' future open occurrences that have sign-ups (they stay when the series changes)."""
    return list(db.session.scalars(select(Activity).where(
        Activity.series_id == series_id, Activity.starts_at > _now(now), Activity.status == "open",
        _signed_up(Activity.id)).order_by(Activity.starts_at)))


def _check(community_id: int, data: dict) -> None:
    if "site_id" in data:
        check_site(community_id, data["site_id"])
    if "team_id" in data:
        check_team(community_id, data["team_id"])
    if data.get("until_date") is not None and data.get("first_date") is not None \
            and data["until_date"] < data["first_date"]:
        invalid("until_date", N_("Ends before it starts."))


def create_series(community_id: int, data: dict, by: str, now: datetime | None = None) -> Series:
    """A new weekly series organised by `by`, its occurrences made at once (flushed)."""
    _check(community_id, {"site_id": None, "team_id": None, **data})
    series = Series(community_id=community_id, team_id=data.get("team_id"), title=data["title"],
                    description=data.get("description") or None, place=data["place"], site_id=data.get("site_id"),
                    weekday=data["weekday"], start_time=data["start_time"],
                    duration_minutes=data["duration_minutes"], capacity=data.get("capacity"),
                    skills_wanted=check_skills(data.get("skills_wanted")), first_date=data["first_date"],
                    until_date=data.get("until_date"), active=data.get("active", True), created_by=by)
    db.session.add(series)
    db.session.flush()
    series = get_for_update(Series, series.id)
    make_for_series(series, now)
    return series


def update_series(series_id: int, data: dict, now: datetime | None = None) -> tuple[Series, list[Activity]]:
    """Change (or stop, `active` false) a series: locked; its future occurrences without sign-ups
    made again. Returns the series and the future occurrences kept for their sign-ups."""
    series = get_for_update(Series, series_id)
    merged = {key: data.get(key, getattr(series, key)) for key in ("first_date", "until_date")}
    _check(series.community_id, {**{k: v for k, v in data.items() if k in ("site_id", "team_id")}, **merged})
    if "skills_wanted" in data:
        data = {**data, "skills_wanted": check_skills(data["skills_wanted"])}
    for key in FIELDS:
        if key in data:
            value = data[key]
            if key == "description":
                value = value or None
            setattr(series, key, value)
    db.session.flush()
    return series, redo_future(series, now)


def delete_series(series_id: int) -> None:
    """Delete a series and its occurrences, while none has a sign-up (409: stop it instead)."""
    series = get_for_update(Series, series_id)
    if db.session.scalar(select(Activity.id).where(Activity.series_id == series.id, _signed_up(Activity.id)).limit(1)):
        raise Conflict(N_("Members have signed up for its activities: stop the series instead of deleting it."))
    for activity in occurrences(series.id):
        db.session.delete(activity)
    db.session.flush()
    db.session.delete(series)
    db.session.flush()


# --- the daily job --------------------------------------------------------------------------------


def make_activities(tenant_id: int, **_) -> int:
    """The job: every active series of a community where the plugin is on makes its missing
    occurrences. Each series is locked while it is looked at (a second run waits, then finds them
    made). Returns how many activities were made."""
    enabled: dict[int, bool] = {}
    made = 0
    ids = db.session.scalars(select(Series.id).where(Series.active.is_(True)).order_by(Series.id)).all()
    for series_id in ids:
        series = get_for_update(Series, series_id)
        if series is None or not series.active:
            continue
        if series.community_id not in enabled:
            enabled[series.community_id] = plugin_enabled(NAME, series.community_id)
        if enabled[series.community_id]:
            made += len(make_for_series(series))
    return made


JOBS = {"make_activities": make_activities}
SCHEDULES = [Schedule("make_activities", "make_activities", DAY)]


# --- output ---------------------------------------------------------------------------------------


def series_out(rows, now: datetime | None = None) -> list[dict]:
    """Series as the API and the pages show them, with their next occurrence and how many are ahead."""
    now = _now(now)
    rows = list(rows)
    ids = [s.id for s in rows]
    ahead: dict[int, list[datetime]] = {i: [] for i in ids}
    if ids:
        for series_id, starts_at in db.session.execute(select(Activity.series_id, Activity.starts_at).where(
                Activity.series_id.in_(ids), Activity.starts_at > now, Activity.status == "open")
                .order_by(Activity.starts_at)):
            ahead[series_id].append(starts_at)
    team_ids = {s.team_id for s in rows if s.team_id}
    teams = dict(db.session.execute(select(Team.id, Team.name).where(Team.id.in_(team_ids))).all()) if team_ids else {}
    site_ids = {s.site_id for s in rows if s.site_id}
    sites = dict(db.session.execute(select(Site.id, Site.name).where(Site.id.in_(site_ids))).all()) if site_ids else {}
    names = staff_names(sorted({s.created_by for s in rows}))
    return [{
        "id": s.id, "community_id": s.community_id, "team_id": s.team_id, "team_name": teams.get(s.team_id),
        "title": s.title, "description": s.description, "place": s.place, "site_id": s.site_id,
        "site_name": sites.get(s.site_id), "weekday": s.weekday, "weekday_label": WEEKDAYS[s.weekday].translate(),
        "start_time": s.start_time, "duration_minutes": s.duration_minutes, "capacity": s.capacity,
        "skills_wanted": list(s.skills_wanted or []),
        "skills_labels": [vocab.label(vocab.SKILLS, k) for k in s.skills_wanted or []],
        "first_date": s.first_date, "until_date": s.until_date, "active": s.active,
        "next_starts_at": ahead[s.id][0] if ahead[s.id] else None, "upcoming": len(ahead[s.id]),
        "organiser": s.created_by, "organiser_name": names.get(s.created_by, s.created_by),
        "created_at": s.created_at,
    } for s in rows]


def list_query(community_id: int, args: dict):
    stmt = select(Series).where(Series.community_id == community_id)
    if args.get("active") is not None:
        stmt = stmt.where(Series.active.is_(args["active"]))
    return stmt
