"""The API of tasks: needs handed to the alliance and matched to skilled members (tasks.py,
matching.py), under /api/v1/plugins/volunteers.

Who: staff who may hand a need to the alliance (access.require_task_maker: the alliance's
organisers and manager, community staff who write there) read tasks and create them; the manager
and organisers change, assign (accept for a member who agreed by phone), give back, complete and
cancel them. Candidates are the organisers' (phones as access.sees_contact says).
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from wuye_core.plugins import (
    ErrorSchema,
    Id,
    PageArgs,
    Sort,
    StrictSchema,
    Text,
    db,
    invalid,
    page_schema,
    paginate,
    ranked,
)

from . import matching, tasks, vocab
from .access import require_organiser, require_task_maker, routed
from .i18n import N_
from .models import Member, Task

blp = Blueprint("volunteers_tasks", __name__, description="居民服务联盟 · 需求对接 / Volunteer alliance: tasks")


def _d(zh: str, en: str) -> dict:
    return {"description": f"{zh} / {en}"}


def _codes(vocabulary: dict) -> str:
    return ", ".join(vocabulary)


# --- schemas ---------------------------------------------------------------------------------------


class TaskQuery(PageArgs):
    status = fields.String(validate=validate.OneOf(list(vocab.TASK_STATUSES)),
                           metadata=_d("状态", "status: " + _codes(vocab.TASK_STATUSES)))
    skill = fields.String(validate=validate.OneOf(list(vocab.SKILLS)), metadata=_d("技能", "skill: " + _codes(vocab.SKILLS)))
    source = fields.String(validate=validate.OneOf(list(vocab.TASK_SOURCES)),
                           metadata=_d("来源", "source: " + _codes(vocab.TASK_SOURCES)))
    sort = Sort("id", "created_at", "wanted_by", "status")


class TaskFields(StrictSchema):
    title = Text(100, min_length=1, load_default=None, allow_none=True, metadata=_d("需求（工单默认取工单标题）", "what is needed (a ticket's: its title "
                                                                             "by default)"))
    description = Text(1000, load_default=None, allow_none=True, metadata=_d("说明", "description"))
    skill = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(vocab.SKILLS)),
                          metadata=_d("需要的技能（空：不限）", "the skill needed (null: anyone): " + _codes(vocab.SKILLS)))
    place = Text(200, load_default=None, allow_none=True, metadata=_d("服务地点", "where"))
    wanted_by = fields.Date(load_default=None, allow_none=True, metadata=_d("希望完成日期", "wanted by (a date)"))


class TaskIn(TaskFields):
    source = fields.String(required=True, validate=validate.OneOf(["ticket", "request"]), metadata=_d(
        "来源：ticket（工单）或 request（居民求助）；关爱走访转介由走访插件转来",
        "source: ticket, or request (a resident's request); care-visit referrals come from care_visits"))
    ticket_id = Id(load_default=None, allow_none=True, metadata=_d("工单（来源为工单时）", "the ticket (source ticket)"))
    requester_name = Text(50, load_default=None, allow_none=True, metadata=_d("求助人（居民求助）", "who asked"))
    requester_phone = Text(20, load_default=None, allow_none=True, metadata=_d(
        "求助人电话（手机或带区号的固话，加密保存）", "their phone (a mobile or a landline with its area code; "
                                                "stored encrypted)"))


class TaskPatch(TaskFields):
    pass


class TicketRef(StrictSchema):
    id = fields.Integer()
    title = fields.String()
    status = fields.String(metadata=_d("工单状态（核心的代码）", "the ticket's status (the core's code)"))
    status_label = fields.String()


class TaskOut(StrictSchema):
    id = fields.Integer()
    community_id = fields.Integer()
    source = fields.String()
    source_label = fields.String()
    source_ref = fields.Integer(allow_none=True, metadata=_d("工单或转介的 id", "the ticket's or referral's id"))
    ticket = fields.Nested(TicketRef, allow_none=True, metadata=_d(
        "来源工单及其现状（任务完成后工单未能办结时，请到工单页办结）",
        "the source ticket and its status now (when it could not be resolved as the task was done: "
        "resolve it on the ticket's page)"))
    title = fields.String()
    description = fields.String(allow_none=True)
    skill = fields.String(allow_none=True)
    skill_label = fields.String(allow_none=True)
    place = fields.String(allow_none=True)
    requester_name = fields.String(allow_none=True)
    requester_phone = fields.String(allow_none=True, metadata=_d("联盟管理员、活动组织者见完整号码，其他人脱敏",
                                                                 "in full for the alliance's manager and organisers, "
                                                                 "masked for others"))
    wanted_by = fields.Date(allow_none=True)
    status = fields.String()
    status_label = fields.String()
    member_id = fields.Integer(allow_none=True)
    member_name = fields.String(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    done_at = fields.DateTime(allow_none=True, metadata=_d("完成或取消的时间", "when done or cancelled"))
    minutes = fields.Integer(allow_none=True, metadata=_d("服务时长（分钟）", "minutes of service"))
    outcome = fields.String(allow_none=True, metadata=_d("完成情况，或取消的原因", "what was done, or why cancelled"))
    record_id = fields.Integer(allow_none=True, metadata=_d("服务记录", "the service record"))
    created_by = fields.String()
    created_by_name = fields.String()
    created_at = fields.DateTime()
    next = fields.List(fields.String(), metadata=_d("可转到的状态", "the statuses it may move to"))


class CandidateOut(StrictSchema):
    member_id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    level = fields.String(allow_none=True)
    level_label = fields.String(allow_none=True)
    confirmed = fields.Boolean(metadata=_d("技能经培训或管理员确认", "the skill was confirmed"))
    confirmed_on = fields.Date(allow_none=True)
    availability = fields.List(fields.String())
    availability_labels = fields.List(fields.String())
    open_tasks = fields.Integer(metadata=_d("已接未完成的任务数", "tasks accepted and not done"))
    holds = fields.Boolean(metadata=_d("正承接此任务", "holds this task"))
    phone = fields.String(allow_none=True, metadata=_d("仅同意联系的成员有（管理员、组织者见完整号码）",
                                                       "only members who consented to be contacted (in full for "
                                                       "the manager and organisers)"))


class CandidatesOut(StrictSchema):
    """Not a page: the members who could take the task, best first, and those not to be called."""

    task_id = fields.Integer()
    skill = fields.String(allow_none=True)
    skill_label = fields.String(allow_none=True)
    candidates = fields.List(fields.Nested(CandidateOut), metadata=_d(
        "同意联系的成员：已确认技能在前、等级高在前、手头任务少在前", "members who consented to be contacted: confirmed "
        "skills first, higher levels first, fewer open tasks first"))
    without_consent = fields.List(fields.Nested(CandidateOut), metadata=_d(
        "未同意联系的成员（不给电话）", "members who did not consent to be contacted (no phone)"))


class AcceptIn(StrictSchema):
    member_id = Id(required=True, metadata=_d("接受任务的成员（已电话征得本人同意）", "the member who takes it (they "
                                                                                "agreed by phone)"))


class GiveUpIn(StrictSchema):
    member_id = Id(load_default=None, allow_none=True, metadata=_d("放弃的成员（空：现在承接的成员）",
                                                                   "the member giving it up (null: whoever holds it)"))


class CompleteIn(StrictSchema):
    minutes = fields.Integer(required=True, validate=validate.Range(1, 24 * 60), metadata=_d(
        "服务时长（分钟）", "minutes of service"))
    outcome = Text(500, min_length=1, required=True, metadata=_d("完成情况（写入工单的办结说明）",
                                                                 "what was done (the ticket's resolution note)"))
    started_at = fields.AwareDateTime(load_default=None, allow_none=True, metadata=_d(
        "开始时间（空：现在减去时长）", "when the service started (null: now minus the minutes)"))


class CancelIn(StrictSchema):
    reason = Text(500, min_length=1, required=True, metadata=_d("取消原因", "why"))


# --- routes ----------------------------------------------------------------------------------------


def _member(task: Task, member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None or member.community_id != task.community_id:
        invalid("member_id", N_("Not a member of this community's alliance."))
    return member


@blp.route("/communities/<int:community_id>/tasks")
class Tasks(MethodView):
    @blp.arguments(TaskQuery, location="query")
    @blp.response(200, page_schema(TaskOut))
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """联盟的任务（可按状态、技能、来源筛选；默认最新在前）/ The alliance's tasks, newest first"""
        identity = require_task_maker(community_id)
        page = paginate(tasks.list_query(community_id, args), Task, args,
                        columns={"status": ranked(Task.status, tuple(vocab.TASK_STATUSES))})
        page["items"] = tasks.tasks_out(page["items"], identity)
        return page

    @blp.arguments(TaskIn)
    @blp.response(201, TaskOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="工单已交给联盟（指明已有的任务），或工单已不在办理中 / "
                                                           "the ticket was handed already (naming its task), or is "
                                                           "no longer open")
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self, data, community_id):
        """把需求交给服务联盟：工单（source=ticket，ticket_id）或居民求助（source=request）/ Hand a need
        to the alliance: a ticket of the community (open; once per ticket) or a resident's request"""
        identity = require_task_maker(community_id)
        task = tasks.create_task(community_id, data, identity.username)
        return tasks.task_out(task, identity)


@blp.route("/tasks/<int:task_id>")
class OneTask(MethodView):
    @blp.response(200, TaskOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, task_id):
        """一个任务 / A task"""
        task = routed(Task, task_id)
        identity = require_task_maker(task.community_id)
        return tasks.task_out(task, identity)

    @blp.arguments(TaskPatch(partial=True))
    @blp.response(200, TaskOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def patch(self, data, task_id):
        """修改待承接的任务（技能、地点、日期、说明；管理员、组织者）/ Change an offered task (manager, organisers)"""
        task = routed(Task, task_id)
        identity = require_organiser(task.community_id)
        return tasks.task_out(tasks.update(task, data, identity.username), identity)


@blp.route("/tasks/<int:task_id>/candidates")
class Candidates(MethodView):
    @blp.response(200, CandidatesOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, task_id):
        """能承接的成员：有此技能的在册成员，已确认在前、等级高在前；未同意联系的另列、不给电话 / Members who
        could take the task, best first; those who did not consent to be contacted apart, without phone"""
        task = routed(Task, task_id)
        identity = require_task_maker(task.community_id)
        return matching.candidates(task, identity)


def _move(task_id: int):
    task = routed(Task, task_id)
    return task, require_organiser(task.community_id)


@blp.route("/tasks/<int:task_id>/accept")
class Accept(MethodView):
    @blp.arguments(AcceptIn)
    @blp.response(200, TaskOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="任务不是待承接状态（指明状态）/ not offered (naming "
                                                           "the status)")
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self, data, task_id):
        """指派给成员（成员已电话同意；管理员、组织者）/ Give the task to a member who agreed by phone"""
        task, identity = _move(task_id)
        return tasks.task_out(tasks.accept(task, _member(task, data["member_id"]), identity.username), identity)


@blp.route("/tasks/<int:task_id>/give-up")
class GiveUp(MethodView):
    @blp.arguments(GiveUpIn)
    @blp.response(200, TaskOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, data, task_id):
        """成员放弃，任务重新待承接 / The member gives the task back: it is offered again"""
        task, identity = _move(task_id)
        member = _member(task, data["member_id"]) if data.get("member_id") else None
        return tasks.task_out(tasks.give_up(task, member), identity)


@blp.route("/tasks/<int:task_id>/complete")
class Complete(MethodView):
    @blp.arguments(CompleteIn)
    @blp.response(200, TaskOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self, data, task_id):
        """完成：记入成员的服务记录，来源工单（状态允许时）办结并留言 / Done: the member's service record;
        the source ticket resolved with a note when its state allows (see `ticket.status`)"""
        task, identity = _move(task_id)
        done = tasks.complete(task, data["minutes"], data["outcome"], identity.username, data.get("started_at"))
        return tasks.task_out(done, identity)


@blp.route("/tasks/<int:task_id>/cancel")
class Cancel(MethodView):
    @blp.arguments(CancelIn)
    @blp.response(200, TaskOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, data, task_id):
        """取消任务（写明原因）/ Cancel the task, saying why"""
        task, identity = _move(task_id)
        return tasks.task_out(tasks.cancel(task, data["reason"], identity.username), identity)
