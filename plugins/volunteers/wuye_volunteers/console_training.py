"""The console's pages of trainings (tab `trainings`; the rules are training.py's, the checks the
API's: the manager and the organisers read, the manager records).

- `/communities/<id>/trainings`            the list (filter by skill, paged), "record a training"
- `/communities/<id>/trainings/new`        the form
- `/trainings/<id>`                        the session and its attendance sheet: a checkbox
                                           "attended" and one "passed" per member (a list that
                                           works on a phone; a name filter); refusals next to
                                           the member they concern
- `/trainings/<id>/edit`                   the correction form
- `/members/<id>/trainings`                a member's trainings

Every form posts and redirects (PRG); no script.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from sqlalchemy import select

from wuye_core.plugins import (
    GENERAL,
    attempt,
    console_form,
    db,
    local_today,
    paginate,
    render_page,
    require_staff,
)

from . import training as rules
from . import vocab
from .access import is_manager, require_manager, require_organiser, routed
from .console import choices, community, pages, query, time_bank_on
from .console_time_bank import bound
from .i18n import _
from .models import Member, Training, TrainingAttendance


def _frame(community_id: int) -> dict:
    return {"community": community(community_id), "time_bank": time_bank_on(community_id), "tab": "trainings"}


@pages.route("/communities/<int:community_id>/trainings")
def trainings_list(community_id):
    identity = require_organiser(community_id)
    args, problems = query(rules.TrainingQuery())
    page = paginate(rules.trainings_statement(community_id, args), Training, args)
    page["items"] = rules.trainings_out(page["items"])
    return render_page("volunteers/training_list.html", **_frame(community_id), page=page, args=args,
                       problems=problems, skills=choices(vocab.SKILLS),
                       manager=is_manager(identity, community_id))


def _form_page(community_id: int, training: Training | None, values: dict, errors: dict, status: int = 200):
    errors = bound(errors, rules.FIELDS)
    return render_page("volunteers/training_form.html", **_frame(community_id), training=training, values=values,
                       errors=errors, skills=choices(vocab.SKILLS), levels=choices(vocab.SKILL_LEVELS)), status


def _values(training: Training) -> dict:
    return {key: getattr(training, key) for key in rules.FIELDS}


@pages.route("/communities/<int:community_id>/trainings/new", methods=["GET", "POST"])
def training_new(community_id):
    identity = require_manager(community_id)
    if request.method == "GET":
        return _form_page(community_id, None, {"level": "basic"}, {})
    data, errors = console_form(rules.TrainingIn())
    status = 422
    if not errors:
        made, errors, status = attempt(lambda: rules.create(community_id, data, identity.username))
    if errors:
        return _form_page(community_id, None, request.form, errors, status)
    flash(_("The training is recorded. Now record who attended."), "success")
    return redirect(url_for(".training_page", training_id=made.id), code=303)


@pages.route("/trainings/<int:training_id>/edit", methods=["GET", "POST"])
def training_edit(training_id):
    identity = require_manager(routed(Training, training_id).community_id)
    training = routed(Training, training_id)
    if request.method == "GET":
        return _form_page(training.community_id, training, _values(training), {})
    data, errors = console_form(rules.TrainingIn())
    status = 422
    if not errors:
        data = {key: data.get(key) for key in rules.FIELDS}  # the form sends every field: an emptied one is cleared
        _changed, errors, status = attempt(lambda: rules.amend(routed(Training, training_id, lock=True), data,
                                                               identity.username))
    if errors:
        return _form_page(training.community_id, routed(Training, training_id), request.form, errors, status)
    flash(_("The training is corrected."), "success")
    return redirect(url_for(".training_page", training_id=training_id), code=303)


def _sheet_page(training: Training, errors: dict | None = None, ticked: dict | None = None, status: int = 200):
    identity = require_staff()
    q = (request.args.get("q") or "").strip()[:50]
    rows = rules.sheet_members(training, q or None)
    shown = {item["member"].id for item in rows if not item["left"]}
    errors = {key: messages for key, messages in (errors or {}).items()}
    for key in [k for k in errors if k != GENERAL and k not in shown]:  # about a member not on the page
        errors.setdefault(GENERAL, []).extend(errors.pop(key))
    return render_page("volunteers/training_page.html", **_frame(training.community_id), training=training,
                       summary=rules.training_out(training), rows=rows, q=q,
                       errors=errors, ticked=ticked, manager=is_manager(identity, training.community_id),
                       today_ok=training.held_on <= local_today()), status


@pages.route("/trainings/<int:training_id>")
def training_page(training_id):
    training = routed(Training, training_id)
    require_organiser(training.community_id)
    return _sheet_page(training)


@pages.route("/trainings/<int:training_id>/attendance", methods=["POST"])
def training_attendance(training_id):
    """The sheet: the members shown (hidden `member` inputs), each ticked or not; a member with no
    row who is not ticked is left out (the sheet records who came, and who did not among those
    already on it)."""
    identity = require_manager(routed(Training, training_id).community_id)
    training = routed(Training, training_id)
    recorded = {m for (m,) in db.session.execute(
        select(TrainingAttendance.member_id).where(TrainingAttendance.training_id == training.id))}
    shown = []
    for value in request.form.getlist("member"):
        if value.isdigit() and int(value) not in shown:
            shown.append(int(value))
    ticked = {m: (f"attended_{m}" in request.form, f"passed_{m}" in request.form) for m in shown}
    rows = [{"member_id": m, "attended": a, "passed": p} for m, (a, p) in ticked.items()
            if a or p or m in recorded]
    if not rows:
        return _sheet_page(training, {GENERAL: [_("Tick who attended (and who passed).")]}, ticked, 422)
    saved, errors, status = attempt(lambda: rules.record_attendance(routed(Training, training_id, lock=True), rows,
                                                                    identity.username))
    if errors:
        by_member: dict = {}
        for key, messages in errors.items():
            parts = key.split(".")
            if len(parts) >= 2 and parts[0] == "rows" and parts[1].isdigit() and int(parts[1]) < len(rows):
                by_member.setdefault(rows[int(parts[1])]["member_id"], []).extend(messages)
            else:
                by_member.setdefault(GENERAL, []).extend(messages)
        return _sheet_page(routed(Training, training_id), by_member, ticked, status)
    named = saved["confirmed"] + saved["withdrawn"]
    names = dict(db.session.execute(select(Member.id, Member.name).where(Member.id.in_(named))).all()) if named else {}
    flash(_("The sheet is saved: %(created)s added, %(updated)s changed, %(unchanged)s unchanged.",
            created=saved["created"], updated=saved["updated"], unchanged=saved["unchanged"]), "success")
    if saved["confirmed"]:
        flash(_("Skill confirmed for: %(names)s.", names="、".join(names[m] for m in saved["confirmed"])), "success")
    if saved["withdrawn"]:
        flash(_("This training no longer confirms the skill of: %(names)s. The skill stays on their file, "
                "unconfirmed: edit it on the member's page if the pass was a mistake.",
                names="、".join(names[m] for m in saved["withdrawn"])), "warning")
    return redirect(url_for(".training_page", training_id=training_id, q=request.args.get("q") or None), code=303)


@pages.route("/members/<int:member_id>/trainings")
def member_trainings(member_id):
    member = routed(Member, member_id)
    require_organiser(member.community_id)
    args, problems = query(rules.MemberTrainingQuery())
    page = paginate(rules.member_trainings_statement(member.id), Training, args)
    page["items"] = rules.member_trainings_out(page["items"])
    return render_page("volunteers/training_member.html", **_frame(member.community_id), member=member, page=page,
                       problems=problems)
