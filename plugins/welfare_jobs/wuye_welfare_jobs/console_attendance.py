"""考勤 in the console: the worker's own phone page (`/me`: 上班打卡 / 下班打卡, today, this
month), a post's team sheet of a day (`/posts/<id>/attendance`: one row of radio buttons per
worker, saved at once) and a community's month (`/communities/<id>/attendance`: the table per
worker, the sheet's template, its import with the errors by row, the export).

Same rules and access checks as the API (attendance.py, attendance_sheet.py, routes_attendance.py).
Every form posts and redirects (PRG): a page made for an old phone on a weak network, no script.
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from wuye_core.plugins import (
    GENERAL,
    DomainError,
    attempt,
    current_identity,
    db,
    local_today,
    render_page,
    require_staff,
)

from . import attendance as rules
from . import attendance_sheet as sheet
from . import dispatch, vocab
from .access import is_manager, require_attendance_keeper, require_manager
from .console import choices, community, pages, query
from .i18n import _
from .models import Post
from .months import parse_month
from .routes_attendance import led_posts, me_summary, me_worker, month_download, month_page
from .schemas_attendance import AttendanceMonthQuery


def _month_arg() -> tuple[date, dict]:
    text = request.args.get("month", "")
    if not text:
        return local_today().replace(day=1), {}
    found = parse_month(text)
    if found is None:
        return local_today().replace(day=1), {"month": [_("Write the month as YYYY-MM, e.g. 2026-11.")]}
    return found, {}


def _day_arg() -> tuple[date, dict]:
    text = request.values.get("day", "")
    if not text:
        return local_today(), {}
    try:
        return date.fromisoformat(text), {}
    except ValueError:
        return local_today(), {"day": [_("Write the day as YYYY-MM-DD.")]}


# --- the worker's phone page -----------------------------------------------------------------------


@pages.route("/me")
def me():
    """我的岗位: big clock-in buttons, today's state, this month's days, the team's tickets."""
    try:
        worker = me_worker()
    except NotFound:  # no worker's file linked to this sign-in: the page says so (an administrator sees
        # every menu entry, and a worker's account may not be linked yet); clocking in stays a 404
        return render_page("welfare_jobs/attendance_me.html", me=None)
    summary = me_summary(worker)
    # the team's open tickets (dispatch.py); each opens in the core's ticket page only for a sign-in
    # that holds the core's worker role in the community (with the post's team), else it is a line
    identity = require_staff()
    return render_page("welfare_jobs/attendance_me.html", me=summary, clock=rules.beijing_time,
                       statuses=vocab.ATTENDANCE, kinds=vocab.LEAVE_KINDS, label=vocab.label,
                       queue=dispatch.team_queue(summary["post"].id) if summary["post"] else None,
                       opens_tickets=identity.works_in_field(worker.community_id)
                       or identity.can_read(worker.community_id))


def _clock(action):
    """A clock-in or clock-out from the phone page, then back to it (post-redirect-get): the
    outcome, or why not (409: already, with the first time), is said at the top of the page."""
    worker = me_worker()
    username = require_staff().username
    try:
        row = action(worker, username)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.body()["message"], "error")
    else:
        if action is rules.clock_in:
            flash(_("Clocked in at %(time)s.", time=rules.beijing_time(row.clock_in_at)), "success")
        else:
            flash(_("Clocked out at %(time)s.", time=rules.beijing_time(row.clock_out_at)), "success")
    return redirect(url_for(".me"), code=303)


@pages.route("/me/clock-in", methods=["POST"])
def me_clock_in():
    return _clock(rules.clock_in)


@pages.route("/me/clock-out", methods=["POST"])
def me_clock_out():
    return _clock(rules.clock_out)


# --- a post's team sheet of a day --------------------------------------------------------------------


@pages.route("/posts/<int:post_id>/attendance", methods=["GET", "POST"])
def post_attendance(post_id):
    post = db.session.get(Post, post_id)  # the gate loaded it
    if post is None:
        abort(404)
    identity = require_attendance_keeper(post)
    day, errors = _day_arg()
    status = 200
    values: dict = {}
    if request.method == "POST" and not errors:
        team = rules.team_sheet(post, day)
        entries = []
        for member in team:
            wid = member["worker"].id
            chosen = request.form.get(f"status_{wid}", "")
            kind = request.form.get(f"leave_kind_{wid}", "") or None
            note = request.form.get(f"note_{wid}", "").strip()[:200] or None
            values[wid] = {"status": chosen, "leave_kind": kind, "note": note}
            if chosen:
                entries.append({"worker_id": wid, "status": chosen, "leave_kind": kind if chosen == "leave" else None,
                                "note": note})
        result, errors, status = attempt(lambda: rules.save_team_sheet(post, day, entries, identity.username))
        if not errors:
            flash(_("Saved: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.", **result), "success")
            return redirect(url_for(".post_attendance", post_id=post.id, day=day.isoformat()), code=303)
        errors = _by_worker(errors, entries)
        errors.setdefault(GENERAL, [_("Nothing was saved: correct the rows marked.")])
    elif errors:
        status = 422
    members = rules.team_sheet(post, day)
    return render_page("welfare_jobs/attendance_post.html", post=post, day=day, members=members,
                       community=community(post.community_id), tab="attendance", errors=errors, values=values,
                       statuses=choices(vocab.ATTENDANCE), kinds=choices(vocab.LEAVE_KINDS),
                       today=local_today(), beijing_time=rules.beijing_time,
                       manager=is_manager(identity, post.community_id)), status


def _by_worker(errors: dict, entries: list[dict]) -> dict:
    """The sheet's errors by worker id ("entries.2.leave_kind" → worker of entry 2)."""
    out: dict = {}
    for key, messages in errors.items():
        parts = key.split(".")
        if parts[0] == "entries" and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(entries):
            out.setdefault(entries[int(parts[1])]["worker_id"], []).extend(messages)
        else:
            out.setdefault(GENERAL, []).extend(messages)
    return out


# --- a community's month -----------------------------------------------------------------------------


@pages.route("/communities/<int:community_id>/attendance", methods=["GET", "POST"])
def community_attendance(community_id):
    led_posts(community_id)  # 403 unless a manager, or a team leader (their posts only)
    manager = is_manager(current_identity(), community_id)
    args, errors = query(AttendanceMonthQuery())
    status, import_errors = 200, []
    if request.method == "POST":
        identity = require_manager(community_id)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            import_errors = [_("Choose the filled-in sheet (.xlsx).")]
            status = 422
        else:
            data = upload.stream.read(sheet.MAX_BYTES + 1)
            result, problems, status = attempt(
                lambda: sheet.import_sheet(community_id, args["month"], data, identity.username))
            if not problems:
                flash(_("Imported: %(created)s days new, %(updated)s changed, %(unchanged)s unchanged.", **result),
                      "success")
                return redirect(url_for(".community_attendance", community_id=community_id,
                                        month=args["month"].strftime("%Y-%m")), code=303)
            import_errors = [m for messages in problems.values() for m in messages]
    page = month_page(community_id, args)
    posts = _posts(community_id)
    return render_page("welfare_jobs/attendance_month.html", community=community(community_id), tab="attendance",
                       page=page, args=args, errors=errors, import_errors=import_errors, manager=manager,
                       posts=posts, kinds=list(vocab.LEAVE_KINDS), kind_label=lambda k: vocab.label(vocab.LEAVE_KINDS, k),
                       month=args["month"].strftime("%Y-%m")), status


def _posts(community_id: int) -> list[tuple[int, str]]:
    return list(db.session.execute(
        select(Post.id, Post.name).where(Post.community_id == community_id).order_by(Post.name, Post.id)).all())


@pages.route("/communities/<int:community_id>/attendance/template.xlsx")
def attendance_template(community_id):
    require_manager(community_id)
    month, errors = _month_arg()
    if errors:
        abort(422)
    return sheet.template_download(community_id, month)


@pages.route("/communities/<int:community_id>/attendance.xlsx")
def attendance_export(community_id):
    month, errors = _month_arg()
    if errors:
        abort(422)
    post_id = request.args.get("post_id", "")
    return month_download(community_id, month, int(post_id) if post_id.isdigit() else None)
