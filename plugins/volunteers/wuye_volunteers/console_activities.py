"""Console pages of activities (tab `activities`; the blueprint and helpers are console.py's):

- `/communities/<id>/activities`          upcoming first (soonest first), then the past (paged)
- `/communities/<id>/activities/new`      a new activity (Beijing date and times)
- `/activities/<id>`                      details, sign-ups and the waiting list, big check-in buttons
- `/activities/<id>/edit`, `/cancel`, `/signups` (sign up or walk in), `/signups/cancel`, `/check`
- `/activities/<id>/qr`                   the QR code to print or show on the organiser's phone (and a new code)
- `/activities/<id>/hours`                the hours sheet and its confirmation
- `/communities/<id>/series`, `/communities/<id>/series/new`, `/series/<id>`, `/series/<id>/edit`,
  `/series/<id>/delete`                   weekly activities

The services and rules are the API's (activities.py, signups.py, checkin.py, hours.py, series.py):
a refusal comes back from `attempt` with its errors by field and its status, everything the call
wrote is rolled back, and the page is shown again with the messages. Organisers (and the alliance
manager) act; anyone who reads the community sees the activities (not who signed up).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import segno
from flask import abort, flash, redirect, request, url_for
from marshmallow import fields, validate
from sqlalchemy import select

from wuye_core.plugins import (
    LOCAL_TZ,
    Id,
    PageArgs,
    Site,
    StrictSchema,
    Text,
    attempt,
    console_form,
    db,
    local_today,
    paginate,
    render_page,
    require_staff,
)

from . import activities, checkin, hours, series, signups, vocab
from .access import is_manager, is_organiser, routed
from .console import choices, community, pages, query
from .i18n import _
from .models import Activity, Member, Series, Signup, Team

TAB = "activities"


# --- forms ------------------------------------------------------------------------------------------


def _skills_field():
    return fields.List(fields.String(validate=validate.OneOf(list(vocab.SKILLS))),
                       validate=validate.Length(max=len(vocab.SKILLS)))


class ActivityForm(StrictSchema):
    """The activity's form: a Beijing date, start and end times (and the end's date if another day)."""

    title = Text(100, min_length=1, required=True)
    description = Text(1000, allow_none=True)
    place = Text(200, min_length=1, required=True)
    site_id = Id(allow_none=True)
    team_id = Id(allow_none=True)
    day = fields.Date(required=True)
    start = fields.Time(required=True)
    end = fields.Time(required=True)
    end_day = fields.Date(allow_none=True)
    capacity = fields.Integer(allow_none=True, validate=validate.Range(1, 10000))
    skills_wanted = _skills_field()


class SeriesForm(StrictSchema):
    title = Text(100, min_length=1, required=True)
    description = Text(1000, allow_none=True)
    place = Text(200, min_length=1, required=True)
    site_id = Id(allow_none=True)
    team_id = Id(allow_none=True)
    weekday = fields.Integer(required=True, validate=validate.Range(0, 6))
    start_time = fields.Time(required=True)
    end_time = fields.Time(required=True)
    capacity = fields.Integer(allow_none=True, validate=validate.Range(1, 10000))
    skills_wanted = _skills_field()
    first_date = fields.Date(required=True)
    until_date = fields.Date(allow_none=True)


class MemberForm(StrictSchema):
    member_id = Id(required=True)
    walk_in = fields.String(validate=validate.OneOf(["1"]))


class SignupForm(StrictSchema):
    signup_id = Id(required=True)
    action = fields.String(validate=validate.OneOf(["in", "out", "undo"]))


class ListQuery(PageArgs):
    status = fields.String(validate=validate.OneOf(list(vocab.ACTIVITY_STATUSES)))
    team_id = Id()
    skill = fields.String(validate=validate.OneOf(list(vocab.SKILLS)))


# --- helpers ------------------------------------------------------------------------------------------


def _organiser(community_id: int) -> bool:
    return is_organiser(require_staff(), community_id)


def _require_organiser(community_id: int):
    identity = require_staff()
    if not is_organiser(identity, community_id):
        abort(403)
    return identity


def _done(message: str, endpoint: str, **values):
    flash(message, "success")
    return redirect(url_for(endpoint, **values), code=303)


def _local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL_TZ)


def when(activity: dict) -> str:
    """"2026-12-08 09:00–11:00" (Beijing), or both dates when it ends on another day."""
    starts, ends = _local(activity["starts_at"]), _local(activity["ends_at"])
    if starts.date() == ends.date():
        return f"{starts:%Y-%m-%d %H:%M}–{ends:%H:%M}"
    return f"{starts:%Y-%m-%d %H:%M} – {ends:%Y-%m-%d %H:%M}"


def clock(moment: datetime | None) -> str:
    """"09:05" (Beijing), "" for none."""
    return _local(moment).strftime("%H:%M") if moment else ""


pages.add_app_template_filter(when, "volunteer_when")
pages.add_app_template_filter(clock, "volunteer_clock")


def _sites(community_id: int) -> list[tuple[int, str]]:
    return [(s.id, s.name) for s in db.session.scalars(select(Site).where(Site.community_id == community_id)
                                                        .order_by(Site.name))]


def _teams(community_id: int, keep: int | None = None) -> list[tuple[int, str]]:
    return [(t.id, t.name) for t in db.session.scalars(select(Team).where(Team.community_id == community_id)
                                                        .order_by(Team.name))
            if t.active or t.id == keep]


def _members(community_id: int, leave_out=()) -> list[tuple[int, str]]:
    """The community's active members for a choice, by name (those in `leave_out` left out)."""
    rows = db.session.execute(select(Member.id, Member.name).where(
        Member.community_id == community_id, Member.status == "active", Member.erased_at.is_(None))
        .order_by(Member.name, Member.id)).all()
    return [(i, n) for i, n in rows if i not in set(leave_out)]


FIELD_OF = {"starts_at": "start", "ends_at": "end"}  # the services' fields → the form's


def _form_errors(errors: dict, known) -> dict:
    """Errors by the form's inputs: the services' field names mapped to the form's, an item of a list
    to the list, anything the form has no input for shown above the form (GENERAL, "_")."""
    out: dict = {}
    for key, messages in errors.items():
        key = FIELD_OF.get(key, key).split(".", 1)[0]
        out.setdefault(key if key in known else "_", []).extend(messages)
    return out


def _activity_data(data: dict) -> dict:
    starts_at = activities.beijing_moment(data["day"], data["start"])
    ends_at = activities.beijing_moment(data.get("end_day") or data["day"], data["end"])
    out = {k: data.get(k) for k in ("title", "description", "place", "site_id", "team_id", "capacity")}
    out.update(starts_at=starts_at, ends_at=ends_at, skills_wanted=data.get("skills_wanted") or [])
    return out


def _activity_values(activity: Activity) -> dict:
    starts, ends = _local(activity.starts_at), _local(activity.ends_at)
    return {"title": activity.title, "description": activity.description or "", "place": activity.place,
            "site_id": activity.site_id, "team_id": activity.team_id, "day": starts.date().isoformat(),
            "start": starts.strftime("%H:%M"), "end": ends.strftime("%H:%M"),
            "end_day": ends.date().isoformat() if ends.date() != starts.date() else "",
            "capacity": activity.capacity if activity.capacity is not None else "",
            "skills_wanted": list(activity.skills_wanted or [])}


def _values(form) -> dict:
    values = {k: v for k, v in form.items()}
    values["skills_wanted"] = form.getlist("skills_wanted")
    return values


def _activity_form(community_id: int, values: dict, errors: dict, status: int = 200,
                   activity: Activity | None = None):
    return render_page(
        "volunteers/activities_form.html", community=community(community_id), tab=TAB, activity=activity,
        values=values, errors=_form_errors(errors, ActivityForm().fields), sites=_sites(community_id),
        teams=_teams(community_id, activity.team_id if activity else None), skills=choices(vocab.SKILLS),
    ), status


# --- the list -------------------------------------------------------------------------------------------


@pages.route("/communities/<int:community_id>/activities")
def activities_list(community_id):
    """活动: upcoming and running ones first (soonest first), then the past, newest first (paged)."""
    args, problems = query(ListQuery())
    now = datetime.now(UTC)
    base = activities.list_query(community_id, args)
    upcoming = db.session.scalars(base.where(Activity.ends_at > now).order_by(Activity.starts_at, Activity.id)
                                  .limit(100)).all()
    past_args = {**args, "sort": (("starts_at", True),)}
    page = paginate(base.where(Activity.ends_at <= now), Activity, past_args)
    organiser = _organiser(community_id)
    page["items"] = activities.activities_out(page["items"])
    return render_page(
        "volunteers/activities_list.html", community=community(community_id), tab=TAB, problems=problems, args=args,
        upcoming=activities.activities_out(upcoming), page=page, organiser=organiser,
        statuses=choices(vocab.ACTIVITY_STATUSES), skills=choices(vocab.SKILLS), teams=_teams(community_id))


@pages.route("/communities/<int:community_id>/activities/new", methods=["GET", "POST"])
def activities_new(community_id):
    identity = _require_organiser(community_id)
    if request.method == "GET":
        day = local_today() + timedelta(days=1)
        return _activity_form(community_id, {"day": day.isoformat(), "start": "09:00", "end": "11:00",
                                             "skills_wanted": []}, {})
    data, errors = console_form(ActivityForm())
    status = 422
    if not errors:
        done = attempt(lambda: activities.create_activity(community_id, _activity_data(data), identity.username))
        if not done.errors:
            return _done(_("The activity is created."), ".activity_page", activity_id=done.result.id)
        errors, status = done.errors, done.status
    return _activity_form(community_id, _values(request.form), errors, status)


# --- one activity -----------------------------------------------------------------------------------------


def _activity_page(activity_id: int, errors: dict | None = None, status: int = 200, values: dict | None = None):
    identity = require_staff()
    activity = routed(Activity, activity_id)
    organiser = is_organiser(identity, activity.community_id)
    shown = activities.activities_out([activity], organiser_view=organiser)[0]
    now = datetime.now(UTC)
    rows = signups.signups_out(signups.signups_of(activity.id), identity) if organiser else []
    live = [r["member_id"] for r in rows if r["status"] in signups.LIVE]
    running = activity.status == "open"
    return render_page(
        "volunteers/activities_page.html", community=community(activity.community_id), tab=TAB, a=shown,
        organiser=organiser, places=[r for r in rows if r["status"] == "confirmed"],
        waiting=[r for r in rows if r["status"] == "waiting"], cancelled=[r for r in rows if r["status"] == "cancelled"],
        members=_members(activity.community_id, live) if organiser and running else [],
        can_sign_up=running and not activities.started(activity, now),
        can_check=running and now >= checkin.opens_at(activity),
        opens_at=checkin.opens_at(activity), started=activities.started(activity, now),
        may_confirm=hours.may_confirm(identity, activity), errors=errors or {}, values=values or {},
    ), status


@pages.route("/activities/<int:activity_id>")
def activity_page(activity_id):
    return _activity_page(activity_id)


@pages.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
def activity_edit(activity_id):
    activity = routed(Activity, activity_id)
    _require_organiser(activity.community_id)
    if request.method == "GET":
        return _activity_form(activity.community_id, _activity_values(activity), {}, activity=activity)
    data, errors = console_form(ActivityForm())
    status = 422
    if not errors:
        done = attempt(lambda: activities.update_activity(activity_id, _activity_data(data)))
        if not done.errors:
            return _done(_("The activity is changed."), ".activity_page", activity_id=activity_id)
        errors, status = done.errors, done.status
    activity = routed(Activity, activity_id)
    return _activity_form(activity.community_id, _values(request.form), errors, status, activity=activity)


@pages.route("/activities/<int:activity_id>/cancel", methods=["POST"])
def activity_cancel(activity_id):
    activity = routed(Activity, activity_id)
    _require_organiser(activity.community_id)
    done = attempt(lambda: activities.cancel_activity(activity_id))
    if not done.errors:
        return _done(_("The activity is cancelled. Its sign-ups are kept."), ".activity_page", activity_id=activity_id)
    return _activity_page(activity_id, done.errors, done.status)


@pages.route("/activities/<int:activity_id>/signups", methods=["POST"])
def activity_sign_up(activity_id):
    """Sign a member up, or (the walk-in button) sign up and check in at once."""
    activity = routed(Activity, activity_id)
    identity = _require_organiser(activity.community_id)
    data, errors = console_form(MemberForm())
    if errors:
        return _activity_page(activity_id, errors, 422, request.form)
    member = db.session.get(Member, data["member_id"])

    def act():
        if member is None:
            signups.check_member(activity, None)
        if data.get("walk_in"):
            return checkin.walk_in(activity, member, identity.username)
        return signups.sign_up(activity, member, identity.username)

    done = attempt(act)
    if done.errors:
        return _activity_page(activity_id, done.errors, done.status, request.form)
    if data.get("walk_in"):
        message = _("%(name)s is checked in.", name=member.name)
    elif done.result.status == "waiting":
        message = _("%(name)s is on the waiting list.", name=member.name)
    else:
        message = _("%(name)s is signed up.", name=member.name)
    return _done(message, ".activity_page", activity_id=activity_id, _anchor="signups")


def _signup_of(activity: Activity, signup_id: int) -> Signup:
    signup = db.session.get(Signup, signup_id)
    if signup is None or signup.activity_id != activity.id:
        abort(404)
    return signup


@pages.route("/activities/<int:activity_id>/signups/cancel", methods=["POST"])
def activity_cancel_signup(activity_id):
    activity = routed(Activity, activity_id)
    identity = _require_organiser(activity.community_id)
    data, errors = console_form(SignupForm())
    if errors:
        return _activity_page(activity_id, errors, 422)
    signup = _signup_of(activity, data["signup_id"])
    done = attempt(lambda: signups.cancel(signup, identity.username))
    if done.errors:
        return _activity_page(activity_id, done.errors, done.status)
    message = _("The sign-up is cancelled.")
    if done.result.promoted is not None:
        moved = db.session.get(Member, done.result.promoted.member_id)
        message = _("The sign-up is cancelled; %(name)s moves up from the waiting list.", name=moved.name)
    return _done(message, ".activity_page", activity_id=activity_id, _anchor="signups")


@pages.route("/activities/<int:activity_id>/check", methods=["POST"])
def activity_check(activity_id):
    """One tap on the list: check a person in, out, or undo the last tap."""
    activity = routed(Activity, activity_id)
    identity = _require_organiser(activity.community_id)
    data, errors = console_form(SignupForm())
    if errors:
        return _activity_page(activity_id, errors, 422)
    signup = _signup_of(activity, data["signup_id"])
    action = {"in": checkin.check_in, "out": checkin.check_out, "undo": checkin.undo}[data.get("action") or "in"]
    done = attempt(lambda: action(signup, identity.username))
    if done.errors:
        return _activity_page(activity_id, done.errors, done.status)
    name = db.session.get(Member, done.result.member_id).name
    message = {"in": _("%(name)s is checked in.", name=name), "out": _("%(name)s is checked out.", name=name),
               "undo": _("The last tap for %(name)s is undone.", name=name)}[data.get("action") or "in"]
    return _done(message, ".activity_page", activity_id=activity_id, _anchor=f"s{signup.id}")


# --- the QR code ---------------------------------------------------------------------------------------------


def _absolute(url: str) -> str:
    """A path of this site made absolute for a phone's camera (an absolute URL stays as it is)."""
    return request.host_url.rstrip("/") + url if url.startswith("/") else url


def qr_svg(text: str) -> str:
    """The QR code as an inline SVG sized by its viewBox (the page's CSS sizes it): error correction M,
    the standard quiet zone — as the core's gate poster draws it."""
    return segno.make(text, error="m").svg_inline(scale=1, border=4, omitsize=True, dark="#000")


def _qr_page(activity_id: int, errors: dict | None = None, status: int = 200):
    activity = routed(Activity, activity_id)
    _require_organiser(activity.community_id)
    link = _absolute(activities.checkin_url(activity))
    return render_page("volunteers/activities_qr.html", community=community(activity.community_id), tab=TAB,
                       a=activities.activities_out([activity], organiser_view=True)[0], link=link, qr=qr_svg(link),
                       opens_at=checkin.opens_at(activity), closes_at=checkin.closes_at(activity),
                       errors=errors or {}), status


@pages.route("/activities/<int:activity_id>/qr")
def activity_qr(activity_id):
    """签到二维码: print it, or show it on the organiser's phone."""
    return _qr_page(activity_id)


@pages.route("/activities/<int:activity_id>/qr", methods=["POST"])
def activity_new_code(activity_id):
    """A new code: the old one (leaked, photographed) stops working at once."""
    activity = routed(Activity, activity_id)
    _require_organiser(activity.community_id)
    done = attempt(lambda: activities.renew_code(activity_id))
    if done.errors:
        return _qr_page(activity_id, done.errors, done.status)
    return _done(_("A new code is made: the old one no longer works."), ".activity_qr", activity_id=activity_id)


# --- hours --------------------------------------------------------------------------------------------------


def _hours_page(activity_id: int, errors: dict | None = None, status: int = 200, values=None):
    identity = require_staff()
    activity = routed(Activity, activity_id)
    if not is_organiser(identity, activity.community_id):
        abort(403)
    sheet = hours.proposal(activity)
    return render_page("volunteers/activities_hours.html", community=community(activity.community_id), tab=TAB,
                       a=activities.activities_out([activity], organiser_view=True)[0], sheet=sheet,
                       evaluations=choices(vocab.EVALUATIONS), may_confirm=hours.may_confirm(identity, activity),
                       started=activities.started(activity, datetime.now(UTC)), errors=errors or {},
                       values=values or {}), status


@pages.route("/activities/<int:activity_id>/hours", methods=["GET"])
def activity_hours(activity_id):
    """服务时长: each member with a place, the proposed minutes, the organiser's confirmation."""
    return _hours_page(activity_id)


def _hours_rows(activity: Activity) -> tuple[list[dict], dict]:
    """The sheet's inputs (`hours_<signup id>` in hours, `evaluation_<signup id>`) as the service's rows
    (minutes), or the errors by input."""
    rows, errors = [], {}
    for signup in signups.signups_of(activity.id):
        if signup.status != "confirmed":
            continue
        text = (request.form.get(f"hours_{signup.id}") or "").strip()
        row = {"signup_id": signup.id}
        if text:
            try:
                value = float(text)
            except ValueError:
                value = -1
            if not 0 <= value <= 24:
                errors[f"hours_{signup.id}"] = [_("Hours from 0 (absent) to 24, e.g. 1.5.")]
                continue
            row["minutes"] = round(value * 60)
        evaluation = request.form.get(f"evaluation_{signup.id}") or None
        if evaluation is not None:
            row["evaluation"] = evaluation
        rows.append(row)
    return rows, errors


@pages.route("/activities/<int:activity_id>/hours", methods=["POST"])
def activity_confirm_hours(activity_id):
    activity = routed(Activity, activity_id)
    identity = _require_organiser(activity.community_id)
    if not hours.may_confirm(identity, activity):
        abort(403)
    rows, errors = _hours_rows(activity)
    if errors:
        return _hours_page(activity_id, errors, 422, request.form)
    done = attempt(lambda: hours.confirm(activity_id, rows, identity.username))
    if done.errors:
        errors = {}
        for key, messages in done.errors.items():  # rows.<n>.minutes → the n-th row's input
            parts = key.split(".")
            if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows) and parts[2] == "minutes":
                key = f"hours_{rows[int(parts[1])]['signup_id']}"
            errors.setdefault(key if key.startswith("hours_") else "_", []).extend(messages)
        return _hours_page(activity_id, errors, done.status, request.form)
    return _done(_("The hours are confirmed: %(count)s service records are made.", count=len(done.result)),
                 ".activity_hours", activity_id=activity_id)


# --- series ---------------------------------------------------------------------------------------------


class SeriesListQuery(PageArgs):
    active = fields.Boolean()


@pages.route("/communities/<int:community_id>/series")
def series_list(community_id):
    """每周活动: the community's weekly activities, running ones first."""
    args, problems = query(SeriesListQuery())
    page = paginate(series.list_query(community_id, args), Series, args)
    page["items"] = series.series_out(page["items"])
    return render_page("volunteers/activities_series_list.html", community=community(community_id), tab=TAB,
                       page=page, problems=problems, args=args, organiser=_organiser(community_id))


def _series_data(data: dict) -> dict:
    start, end = data["start_time"], data["end_time"]
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    out = {k: data.get(k) for k in ("title", "description", "place", "site_id", "team_id", "weekday", "capacity",
                                    "first_date", "until_date")}
    out.update(start_time=start.strftime("%H:%M"), duration_minutes=minutes,
               skills_wanted=data.get("skills_wanted") or [])
    return out


def _series_errors(data: dict | None) -> dict:
    if data and (data["end_time"].hour * 60 + data["end_time"].minute
                 <= data["start_time"].hour * 60 + data["start_time"].minute):
        return {"end_time": [_("The end must be after the start (on the same day).")]}
    return {}


def _series_form(community_id: int, values: dict, errors: dict, status: int = 200, item: Series | None = None):
    weekdays = [(i, name.translate()) for i, name in enumerate(series.WEEKDAYS)]
    errors = _form_errors({("end_time" if k == "duration_minutes" else k): v for k, v in errors.items()},
                          SeriesForm().fields)
    return render_page("volunteers/activities_series_form.html", community=community(community_id), tab=TAB,
                       item=item, values=values, errors=errors, weekdays=weekdays, sites=_sites(community_id),
                       teams=_teams(community_id, item.team_id if item else None), skills=choices(vocab.SKILLS),
                       ahead=series.AHEAD_DAYS), status


def _series_values(item: Series) -> dict:
    start = time.fromisoformat(item.start_time)
    end_minutes = start.hour * 60 + start.minute + item.duration_minutes
    end = f"{min(end_minutes, 24 * 60 - 1) // 60:02d}:{min(end_minutes, 24 * 60 - 1) % 60:02d}"
    return {"title": item.title, "description": item.description or "", "place": item.place,
            "site_id": item.site_id, "team_id": item.team_id, "weekday": item.weekday, "start_time": item.start_time,
            "end_time": end, "capacity": item.capacity if item.capacity is not None else "",
            "skills_wanted": list(item.skills_wanted or []), "first_date": item.first_date.isoformat(),
            "until_date": item.until_date.isoformat() if item.until_date else ""}


@pages.route("/communities/<int:community_id>/series/new", methods=["GET", "POST"])
def series_new(community_id):
    identity = _require_organiser(community_id)
    if request.method == "GET":
        return _series_form(community_id, {"weekday": 5, "start_time": "08:30", "end_time": "10:30",
                                           "first_date": local_today().isoformat(), "skills_wanted": []}, {})
    data, errors = console_form(SeriesForm())
    errors = errors or _series_errors(data)
    status = 422
    if not errors:
        done = attempt(lambda: series.create_series(community_id, _series_data(data), identity.username))
        if not done.errors:
            return _done(_("The weekly activity is created, with its next four weeks."), ".series_page",
                         series_id=done.result.id)
        errors, status = done.errors, done.status
    return _series_form(community_id, _values(request.form), errors, status)


def _series_page(series_id: int, errors: dict | None = None, status: int = 200):
    identity = require_staff()
    item = routed(Series, series_id)
    now = datetime.now(UTC)
    ahead = db.session.scalars(select(Activity).where(Activity.series_id == item.id, Activity.ends_at > now)
                               .order_by(Activity.starts_at)).all()
    return render_page("volunteers/activities_series.html", community=community(item.community_id), tab=TAB,
                       s=series.series_out([item])[0], ahead=activities.activities_out(ahead),
                       organiser=is_organiser(identity, item.community_id),
                       manager=is_manager(identity, item.community_id), errors=errors or {}), status


@pages.route("/series/<int:series_id>")
def series_page(series_id):
    return _series_page(series_id)


@pages.route("/series/<int:series_id>/edit", methods=["GET", "POST"])
def series_edit(series_id):
    item = routed(Series, series_id)
    _require_organiser(item.community_id)
    if request.method == "GET":
        return _series_form(item.community_id, _series_values(item), {}, item=item)
    data, errors = console_form(SeriesForm())
    errors = errors or _series_errors(data)
    status = 422
    if not errors:
        done = attempt(lambda: series.update_series(series_id, _series_data(data)))
        if not done.errors:
            _changed, kept = done.result
            message = _("The weekly activity is changed.")
            if kept:
                message = _("The weekly activity is changed. %(count)s coming activities with sign-ups are kept "
                            "as they were: change them one by one.", count=len(kept))
            return _done(message, ".series_page", series_id=series_id)
        errors, status = done.errors, done.status
    item = routed(Series, series_id)
    return _series_form(item.community_id, _values(request.form), errors, status, item=item)


@pages.route("/series/<int:series_id>/active", methods=["POST"])
def series_active(series_id):
    """Stop a weekly activity, or start it again."""
    item = routed(Series, series_id)
    _require_organiser(item.community_id)
    active = request.form.get("active") == "1"
    done = attempt(lambda: series.update_series(series_id, {"active": active}))
    if done.errors:
        return _series_page(series_id, done.errors, done.status)
    _changed, kept = done.result
    if active:
        message = _("The weekly activity runs again.")
    elif kept:
        message = _("The weekly activity is stopped. %(count)s coming activities with sign-ups are kept: cancel "
                    "them if they will not take place.", count=len(kept))
    else:
        message = _("The weekly activity is stopped.")
    return _done(message, ".series_page", series_id=series_id)


@pages.route("/series/<int:series_id>/delete", methods=["POST"])
def series_delete(series_id):
    item = routed(Series, series_id)
    _require_organiser(item.community_id)
    community_id = item.community_id
    done = attempt(lambda: series.delete_series(series_id))
    if done.errors:
        return _series_page(series_id, done.errors, done.status)
    return _done(_("The weekly activity is deleted."), ".series_list", community_id=community_id)
