"""Console pages of members and teams (the blueprint and helpers are console.py's).

The API's services, schemas and access checks (members.py, teams.py, members_sheet.py): a refusal
comes back from `attempt` with its errors by field and its status, the form is shown again with
them next to their fields, and everything the call wrote is rolled back. The manager edits;
organisers read the members (phones as the API shows them); anyone who reads the community sees
the teams.

- `/communities/<id>/members` the list (filters, export), `/members/new`, `/members/import`
- `/members/<id>` a member's page, `/edit`, `/leave`, `/rejoin`, `/confirm-skill`
- `/communities/<id>/teams` the list, `/teams/new`; `/teams/<id>` a team's page (add and remove
  members), `/edit`, `/deactivate`, `/reactivate`
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from sqlalchemy import select

from wuye_core.plugins import (
    GENERAL,
    attempt,
    console_form,
    current_identity,
    db,
    form_values,
    local_today,
    paginate,
    render_page,
    require_staff,
)

from . import members, members_sheet, teams, vocab
from . import schemas_members as s
from .access import is_manager, is_organiser, require_manager, require_organiser, routed
from .console import choices, community, pages, query, time_bank_on
from .i18n import _
from .models import Member, Team, TeamMember

MEMBER_FORM_FIELDS = (*members.FIELDS, "skills")
TEAM_FORM_FIELDS = ("name", "kind", "description", "leader_member_id")


def _actor() -> str:
    return current_identity().username


def _done(message: str, endpoint: str, **values):
    flash(message, "success")
    return redirect(url_for(endpoint, **values), code=303)


def _text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _shown(errors: dict, fields) -> dict:
    """Errors by the form's fields; any other (a nested skill's, the member's state) with the
    form's own message, so that each shows next to something a screen reader reaches."""
    out: dict = {}
    for key, messages in (errors or {}).items():
        name = key.split(".", 1)[0]
        out.setdefault(name if name in fields else GENERAL, []).extend(messages)
    return out


def _page(template: str, community_id: int, tab: str, status: int = 200, **context):
    return render_page(template, community=community(community_id), tab=tab,
                       time_bank=time_bank_on(community_id), **context), status


def _team_choices(community_id: int) -> list[tuple[int, str]]:
    return list(db.session.execute(select(Team.id, Team.name).where(Team.community_id == community_id)
                                   .order_by(Team.name, Team.id)).all())


# --- members -------------------------------------------------------------------------------------


@pages.route("/communities/<int:community_id>/members")
def members_list(community_id):
    """成员: the list with its filters; the manager's export, import and registration."""
    identity = require_organiser(community_id)
    args, problems = query(s.AllianceMemberQuery())
    page = paginate(members.list_query(community_id, args, identity), Member, args)
    page["items"] = members.members_out(page["items"], identity)
    filters = {k: v for k, v in request.args.items() if k in s.AllianceExportArgs().fields and v != ""}
    return _page("volunteers/members_list.html", community_id, "members", page=page, args=args, problems=problems,
                 manager=is_manager(identity, community_id), kinds=choices(vocab.MEMBER_KINDS),
                 skills=choices(vocab.SKILLS), statuses=choices(vocab.MEMBER_STATUSES),
                 times=choices(vocab.AVAILABILITY), teams=_team_choices(community_id), filters=filters)


def _member_values(member: Member | None) -> dict:
    """A form's values from a member (or a new one's defaults)."""
    if member is None:
        return {"kind": "volunteer", "joined_on": local_today().isoformat(), "availability": [], "skills": {}}
    values = {key: _text(getattr(member, key)) for key in members.FIELDS if key not in ("availability",
                                                                                      "consent_contact")}
    values["availability"] = list(member.availability or [])
    values["consent_contact"] = member.consent_contact
    values["skills"] = {row.skill: row.level for row in members.skills_of([member.id])[member.id]}
    return values


def _submitted() -> dict:
    """The form as the template shows it again: text, the checked boxes, the chosen levels."""
    values = {key: request.form.get(key, "") for key in members.FIELDS}
    values["availability"] = request.form.getlist("availability")
    values["consent_contact"] = bool(request.form.get("consent_contact"))
    values["skills"] = {code: request.form.get(f"skill_{code}") for code in vocab.SKILLS
                        if request.form.get(f"skill_{code}")}
    return values


def _load_member_form():
    """(data, errors) of the member form: the schema's fields, skills from one level choice per skill."""
    schema = s.AllianceMemberIn()
    values = form_values(schema)
    values["skills"] = [{"skill": code, "level": request.form[f"skill_{code}"]} for code in vocab.SKILLS
                        if request.form.get(f"skill_{code}")]
    return console_form(schema, values)


def _member_form(community_id: int, values: dict, errors: dict, status: int = 200, member: Member | None = None):
    return _page("volunteers/members_form.html", community_id, "members", status, member=member, values=values,
                 errors=_shown(errors, (*MEMBER_FORM_FIELDS, "availability")), kinds=choices(vocab.MEMBER_KINDS),
                 skills=choices(vocab.SKILLS), levels=choices(vocab.SKILL_LEVELS), times=choices(vocab.AVAILABILITY))


@pages.route("/communities/<int:community_id>/members/new", methods=["GET", "POST"])
def members_new(community_id):
    require_manager(community_id)
    if request.method == "GET":
        return _member_form(community_id, _member_values(None), {})
    data, errors = _load_member_form()
    status = 422
    if not errors:
        done = attempt(lambda: members.register_member(community_id, data, _actor()))
        if not done.errors:
            return _done(_("The member is registered."), ".members_page", member_id=done.result.id)
        errors, status = done.errors, done.status
    return _member_form(community_id, _submitted(), errors, status)


@pages.route("/members/<int:member_id>")
def members_page(member_id):
    """A member's page: their file, skills, teams and service."""
    member = routed(Member, member_id)
    identity = require_organiser(member.community_id)
    shown = members.member_detail(member, identity)
    return _page("volunteers/members_page.html", member.community_id, "members", member=shown,
                 manager=is_manager(identity, member.community_id),
                 times=dict(choices(vocab.AVAILABILITY)))


@pages.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
def members_edit(member_id):
    member = routed(Member, member_id)
    require_manager(member.community_id)
    if request.method == "GET":
        return _member_form(member.community_id, _member_values(member), {}, member=member)
    data, errors = _load_member_form()
    status = 422
    if not errors:
        done = attempt(lambda: members.update_member(member, data, _actor()))
        if not done.errors:
            return _done(_("The member's file is changed."), ".members_page", member_id=member_id)
        errors, status = done.errors, done.status
    return _member_form(member.community_id, _submitted(), errors, status, member=routed(Member, member_id))


@pages.route("/members/<int:member_id>/leave", methods=["GET", "POST"])
def members_leave(member_id):
    """The member leaves the alliance: the day, checked against the day they joined."""
    member = routed(Member, member_id)
    require_manager(member.community_id)
    values, errors, status = {"left_on": local_today().isoformat()}, {}, 200
    if request.method == "POST":
        data, errors = console_form(s.AllianceLeaveIn())
        status = 422
        if not errors:
            done = attempt(lambda: members.leave(member, data.get("left_on"), _actor()))
            if not done.errors:
                return _done(_("The member has left the alliance."), ".members_page", member_id=member_id)
            errors, status = done.errors, done.status
        values = {"left_on": request.form.get("left_on", "")}
        member = routed(Member, member_id)
    return _page("volunteers/members_leave.html", member.community_id, "members", status, member=member,
                 values=values, errors=_shown(errors, ("left_on",)))


@pages.route("/members/<int:member_id>/rejoin", methods=["POST"])
def members_rejoin(member_id):
    member = routed(Member, member_id)
    require_manager(member.community_id)
    done = attempt(lambda: members.rejoin(member, _actor()))
    if done.errors:
        flash(" ".join(m for messages in done.errors.values() for m in messages), "error")
    else:
        flash(_("The member is active again."), "success")
    return redirect(url_for(".members_page", member_id=member_id), code=303)


@pages.route("/members/<int:member_id>/confirm-skill", methods=["POST"])
def members_confirm_skill(member_id):
    """The manager confirms one of the member's skills at its level (today)."""
    member = routed(Member, member_id)
    require_manager(member.community_id)
    skill = request.form.get("skill", "")
    found = {row.skill: row for row in members.skills_of([member.id])[member.id]}
    if skill not in found or member.erased_at is not None:
        abort(404)
    members.confirm_skill(member, skill, found[skill].level, local_today(), _actor())
    return _done(_("The skill is confirmed."), ".members_page", member_id=member_id)


@pages.route("/communities/<int:community_id>/members.xlsx")
def members_export(community_id):
    """成员名册 .xlsx with the list's filters (manager; audited)."""
    identity = require_manager(community_id)
    args, problems = query(s.AllianceExportArgs())
    if problems:
        abort(422)
    return members_sheet.export(community_id, args, identity)


@pages.route("/communities/<int:community_id>/members/template.xlsx")
def members_template(community_id):
    require_manager(community_id)
    return members_sheet.template_download(community_id)


@pages.route("/communities/<int:community_id>/members/import", methods=["GET", "POST"])
def members_import(community_id):
    """The import: the template to download, the filled-in file to upload, errors by row."""
    identity = require_manager(community_id)
    status, import_errors = 200, []
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            import_errors, status = [_("Choose the filled-in template (.xlsx).")], 422
        else:
            data = upload.stream.read(members_sheet.MAX_BYTES + 1)
            result, problems, status = attempt(
                lambda: members_sheet.import_members(community_id, data, identity.username))
            if not problems:
                return _done(_("Imported: %(count)s members registered.", count=result["created"]),
                             ".members_list", community_id=community_id)
            import_errors = [m for messages in problems.values() for m in messages]
    return _page("volunteers/members_import.html", community_id, "members", status, import_errors=import_errors)


# --- teams ---------------------------------------------------------------------------------------


@pages.route("/communities/<int:community_id>/teams")
def teams_list(community_id):
    """队伍: the teams and their sizes (leaders for the manager and organisers)."""
    identity = require_staff()
    args, problems = query(s.AllianceTeamQuery())
    page = paginate(teams.list_query(community_id, args), Team, args)
    page["items"] = teams.teams_out(page["items"], identity)
    return _page("volunteers/teams_list.html", community_id, "teams", page=page, args=args, problems=problems,
                 manager=is_manager(identity, community_id), insider=is_organiser(identity, community_id),
                 kinds=choices(vocab.TEAM_KINDS))


def _team_form(community_id: int, values, errors: dict, status: int = 200, team: Team | None = None):
    if team is None:
        leaders = members.active_members(community_id)
    else:
        leaders = list(db.session.execute(
            select(Member.id, Member.name).join(TeamMember, TeamMember.member_id == Member.id)
            .where(TeamMember.team_id == team.id).order_by(Member.name, Member.id)).all())
    return _page("volunteers/teams_form.html", community_id, "teams", status, team=team, values=values,
                 errors=_shown(errors, TEAM_FORM_FIELDS), kinds=choices(vocab.TEAM_KINDS), leaders=leaders)


@pages.route("/communities/<int:community_id>/teams/new", methods=["GET", "POST"])
def teams_new(community_id):
    require_manager(community_id)
    if request.method == "GET":
        return _team_form(community_id, {"kind": "environment"}, {})
    data, errors = console_form(s.AllianceTeamIn())
    status = 422
    if not errors:
        done = attempt(lambda: teams.create_team(community_id, data, _actor()))
        if not done.errors:
            return _done(_("The team is created."), ".teams_page", team_id=done.result.id)
        errors, status = done.errors, done.status
    return _team_form(community_id, request.form, errors, status)


def _team_page(team: Team, errors: dict | None = None, status: int = 200):
    identity = require_staff()
    shown = teams.teams_out([team], identity, members=True)[0]
    manager = is_manager(identity, team.community_id)
    return _page("volunteers/teams_page.html", team.community_id, "teams", status, team=shown, manager=manager,
                 errors=_shown(errors or {}, ("member_ids",)),
                 candidates=members.active_members(team.community_id, exclude_team=team.id) if manager else [])


@pages.route("/teams/<int:team_id>")
def teams_page(team_id):
    return _team_page(routed(Team, team_id))


@pages.route("/teams/<int:team_id>/edit", methods=["GET", "POST"])
def teams_edit(team_id):
    team = routed(Team, team_id)
    require_manager(team.community_id)
    if request.method == "GET":
        return _team_form(team.community_id, {key: _text(getattr(team, key)) for key in TEAM_FORM_FIELDS}, {},
                          team=team)
    data, errors = console_form(s.AllianceTeamIn())  # the whole form: name and kind required
    status = 422
    if not errors:
        done = attempt(lambda: teams.update_team(team, {key: data.get(key) for key in TEAM_FORM_FIELDS}))
        if not done.errors:
            return _done(_("The team is changed."), ".teams_page", team_id=team_id)
        errors, status = done.errors, done.status
    return _team_form(team.community_id, request.form, errors, status, team=routed(Team, team_id))


@pages.route("/teams/<int:team_id>/members", methods=["POST"])
def teams_add(team_id):
    team = routed(Team, team_id)
    require_manager(team.community_id)
    data, errors = console_form(s.AllianceTeamMembersIn())
    status = 422
    if not errors:
        done = attempt(lambda: teams.add_members(team, data["member_ids"]))
        if not done.errors:
            return _done(_("Added to the team."), ".teams_page", team_id=team_id)
        errors, status = done.errors, done.status
    return _team_page(routed(Team, team_id), errors, status)


@pages.route("/teams/<int:team_id>/members/<int:member_id>/remove", methods=["POST"])
def teams_remove(team_id, member_id):
    team = routed(Team, team_id)
    require_manager(team.community_id)
    done = attempt(lambda: teams.remove_member(team, routed(Member, member_id).id))
    if not done.errors:
        return _done(_("Taken out of the team."), ".teams_page", team_id=team_id)
    return _team_page(routed(Team, team_id), done.errors, done.status)


def _set_active(team_id: int, active: bool):
    team = routed(Team, team_id)
    require_manager(team.community_id)
    done = attempt(lambda: teams.set_active(team, active))
    if not done.errors:
        return _done(_("The team is active again.") if active else _("The team is deactivated."), ".teams_page",
                     team_id=team_id)
    return _team_page(routed(Team, team_id), done.errors, done.status)


@pages.route("/teams/<int:team_id>/deactivate", methods=["POST"])
def teams_deactivate(team_id):
    return _set_active(team_id, False)


@pages.route("/teams/<int:team_id>/reactivate", methods=["POST"])
def teams_reactivate(team_id):
    return _set_active(team_id, True)
