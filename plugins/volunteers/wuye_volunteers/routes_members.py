"""The API of members, their skills and teams (members.py, teams.py, members_sheet.py), under
/api/v1/plugins/volunteers.

Members: the alliance manager registers, changes, exports and imports (phones and ID numbers in
full); organisers read the list and files (the phone where the member consented to be contacted,
the ID number masked); anyone else 403. Teams: anyone who reads the community sees them and their
sizes; the manager and organisers also leaders and members; the manager changes them.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from wuye_core.plugins import XLSX_DOC, ErrorSchema, current_identity, page_schema, paginate, require_staff

from . import members, members_sheet, teams
from . import schemas_members as s
from .access import require_manager, require_organiser, routed
from .models import Member, Team

blp = Blueprint("volunteers_members", __name__, description="居民服务联盟 · 成员与队伍 / Volunteer alliance: members and teams")


def _actor() -> str:
    return current_identity().username


# --- members -------------------------------------------------------------------------------------


@blp.route("/communities/<int:community_id>/members")
class Members(MethodView):
    @blp.arguments(s.AllianceMemberQuery, location="query")
    @blp.response(200, page_schema(s.AllianceMemberListOut))
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """成员列表（管理员和活动组织者；手机号按权限脱敏）/ The members (manager and organisers; phones masked
        by role)"""
        identity = require_organiser(community_id)
        page = paginate(members.list_query(community_id, args, identity), Member, args)
        page["items"] = members.members_out(page["items"], identity)
        return page

    @blp.arguments(s.AllianceMemberIn)
    @blp.response(201, s.AllianceMemberOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, data, community_id):
        """登记成员（管理员；手机号在本社区联盟内唯一）/ Register a member (manager; one member per phone)"""
        identity = require_manager(community_id)
        member = members.register_member(community_id, data, identity.username)
        return members.member_detail(member, identity)


@blp.route("/communities/<int:community_id>/members.xlsx")
class MembersXlsx(MethodView):
    @blp.arguments(s.AllianceExportArgs, location="query")
    @blp.response(200, description="成员名册 / the member list (.xlsx)", **XLSX_DOC)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """导出成员名册（管理员；完整手机号，记入审计）/ Export the member list (manager; full phones, audited)"""
        identity = require_manager(community_id)
        return members_sheet.export(community_id, args, identity)


@blp.route("/communities/<int:community_id>/members/template.xlsx")
class MembersTemplate(MethodView):
    @blp.response(200, description="成员导入模板 / the import template (.xlsx)", **XLSX_DOC)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, community_id):
        """下载成员导入模板（管理员）/ The import template (manager)"""
        require_manager(community_id)
        return members_sheet.template_download(community_id)


@blp.route("/communities/<int:community_id>/members/import")
class MembersImport(MethodView):
    @blp.arguments(s.AllianceImportIn, location="files")
    @blp.response(201, s.AllianceImportOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self, files, community_id):
        """导入成员名册：全部成功或全部不存（按行、列列出错误）；管理员 / Import the filled-in template: all or
        nothing, errors by row and column (manager)"""
        identity = require_manager(community_id)
        data = files["file"].stream.read(members_sheet.MAX_BYTES + 1)
        return members_sheet.import_members(community_id, data, identity.username)


@blp.route("/members/<int:member_id>")
class OneMember(MethodView):
    @blp.response(200, s.AllianceMemberOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, member_id):
        """成员档案：队伍、技能、服务记录（管理员完整；组织者脱敏）/ A member's file: teams, skills, service
        records (in full for the manager; masked for organisers)"""
        member = routed(Member, member_id)
        identity = require_organiser(member.community_id)
        return members.member_detail(member, identity)

    @blp.arguments(s.AllianceMemberPatch(partial=True))
    @blp.response(200, s.AllianceMemberOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def patch(self, data, member_id):
        """修改成员档案（管理员；skills 整体替换；记入审计）/ Change a member's file (manager; `skills` replaces
        the set; audited)"""
        member = routed(Member, member_id)
        identity = require_manager(member.community_id)
        member = members.update_member(member, data, identity.username)
        return members.member_detail(member, identity)


@blp.route("/members/<int:member_id>/leave")
class Leave(MethodView):
    @blp.arguments(s.AllianceLeaveIn)
    @blp.response(200, s.AllianceMemberOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, data, member_id):
        """退出联盟（管理员；同时退出所在队伍）/ The member leaves the alliance (manager; and their teams)"""
        member = routed(Member, member_id)
        identity = require_manager(member.community_id)
        member = members.leave(member, data.get("left_on"), identity.username)
        return members.member_detail(member, identity)


@blp.route("/members/<int:member_id>/rejoin")
class Rejoin(MethodView):
    @blp.response(200, s.AllianceMemberOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, member_id):
        """重新加入联盟（管理员）/ A member who left rejoins (manager)"""
        member = routed(Member, member_id)
        identity = require_manager(member.community_id)
        member = members.rejoin(member, identity.username)
        return members.member_detail(member, identity)


# --- teams ---------------------------------------------------------------------------------------


@blp.route("/communities/<int:community_id>/teams")
class Teams(MethodView):
    @blp.arguments(s.AllianceTeamQuery, location="query")
    @blp.response(200, page_schema(s.AllianceTeamOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """队伍列表及人数 / The teams and their sizes"""
        identity = require_staff()
        page = paginate(teams.list_query(community_id, args), Team, args)
        page["items"] = teams.teams_out(page["items"], identity)
        return page

    @blp.arguments(s.AllianceTeamIn)
    @blp.response(201, s.AllianceTeamOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, data, community_id):
        """新建队伍（管理员；名称在本社区唯一；队长随队加入）/ Create a team (manager; a unique name; the leader
        joins it)"""
        identity = require_manager(community_id)
        team = teams.create_team(community_id, data, identity.username)
        return teams.teams_out([team], identity, members=True)[0]


@blp.route("/teams/<int:team_id>")
class OneTeam(MethodView):
    @blp.response(200, s.AllianceTeamOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, team_id):
        """队伍详情（成员：管理员和活动组织者）/ A team (its members: manager and organisers)"""
        team = routed(Team, team_id)
        return teams.teams_out([team], require_staff(), members=True)[0]

    @blp.arguments(s.AllianceTeamPatch)
    @blp.response(200, s.AllianceTeamOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def patch(self, data, team_id):
        """修改队伍（管理员；队长须是本队成员）/ Change a team (manager; the leader one of its members)"""
        team = routed(Team, team_id)
        identity = require_manager(team.community_id)
        team = teams.update_team(team, data)
        return teams.teams_out([team], identity, members=True)[0]


@blp.route("/teams/<int:team_id>/members")
class TeamMembers(MethodView):
    @blp.arguments(s.AllianceTeamMembersIn)
    @blp.response(200, s.AllianceTeamOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, data, team_id):
        """加入成员（管理员；已退出的成员不能加入）/ Add members (manager; not members who left)"""
        team = routed(Team, team_id)
        identity = require_manager(team.community_id)
        teams.add_members(team, data["member_ids"])
        return teams.teams_out([routed(Team, team_id)], identity, members=True)[0]


@blp.route("/teams/<int:team_id>/members/<int:member_id>")
class OneTeamMember(MethodView):
    @blp.response(204)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def delete(self, team_id, member_id):
        """移出成员（管理员；队长不能直接移出）/ Take a member out of the team (manager; not its leader)"""
        team = routed(Team, team_id)
        require_manager(team.community_id)
        teams.remove_member(team, routed(Member, member_id).id)


@blp.route("/teams/<int:team_id>/deactivate")
class Deactivate(MethodView):
    @blp.response(200, s.AllianceTeamOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, team_id):
        """停用队伍（管理员；成员保留，不再加入新成员）/ Deactivate a team (manager; members kept, none added)"""
        team = routed(Team, team_id)
        identity = require_manager(team.community_id)
        return teams.teams_out([teams.set_active(team, False)], identity, members=True)[0]


@blp.route("/teams/<int:team_id>/reactivate")
class Reactivate(MethodView):
    @blp.response(200, s.AllianceTeamOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, team_id):
        """重新启用队伍（管理员）/ Reactivate a team (manager)"""
        team = routed(Team, team_id)
        identity = require_manager(team.community_id)
        return teams.teams_out([teams.set_active(team, True)], identity, members=True)[0]
