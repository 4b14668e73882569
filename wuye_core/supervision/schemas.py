"""The supervision API's shapes, written for it alone: a supervised ticket is never dumped with the
core's TicketOut, so a field added there later does not reach another tenant. What a street reads
of a company's ticket: what happened, where, when and how well, never who the resident is (the
reporter's name masked, no phone, no register ids) nor the company's own staff (no assignee,
team, creator or actor of a step), nor its files."""

from __future__ import annotations

from marshmallow import fields

from ..api.pagination import PageArgs, Sort
from ..common.fields import Id, Text
from ..common.periods import PeriodArgs
from ..common.schemas import StrictSchema
from ..i18n import show_note
from ..tickets.kpi_routes import KpiFigures, PeriodOut
from ..tickets.models import Kind, Priority
from ..tickets.schemas import CATEGORY, TICKET_SORT
from ..tickets.states import Status

# --- the companies serving our sites --------------------------------------------------------------


class ProviderLinkOut(StrictSchema):
    link_id = fields.Integer()
    site_id = fields.Integer(metadata={"description": "本方小区 / our site"})
    site_name = fields.String(allow_none=True, metadata={"description": "本方小区名称 / our site's name"})
    community_id = fields.Integer(allow_none=True, metadata={"description": "本方社区 / our community"})
    provider_site_name = fields.String(allow_none=True, metadata={
        "description": "对方对该小区的称呼 / what the company calls it"})
    since = fields.DateTime(allow_none=True, metadata={"description": "生效时间 / in force since"})


class ProviderOut(StrictSchema):
    id = fields.Integer(metadata={"description": "服务方租户 / the company (provider tenant)"})
    name = fields.String()
    links = fields.List(fields.Nested(ProviderLinkOut))


class ProvidersQuery(PageArgs):
    """The companies are few (one per company serving our sites): paged like every list, sorted here."""

    sort = Sort("id", "name")


# --- the company's tickets of the linked sites ---------------------------------------------------


class SupervisedTicketQuery(PageArgs):
    site_id = Id(metadata={"description": "本方小区（映射到对方的对应小区）/ our site (mapped to the company's)"})
    status = fields.Enum(Status, by_value=True)
    kind = fields.Enum(Kind, by_value=True)
    priority = fields.Enum(Priority, by_value=True)
    category = Text(40, metadata={"description": CATEGORY})
    overdue = fields.Boolean(metadata={"description": "只看超时的 / only tickets past a deadline"})
    q = Text(50, metadata={"description": "工单号（443 或 #443）或标题中的文字 / a ticket's number (443 or #443) "
                                          "or text in its title"})
    sort = Sort(*TICKET_SORT, descriptions={
        "priority": "一般 < 紧急 < 重大 < 特殊复杂 / normal < urgent < major < complex",
        "status": "按流转顺序 / in the order of the workflow"})


class SupervisedTicketOut(StrictSchema):
    id = fields.Integer(metadata={"description": "对方的工单号 / the company's ticket number"})
    provider_id = fields.Integer()
    client_site_id = fields.Integer(metadata={"description": "本方小区 / our site"})
    client_site_name = fields.String(allow_none=True)
    client_community_id = fields.Integer(allow_none=True, metadata={"description": "本方社区 / our community"})
    provider_site_name = fields.String(allow_none=True, metadata={"description": "对方的小区名称 / the company's name of it"})
    location = fields.String(allow_none=True)
    reporter_name = fields.String(allow_none=True, metadata={
        "description": "报事人（已脱敏：张*）/ the reporter, masked (张*)"})
    channel = fields.String()
    kind = fields.String()
    category = fields.String()
    title = fields.String()
    description = fields.String(allow_none=True)
    priority = fields.String()
    status = fields.String()
    late = fields.List(fields.String(), metadata={"description": "当前超时的环节：arrive 到场、resolve 办结 / stages "
                                                               "past their deadline now"})
    created_at = fields.DateTime()
    accepted_at = fields.DateTime(allow_none=True)
    dispatched_at = fields.DateTime(allow_none=True)
    on_site_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    reopened_count = fields.Integer()
    sla_policy = fields.String(allow_none=True)
    arrive_due_at = fields.DateTime(allow_none=True)
    resolve_due_at = fields.DateTime(allow_none=True)
    arrive_breached_at = fields.DateTime(allow_none=True)
    resolve_breached_at = fields.DateTime(allow_none=True)
    rating = fields.Integer(allow_none=True)
    rating_comment = fields.String(allow_none=True)
    rated_at = fields.DateTime(allow_none=True)


class SupervisedStepOut(StrictSchema):
    """A step of the ticket's history, without who did it (the company's staff)."""

    id = fields.Integer()
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    note = fields.Function(lambda row: show_note(row["note"]), allow_none=True, metadata={"type": "string"})
    rating = fields.Integer(allow_none=True)
    at = fields.DateTime()


class SupervisedRatingOut(StrictSchema):
    id = fields.Integer()
    resolution = fields.Integer()
    rating = fields.Integer()
    comment = fields.String(allow_none=True)
    previous_rating = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    at = fields.DateTime()


class SupervisedTicketDetail(SupervisedTicketOut):
    history = fields.List(fields.Nested(SupervisedStepOut), metadata={"description": "流转记录（时间顺序）/ history, "
                                                                                    "oldest first"})
    ratings = fields.List(fields.Nested(SupervisedRatingOut), metadata={"description": "评价及更正 / ratings and "
                                                                                      "corrections"})


# --- figures ---------------------------------------------------------------------------------------


class SupervisedKpiQuery(PeriodArgs):
    site_id = Id(metadata={"description": "只算本方这个小区 / only this site of ours"})


class SupervisedKpiOut(KpiFigures):
    provider_id = fields.Integer()
    provider_name = fields.String()
    sites = fields.List(fields.Nested(ProviderLinkOut), metadata={"description": "计入的小区 / the sites counted"})
    period = fields.Nested(PeriodOut)


class StreetRowOut(KpiFigures):
    community_id = fields.Integer()
    community_name = fields.String()
    organisation = fields.String(metadata={"description": "own 本单位 / provider 服务企业"})
    provider_id = fields.Integer(allow_none=True, metadata={"description": "服务企业（本单位时为 null）/ the company"})
    organisation_name = fields.String()
    site_names = fields.List(fields.String(), metadata={"description": "服务企业所服务的本方小区 / our sites it serves"})
    open_now = fields.Integer(metadata={"description": "当前未办结 / open now"})
    overdue_arrive_now = fields.Integer(metadata={"description": "当前到场超时 / past the arrive deadline now"})
    overdue_resolve_now = fields.Integer(metadata={"description": "当前办结超时 / past the resolve deadline now"})


class StreetFiguresOut(StrictSchema):
    period = fields.Nested(PeriodOut)
    rows = fields.List(fields.Nested(StreetRowOut), metadata={
        "description": "每个社区：本单位一行，每个服务企业一行 / per community: our own row, then one per company"})
