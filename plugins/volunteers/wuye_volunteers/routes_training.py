"""The API of trainings and their attendance (training.py has the rules).

    GET   /communities/<id>/trainings            the community's trainings (page; filter: skill)
    POST  /communities/<id>/trainings            record a session (the alliance's manager)
    GET   /trainings/<training_id>               a session with its attendance sheet
    PATCH /trainings/<training_id>               correct it (audited "amended")
    PUT   /trainings/<training_id>/attendance    record the sheet (all or nothing; passed confirms the skill)
    GET   /members/<member_id>/trainings         a member's trainings (page)

Reading: the manager and the activity organisers of the community; writing: the manager.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from wuye_core.plugins import ErrorSchema, page_schema, paginate

from . import training as rules
from .access import require_manager, require_organiser, routed
from .models import Member, Training

blp = Blueprint("volunteers_training", __name__, description="居民服务联盟 · 培训 / Volunteer alliance: trainings")


class TrainingOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    title = fields.String()
    skill = fields.String(allow_none=True)
    skill_label = fields.String(allow_none=True)
    level = fields.String()
    level_label = fields.String()
    held_on = fields.Date()
    minutes = fields.Integer(metadata={"description": "培训时长（分钟；不是志愿服务时长）/ how long, in minutes "
                                                     "(not service time)"})
    place = fields.String(allow_none=True)
    trainer = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    created_by = fields.String()
    created_by_name = fields.String(allow_none=True)
    attended = fields.Integer(metadata={"description": "参加人数 / how many attended"})
    passed = fields.Integer(metadata={"description": "合格人数 / how many passed"})


class TrainingAttendanceRowOut(Schema):
    member_id = fields.Integer()
    member_name = fields.String()
    member_left = fields.Boolean(metadata={"description": "已退出联盟 / has left the alliance"})
    attended = fields.Boolean()
    passed = fields.Boolean()
    confirms_skill = fields.Boolean(metadata={
        "description": "该成员的技能确认来自本次培训 / this training is what confirms the member's skill"})
    recorded_by = fields.String()
    recorded_by_name = fields.String(allow_none=True)


class TrainingDetailOut(TrainingOut):
    attendance = fields.List(fields.Nested(TrainingAttendanceRowOut), metadata={
        "description": "签到表（不分页：一次培训的全部人员）/ the sheet (not paged: everyone of one session)"})


class TrainingSheetSavedOut(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    confirmed = fields.List(fields.Integer(), metadata={
        "description": "本次起由这次培训确认技能的成员 / members whose skill this training now confirms"})
    withdrawn = fields.List(fields.Integer(), metadata={
        "description": "撤销了本次培训的技能确认的成员（技能仍在档案中，未确认）/ members whose confirmation by "
                       "this training was withdrawn (the skill stays on their file, unconfirmed)"})
    training = fields.Nested(TrainingDetailOut)


class MemberTrainingOut(TrainingOut):
    member_attended = fields.Boolean()
    member_passed = fields.Boolean()


def detail(training: Training) -> dict:
    return {**rules.training_out(training), "attendance": rules.attendance_out(training)}


@blp.route("/communities/<int:community_id>/trainings")
class Trainings(MethodView):
    @blp.arguments(rules.TrainingQuery, location="query")
    @blp.response(200, page_schema(TrainingOut))
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, args, community_id):
        """社区的培训（默认按日期新的在前；可按技能筛选）/ The community's trainings (newest first)"""
        require_organiser(community_id)
        page = paginate(rules.trainings_statement(community_id, args), Training, args)
        page["items"] = rules.trainings_out(page["items"])
        return page

    @blp.arguments(rules.TrainingIn)
    @blp.response(201, TrainingOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self, data, community_id):
        """登记一次培训（联盟管理员）/ Record a training session (the alliance's manager)"""
        identity = require_manager(community_id)
        return rules.training_out(rules.create(community_id, data, identity.username), (0, 0))


@blp.route("/trainings/<int:training_id>")
class OneTraining(MethodView):
    @blp.response(200, TrainingDetailOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, training_id):
        """一次培训及其签到表 / A training with its attendance sheet"""
        training = routed(Training, training_id)
        require_organiser(training.community_id)
        return detail(training)

    @blp.arguments(rules.TrainingPatch)
    @blp.response(200, TrainingOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def patch(self, data, training_id):
        """更正培训信息（记入审计；改技能、等级或日期时重新确认合格成员的技能）/ Correct a training
        (audited; a new skill, level or day works the passed members' confirmations out again)"""
        identity = require_manager(routed(Training, training_id).community_id)
        training = routed(Training, training_id, lock=True)
        rules.amend(training, data, identity.username)
        return rules.training_out(training)


@blp.route("/trainings/<int:training_id>/attendance")
class Attendance(MethodView):
    @blp.arguments(rules.TrainingAttendanceIn)
    @blp.response(200, TrainingSheetSavedOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def put(self, data, training_id):
        """登记签到表：每人是否参加、是否合格（全部成功或全部不做；合格即确认培训的技能，取消合格则撤销
        本次培训的确认；重复提交结果相同）/ Record the sheet: attended and passed per member (all or
        nothing; passing confirms the training's skill, un-passing withdraws this training's
        confirmation; sending it again changes nothing)"""
        identity = require_manager(routed(Training, training_id).community_id)
        training = routed(Training, training_id, lock=True)
        saved = rules.record_attendance(training, data["rows"], identity.username)
        return {**saved, "training": detail(training)}


@blp.route("/members/<int:member_id>/trainings")
class MemberTrainings(MethodView):
    @blp.arguments(rules.MemberTrainingQuery, location="query")
    @blp.response(200, page_schema(MemberTrainingOut))
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, args, member_id):
        """成员参加过的培训 / A member's trainings"""
        member = routed(Member, member_id)
        require_organiser(member.community_id)
        page = paginate(rules.member_trainings_statement(member.id), Training, args)
        page["items"] = rules.member_trainings_out(page["items"])
        return page
