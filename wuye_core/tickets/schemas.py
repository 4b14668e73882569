"""Request and response schemas of tickets."""

from __future__ import annotations

from marshmallow import ValidationError, fields, post_dump, validate

from ..api.pagination import PageArgs, Sort
from ..auth.names import add_display_names
from ..common.fields import Id, Text
from ..common.schemas import StrictSchema
from ..households.personal_data import phone_for
from ..households.schemas import PHONE
from ..i18n import _, show_note
from .models import Channel, Kind, Priority
from .states import TRANSITIONS, Status, allowed_actions


class TicketOut(StrictSchema):
    id = fields.Integer(dump_only=True)
    community_id = fields.Integer()
    site_id = fields.Integer()
    building_id = fields.Integer(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    household_id = fields.Integer(allow_none=True)
    location = fields.String(allow_none=True)
    reporter_resident_id = fields.Integer(allow_none=True)
    reporter_name = fields.String(allow_none=True)
    reporter_phone = fields.String(allow_none=True, metadata={
        "description": "报事人电话；无权查看个人信息的角色看到 138****5678 / masked for roles that do not see personal data"})
    channel = fields.Enum(Channel, by_value=True)
    kind = fields.Enum(Kind, by_value=True)
    category = fields.String()
    title = fields.String()
    description = fields.String(allow_none=True)
    priority = fields.Enum(Priority, by_value=True)
    status = fields.Enum(Status, by_value=True)
    allowed_actions = fields.Function(lambda t: allowed_actions(t.status),
                                      metadata={"description": "当前可执行的操作 / actions possible now"})
    assignee_id = fields.Integer(allow_none=True)
    team = fields.String(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    accepted_at = fields.DateTime(allow_none=True)
    dispatched_at = fields.DateTime(allow_none=True)
    on_site_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    reopened_count = fields.Integer()
    sla_policy = fields.String(allow_none=True, metadata={"description": "时限规则来源 / who set the deadlines"})
    arrive_due_at = fields.DateTime(allow_none=True, metadata={"description": "到场时限 / arrive by"})
    resolve_due_at = fields.DateTime(allow_none=True, metadata={"description": "办结时限 / resolve by"})
    arrive_breached_at = fields.DateTime(allow_none=True)
    resolve_breached_at = fields.DateTime(allow_none=True)
    rating = fields.Integer(allow_none=True)
    rating_comment = fields.String(allow_none=True)
    rated_at = fields.DateTime(allow_none=True)
    handoff_id = fields.Integer(allow_none=True, metadata={
        "description": "转办（本工单转给服务关系另一方，或由对方转来）/ the hand-off this ticket is part of "
                       "(GET /api/v1/handoffs/<id>)"})

    @post_dump
    def _mask(self, data, **kwargs):
        if data.get("reporter_phone"):
            data["reporter_phone"] = phone_for(data.get("community_id"), data["reporter_phone"])
        return data


class LinkOut(StrictSchema):
    key = fields.String()
    plugin = fields.String()
    label_zh = fields.String()
    label_en = fields.String()
    href = fields.String()


class TicketDetail(TicketOut):
    links = fields.List(fields.Nested(LinkOut), attribute="plugin_links",
                        metadata={"description": "插件关联的事项（如会议议题）/ what plugins link to this ticket"})
    created_by_name = fields.String(allow_none=True, dump_only=True, metadata={
        "description": "登记人的姓名（无姓名时为用户名；系统为“系统”）/ who submitted it, by display name "
                       "(the username when they have none; \"system\" shown as 系统/System)"})

    @post_dump(pass_collection=True)
    def _names(self, data, many, **kwargs):
        return add_display_names(data, many, created_by="created_by_name")


CATEGORY = ("社区配置的工单类别之一（GET /api/v1/communities/{id}/config）/ one of the community's ticket "
            "categories (GET /api/v1/communities/{id}/config)")


class TicketUpdate(StrictSchema):
    title = Text(100, min_length=1)
    description = Text(5000, allow_none=True)
    category = Text(40, min_length=1, metadata={"description": CATEGORY})
    priority = fields.Enum(Priority, by_value=True)
    location = Text(200, allow_none=True)


def _not_a_handoff(value) -> None:
    # a hand-off's ticket is made by its delivery (handoffs/delivery.py), linked to the hand-off
    if value is Channel.handoff:
        raise ValidationError(_("Only a hand-off creates a ticket on this channel: hand a ticket over with "
                                "POST /api/v1/tickets/<id>/handoff."))


class TicketCreate(StrictSchema):
    community_id = Id(required=True)
    site_id = Id(required=True)
    building_id = Id(allow_none=True)
    unit_id = Id(allow_none=True)
    household_id = Id(allow_none=True)
    location = Text(200, allow_none=True, metadata={"description": "公共区域位置 / public-area location"})
    reporter_resident_id = Id(allow_none=True)
    reporter_name = Text(50, allow_none=True)
    reporter_phone = Text(20, allow_none=True, validate=[PHONE])
    channel = fields.Enum(Channel, by_value=True, required=True, validate=_not_a_handoff, metadata={
        "description": "受理渠道；handoff 只由转办生成，不能手工填写 / how it came in; handoff is made by hand-offs only"})
    kind = fields.Enum(Kind, by_value=True, required=True)
    category = Text(40, min_length=1, required=True, metadata={"description": CATEGORY})
    title = Text(100, min_length=1, required=True)
    description = Text(5000, allow_none=True)
    priority = fields.Enum(Priority, by_value=True, load_default=Priority.normal)


TICKET_SORT = ("id", "created_at", "priority", "status", "arrive_due_at", "resolve_due_at", "resolved_at")


class TicketQuery(PageArgs):
    community_id = Id()
    site_id = Id()
    status = fields.Enum(Status, by_value=True)
    kind = fields.Enum(Kind, by_value=True)
    priority = fields.Enum(Priority, by_value=True)
    category = Text(40, metadata={"description": CATEGORY})
    assignee_id = Id()
    mine = fields.Boolean(metadata={"description": "只看派给我或我所在班组的 / only tickets dispatched to me or my team"})
    overdue = fields.Boolean(metadata={"description": "只看超时的 / only tickets past a deadline"})
    q = Text(50, metadata={"description": "工单号（443 或 #443）或标题中的文字 / a ticket's number (443 or #443) "
                                          "or text in its title"})
    sort = Sort(*TICKET_SORT, descriptions={
        "priority": "一般 < 紧急 < 重大 < 特殊复杂 / normal < urgent < major < complex",
        "status": "按流转顺序 / in the order of the workflow"})


class HistoryQuery(PageArgs):
    """A ticket's history or its ratings: rows with a time `at`."""

    sort = Sort("id", "at")


class AttachmentQuery(PageArgs):
    sort = Sort("id", "created_at", "size")


class TransitionIn(StrictSchema):
    action = fields.String(required=True, validate=validate.OneOf(list(TRANSITIONS)))
    note = Text(500, allow_none=True)
    assignee_id = Id(allow_none=True, metadata={"description": "派单给谁（dispatch 时）/ for dispatch"})
    team = Text(50, allow_none=True)


class TransitionOut(StrictSchema):
    id = fields.Integer()
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor = fields.String(allow_none=True, metadata={"description": "用户名，或 system / username, or system"})
    # A note the system wrote is stored as a message and shown in the reader's language.
    note = fields.Function(lambda row: show_note(row.note), allow_none=True, metadata={"type": "string"})
    rating = fields.Integer(allow_none=True, metadata={
        "description": "评价分数（rate、correct_rating 时）/ the rating given (actions rate and correct_rating)"})
    at = fields.DateTime()
    actor_name = fields.String(allow_none=True, dump_only=True, metadata={
        "description": "操作人的姓名（无姓名时为用户名；system 为“系统”）/ who did it, by display name (the username "
                       "when they have none; system shown as 系统/System, in the reader's language)"})

    @post_dump(pass_collection=True)
    def _names(self, data, many, **kwargs):
        return add_display_names(data, many, actor="actor_name")  # one query for the whole history


class RatingIn(StrictSchema):
    rating = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = Text(500, allow_none=True, metadata={
        "description": "居民的意见；更正时不填则保留原意见 / the resident's words; a correction without it keeps "
                       "the earlier comment"})
    reason = Text(500, min_length=1, allow_none=True, metadata={
        "description": "更正已有评价的原因（必填，记入流转记录）；首次评价不填 / why an existing rating is "
                       "corrected (required then, recorded in the history); not for a first rating"})


class RatingOut(StrictSchema):
    id = fields.Integer()
    resolution = fields.Integer(metadata={"description": "第几次办结的评价（重开后加一）/ which resolution was "
                                                         "rated (1, then 2 after a reopening…)"})
    rating = fields.Integer()
    comment = fields.String(allow_none=True)
    previous_rating = fields.Integer(allow_none=True, metadata={"description": "更正前的分数 / a correction: "
                                                                              "the rating it replaced"})
    reason = fields.String(allow_none=True, metadata={"description": "更正原因 / a correction: why"})
    actor = fields.String(allow_none=True)
    at = fields.DateTime()
