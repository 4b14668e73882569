"""居民端 · 我的志愿服务: the members' own pages on their phones (wuye's residents' pages, API 1.12,
hook `wuye_resident_pages`), mounted by wuye under /h5/plugins/volunteers:

- `/`                      my volunteering: hours this year and in all, services, recent records,
                           certificates (the .docx to download), points (where the time bank is on),
                           teams and skills; a resident who is no member (or left) reads how to join
- `/activities`            upcoming open activities of my communities (30 days): places left, the
                           waiting list, my state; sign up (`/activities/<id>/sign-up`) and cancel
                           (`/signups/<id>/cancel`)
- `/checkin/<token>`       the activity's QR code lands here (`activities.checkin_url`): GET shows the
                           activity and ONE button (check in, or out); only the POST checks in or out
- `/tasks`                 tasks offered that need one of my skills (accept), mine (give up)
- `/certificates/<id>`     my certificate as a .docx (the records area's generator, audited)

wuye's residents' door runs first (signed in, the privacy notice agreed, the CSRF token of every
POST), then its gate (404 unless the plugin is on for a community of the resident's households).
A resident reads no register and the core does not gate these paths: every id in a URL is checked
here against the resident's own member files (`members_of`) — another's sign-up, a task not
offered to me, a certificate not mine: 404 like none. Services flush; wuye commits when the answer
is under 400 (a redirect after a change), and rolls back a refusal, shown on the page with its
status (409, 422), its message in the reader's language (Chinese first, English with ?lang=en).
Pages are small and need no JavaScript: 375 px first, buttons ≥ 44 px.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, flash, g, redirect, url_for
from sqlalchemy import select

from wuye_core.plugins import (
    LOCAL_TZ,
    Community,
    DomainError,
    ResidentInfo,
    ResidentNavEntry,
    ResidentPart,
    attempt,
    current_locale,
    current_resident,
    db,
    local_date,
    mask_phone,
    plugin_config,
    plugin_enabled,
    render_resident_page,
    show_note,
)

from . import activities, checkin, matching, members, signups, tasks, time_bank, vocab
from .access import NAME
from .alliance import ALLIANCE_SUFFIX_ZH
from .console import hours_text
from .i18n import _
from .models import Activity, Alliance, Certificate, LedgerEntry, Member, Signup, Task

NAV_KEY = "volunteers"
AHEAD_DAYS = 30  # the activities page: the next 30 days
RECENT_RECORDS = 10
RECENT_LINES = 5
PHONE_LIKE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-?\d{7,8}")

residents = Blueprint("volunteers_residents", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/static")


def resident_part() -> ResidentPart:
    return ResidentPart(blueprint=residents,
                        nav=(ResidentNavEntry(NAV_KEY, label_zh="志愿服务", label_en="Volunteering", endpoint="home",
                                              order=60),))


def _now() -> datetime:
    return datetime.now(UTC)


# --- who is signed in: their member files -------------------------------------------------------


def _digits(phone: str | None) -> str:
    return re.sub(r"\D", "", phone or "")


def members_of(info: ResidentInfo | None) -> list[Member]:
    """The signed-in resident's member files (left ones too, erased ones never), in the communities
    of `info` (where the plugin is on): in each, the members linked to one of their register rows
    (`Member.resident_id`), else the members whose phone is theirs. Phones are ciphertext, so the
    community's phones are decrypted and compared here (a few hundred: two columns, one query).
    Active files first, then by community."""
    if info is None or not info.community_ids:
        return []
    communities = set(info.community_ids)
    linked: list[Member] = []
    if info.resident_ids:
        linked = list(db.session.scalars(select(Member).where(
            Member.resident_id.in_(info.resident_ids), Member.community_id.in_(communities),
            Member.erased_at.is_(None))))
    rest = communities - {m.community_id for m in linked}
    by_phone: list[Member] = []
    wanted = _digits(info.phone)
    if rest and wanted:
        rows = db.session.execute(select(Member.id, Member.phone).where(
            Member.community_id.in_(rest), Member.erased_at.is_(None), Member.phone.is_not(None))).all()
        ids = [member_id for member_id, phone in rows if _digits(phone) == wanted]
        if ids:
            by_phone = list(db.session.scalars(select(Member).where(Member.id.in_(ids))))
    return sorted([*linked, *by_phone], key=lambda m: (not _active(m), m.community_id, m.id))


def _active(member: Member) -> bool:
    return member.status == "active" and member.erased_at is None


def _mine() -> list[Member]:
    """members_of the signed-in resident, once per request."""
    found = g.get("volunteers_members")
    if found is None:
        found = g.volunteers_members = members_of(current_resident())
    return found


def _active_by_community() -> dict[int, Member]:
    """{community id: my active member file there} (the first, should there be two)."""
    out: dict[int, Member] = {}
    for member in _mine():
        if _active(member):
            out.setdefault(member.community_id, member)
    return out


def _member_in(community_id: int) -> Member | None:
    """My member file in the community: the active one, else one who left; None when none."""
    active = _active_by_community().get(community_id)
    if active is not None:
        return active
    return next((m for m in _mine() if m.community_id == community_id), None)


# --- words and numbers -----------------------------------------------------------------------------


def alliance_names(community_ids) -> dict[int, str]:
    """{community id: the alliance's name} as configured, else its row's, else 社区名 + 居民服务联盟
    (read only: a page for residents makes no row)."""
    ids = sorted(set(community_ids))
    if not ids:
        return {}
    rows = dict(db.session.execute(select(Alliance.community_id, Alliance.name)
                                   .where(Alliance.community_id.in_(ids))).all())
    communities = dict(db.session.execute(select(Community.id, Community.name).where(Community.id.in_(ids))).all())
    return {cid: (plugin_config(NAME, cid) or {}).get("alliance_name") or rows.get(cid)
            or f"{communities.get(cid, '')}{ALLIANCE_SUFFIX_ZH}" for cid in ids}


def day_text(moment: datetime) -> str:
    """"12月8日周六" / "Tue, Dec 8" (Beijing)."""
    from babel.dates import format_skeleton

    return format_skeleton("MMMEd", moment.astimezone(LOCAL_TZ).date(), locale=current_locale())


def when_text(starts: datetime, ends: datetime) -> str:
    """"12月8日周六 09:00–11:00" (Beijing); both days when it ends on another."""
    starts, ends = activities._aware(starts), activities._aware(ends)
    if local_date(starts) == local_date(ends):
        return f"{day_text(starts)} {activities.local_time_text(starts)}–{activities.local_time_text(ends)}"
    return (f"{day_text(starts)} {activities.local_time_text(starts)} – "
            f"{day_text(ends)} {activities.local_time_text(ends)}")


def _masked(text: str | None) -> str | None:
    """A task's words with any phone number in them masked (the requester's is staff's to give)."""
    if not text:
        return text
    return PHONE_LIKE.sub(lambda m: mask_phone(m.group(0)), text)


def _try(call) -> tuple[object, list[str], int]:
    """A service call for a form: (result, [], 200), or (None, the refusal's messages, its status)
    with everything it changed rolled back (`attempt`). The refusal's own message first (a 409
    says why), else its fields' messages (a 422)."""
    said: list[str] = []

    def run():
        try:
            return call()
        except DomainError as exc:
            if exc.message:
                said.append(exc.body()["message"])
            raise

    done = attempt(run)
    if not done.errors:
        return done.result, [], 200
    messages = said or [m for found in done.errors.values() for m in found]
    return None, messages, done.status


def _render(template: str, status: int = 200, **context):
    return render_resident_page(template, current=NAV_KEY, hours=hours_text, **context), status


def _join_page(status: int = 200):
    """Not a member (or no longer): how to join, and a former member's past hours."""
    info = current_resident()
    left = [m for m in _mine() if not _active(m)]
    names = alliance_names(info.community_ids if info else ())
    return _render("volunteers/resident_join.html", status, alliances=list(names.values()),
                   files=[_file(m) for m in left])


# --- my volunteering --------------------------------------------------------------------------------


def _file(member: Member) -> dict:
    """A member file as the home page shows it: the figures, recent records, certificates, points,
    teams and skills."""
    sums = members.service_sums(member.id)
    certificates = db.session.scalars(select(Certificate).where(Certificate.member_id == member.id)
                                      .order_by(Certificate.issued_at.desc(), Certificate.id.desc())).all()
    bank = None
    if time_bank.is_on(member.community_id):
        lines = db.session.scalars(select(LedgerEntry).where(LedgerEntry.member_id == member.id)
                                   .order_by(LedgerEntry.id.desc()).limit(RECENT_LINES)).all()
        bank = {"balance": time_bank.balance_of(member.id),
                "lines": [{"day": local_date(activities._aware(e.at)) if e.at else None,
                           "description": show_note(e.description), "points": e.points,
                           "kind": vocab.label(vocab.LEDGER_KINDS, e.kind)} for e in lines]}
    skills = members.skills_of([member.id])[member.id]
    return {
        "member": member, "active": _active(member),
        "alliance": alliance_names([member.community_id])[member.community_id],
        "kind": vocab.label(vocab.MEMBER_KINDS, member.kind),
        "year_minutes": sums["year_minutes"], "total_minutes": sums["total_minutes"], "services": sums["records"],
        "recent": [{"day": local_date(activities._aware(r["started_at"])), "content": r["content"],
                    "place": r["place"], "minutes": r["minutes"]} for r in sums["recent"][:RECENT_RECORDS]],
        "certificates": certificates, "bank": bank, "teams": members.teams_of([member.id])[member.id],
        "skills": [{"label": vocab.label(vocab.SKILLS, s.skill), "level": vocab.label(vocab.SKILL_LEVELS, s.level),
                    "confirmed": s.confirmed_on is not None} for s in skills],
    }


@residents.route("/")
def home():
    """我的志愿服务."""
    active = [m for m in _mine() if _active(m)]
    if not active:
        return _join_page()
    return _render("volunteers/resident_home.html", files=[_file(m) for m in _mine()])


@residents.route("/certificates/<int:certificate_id>")
def certificate(certificate_id):
    """My certificate (.docx), as the alliance issued it; an export of my own data (audited)."""
    found = db.session.get(Certificate, certificate_id)
    if found is None or found.member_id not in {m.id for m in _mine()}:
        abort(404)
    from . import certificates

    return certificates.download(found)


# --- activities ------------------------------------------------------------------------------------


def _upcoming(community_ids, now: datetime) -> list[Activity]:
    if not community_ids:
        return []
    return list(db.session.scalars(select(Activity).where(
        Activity.community_id.in_(sorted(community_ids)), Activity.status == "open", Activity.starts_at > now,
        Activity.starts_at < now + timedelta(days=AHEAD_DAYS)).order_by(Activity.starts_at, Activity.id).limit(100)))


def _cancel_deadline(activity: Activity) -> datetime:
    hours = int((plugin_config(NAME, activity.community_id) or {}).get("cancel_until_hours", 2))
    return activities._aware(activity.starts_at) - timedelta(hours=hours)


def _activities_page(messages: list[str] | None = None, failed: int | None = None, status: int = 200):
    by_community = _active_by_community()
    if not by_community:
        return _join_page(status)
    now = _now()
    rows = _upcoming(by_community, now)
    tally = activities.counts([a.id for a in rows])
    mine = {s.activity_id: s for s in db.session.scalars(select(Signup).where(
        Signup.activity_id.in_([a.id for a in rows] or [0]),
        Signup.member_id.in_([m.id for m in by_community.values()])))}
    shown = []
    for a in rows:
        n = tally[a.id]
        signup = mine.get(a.id)
        live = signup is not None and signup.status in signups.LIVE
        position = signups.positions(a.id).get(signup.id) if live and signup.status == "waiting" else None
        shown.append({
            "id": a.id, "title": a.title, "description": a.description, "place": a.place,
            "when": when_text(a.starts_at, a.ends_at), "capacity": a.capacity,
            "places_left": None if a.capacity is None else max(a.capacity - n["confirmed"], 0),
            "waiting": n["waiting"], "skills": [vocab.label(vocab.SKILLS, s) for s in a.skills_wanted or []],
            "signup": signup if live else None, "position": position,
            "may_cancel": live and signup.checked_in_at is None and now < _cancel_deadline(a),
            "cancel_until": activities.local_moment_text(_cancel_deadline(a)),
            "failed": messages if failed == a.id else None,
        })
    placed = any(row["failed"] for row in shown)
    return _render("volunteers/resident_activities.html", status, rows=shown, messages=[] if placed else messages or [],
                   days=AHEAD_DAYS)


@residents.route("/activities")
def activities_page():
    """Upcoming activities of my communities: sign up, or cancel."""
    return _activities_page()


@residents.route("/activities/<int:activity_id>/sign-up", methods=["POST"])
def sign_up(activity_id):
    activity = db.session.get(Activity, activity_id)
    member = _active_by_community().get(activity.community_id) if activity is not None else None
    if member is None:
        abort(404)  # not an activity of a community where I am a member
    signup, messages, status = _try(lambda: signups.sign_up(activity, member, signups.BY_MEMBER))
    if messages:
        return _activities_page(messages, activity.id, status)
    if signup.status == "waiting":
        position = signups.positions(activity.id).get(signup.id)
        flash(_("%(title)s is full: you are on the waiting list, number %(position)s. When someone cancels, "
                "the first on the list gets the place.", title=activity.title, position=position), "ok")
    else:
        flash(_("Signed up for %(title)s, %(when)s.", title=activity.title,
                when=when_text(activity.starts_at, activity.ends_at)), "ok")
    return redirect(url_for(".activities_page", _anchor=f"a{activity.id}"), code=303)


@residents.route("/signups/<int:signup_id>/cancel", methods=["POST"])
def cancel_signup(signup_id):
    signup = db.session.get(Signup, signup_id)
    if signup is None or signup.member_id not in {m.id for m in _mine()}:
        abort(404)  # another's sign-up
    activity = db.session.get(Activity, signup.activity_id)
    _done, messages, status = _try(lambda: signups.cancel(signup, signups.BY_MEMBER))
    if messages:
        return _activities_page(messages, activity.id, status)
    flash(_("Your sign-up for %(title)s is cancelled.", title=activity.title), "ok")
    return redirect(url_for(".activities_page", _anchor=f"a{activity.id}"), code=303)


# --- the QR code's landing page -------------------------------------------------------------------


def _by_token(token: str) -> Activity:
    """The activity of the code (this tenant's: another's is none), 404 when none or the plugin is
    off in its community."""
    found = db.session.scalar(select(Activity).where(Activity.checkin_token == token)) if token else None
    if found is None or not plugin_enabled(NAME, found.community_id):
        abort(404)
    return found


def _checkin_state(activity: Activity, member: Member | None, now: datetime) -> dict:
    """What the page offers: `action` "in" or "out" (the ONE button), or None with `reason`."""
    signup = signups.find(activity.id, member.id) if member is not None else None
    if signup is not None and signup.status == "cancelled":
        signup = None
    state = {"signup": signup, "action": None, "reason": None, "stayed": None,
             "opens_at": activities.local_moment_text(checkin.opens_at(activity)),
             "closes_at": activities.local_moment_text(checkin.closes_at(activity))}
    if signup is not None and signup.checked_in_at and signup.checked_out_at:
        state["stayed"] = int((activities._aware(signup.checked_out_at)
                               - activities._aware(signup.checked_in_at)).total_seconds() // 60)
    if member is None or not _active(member):
        return state
    if activity.status == "cancelled":
        state["reason"] = _("This activity was cancelled.")
    elif activity.status == "confirmed":
        state["reason"] = _("The hours of this activity are confirmed: check-in is closed.")
    elif not (plugin_config(NAME, activity.community_id) or {}).get("qr_checkin", True):
        state["reason"] = _("Checking in by code is off in this community: the organiser checks you in.")
    elif signup is not None and signup.checked_out_at is not None:
        pass  # done: the page says when
    elif now < checkin.opens_at(activity):
        state["reason"] = _("Check-in opens at %(time)s.", time=state["opens_at"])
    elif now > checkin.closes_at(activity):
        state["reason"] = _("Check-in and check-out closed at %(time)s: ask the organiser.", time=state["closes_at"])
    else:
        state["action"] = "out" if signup is not None and signup.checked_in_at is not None else "in"
    return state


def _checkin_page(token: str, messages: list[str] | None = None, status: int = 200):
    activity = _by_token(token)
    member = _member_in(activity.community_id)
    names = alliance_names([activity.community_id])
    return _render("volunteers/resident_checkin.html", status, activity=activity, token=token,
                   when=when_text(activity.starts_at, activity.ends_at), member=member,
                   member_active=member is not None and _active(member), alliance=names[activity.community_id],
                   state=_checkin_state(activity, member, _now()), messages=messages or [], clock=_clock)


def _clock(moment: datetime | None) -> str:
    return activities.local_time_text(activities._aware(moment)) if moment else ""


@residents.route("/checkin/<token>")
def checkin_page(token):
    """The QR code's page: the activity and one button. Never checks in by itself (a link preview
    or a prefetch must not check anyone in)."""
    return _checkin_page(token)


@residents.route("/checkin/<token>", methods=["POST"])
def checkin_post(token):
    """The button: the first press checks in, the next checks out (checkin.checkin_by_token)."""
    activity = _by_token(token)
    member = _member_in(activity.community_id)
    done, messages, status = _try(lambda: checkin.checkin_by_token(token, member))
    if messages:
        return _checkin_page(token, messages, status)
    signup = done.signup
    if done.action == "checked_in":
        message = _("Checked in at %(time)s. Press the button again when you leave, to check out.",
                    time=_clock(signup.checked_in_at))
        if done.signed_up:
            message = _("You had not signed up: you are signed up now. %(rest)s", rest=message)
    else:
        stayed = int((activities._aware(signup.checked_out_at)
                      - activities._aware(signup.checked_in_at)).total_seconds() // 60)
        message = _("Checked out at %(time)s: %(minutes)s minutes. The organiser confirms your hours; then they "
                    "are in your service record.", time=_clock(signup.checked_out_at), minutes=stayed)
    flash(message, "ok")
    return redirect(url_for(".checkin_page", token=token), code=303)


# --- tasks -------------------------------------------------------------------------------------------


def _task_row(task: Task) -> dict:
    return {"id": task.id, "title": task.title, "description": _masked(task.description), "place": task.place,
            "wanted_by": task.wanted_by, "skill": vocab.label(vocab.SKILLS, task.skill) if task.skill else None}


def _tasks_page(messages: list[str] | None = None, failed: int | None = None, status: int = 200):
    by_community = _active_by_community()
    if not by_community:
        return _join_page(status)
    offered, held = [], []
    for member in by_community.values():
        offered += [_task_row(t) for t in matching.offered_for(member)]
        held += [_task_row(t) for t in db.session.scalars(select(Task).where(
            Task.member_id == member.id, Task.status == "accepted").order_by(Task.accepted_at, Task.id))]
    for row in offered + held:
        row["failed"] = messages if failed == row["id"] else None
    placed = any(row["failed"] for row in offered + held)
    return _render("volunteers/resident_tasks.html", status, offered=offered, held=held,
                   messages=[] if placed else messages or [])


@residents.route("/tasks")
def tasks_page():
    """Tasks I could take (they need one of my skills, or none), and those I took."""
    return _tasks_page()


def _offered_to_me(task_id: int) -> tuple[Task, Member]:
    """The task and my member file it is for: of a community where I am a member, needing one of
    my skills (or none); else 404 — whatever its status (taken a moment ago: the service says so)."""
    task = db.session.get(Task, task_id)
    member = _active_by_community().get(task.community_id) if task is not None else None
    if member is None:
        abort(404)
    if task.member_id != member.id:
        if task.status in ("done", "cancelled"):
            abort(404)
        if task.skill is not None and task.skill not in {s.skill for s in members.skills_of([member.id])[member.id]}:
            abort(404)
    return task, member


@residents.route("/tasks/<int:task_id>/accept", methods=["POST"])
def accept_task(task_id):
    task, member = _offered_to_me(task_id)
    _done, messages, status = _try(lambda: tasks.accept(task, member, signups.BY_MEMBER))
    if messages:
        return _tasks_page(messages, task.id, status)
    flash(_("You took the task %(title)s. The alliance's staff will phone you with the details.",
            title=task.title), "ok")
    return redirect(url_for(".tasks_page"), code=303)


@residents.route("/tasks/<int:task_id>/give-up", methods=["POST"])
def give_up_task(task_id):
    task = db.session.get(Task, task_id)
    mine = {m.id: m for m in _mine()}
    if task is None or task.member_id not in mine:
        abort(404)  # not a task I hold
    _done, messages, status = _try(lambda: tasks.give_up(task, mine[task.member_id]))
    if messages:
        return _tasks_page(messages, task.id, status)
    flash(_("You gave the task %(title)s back: it is offered to the others again.", title=task.title), "ok")
    return redirect(url_for(".tasks_page"), code=303)
