"""What the notices' endpoints take and give."""

from __future__ import annotations

from datetime import UTC, datetime

from marshmallow import fields, validate

from ..api.pagination import PageArgs, Sort
from ..common.clock import LOCAL_TZ
from ..common.fields import Count, Id, Rate, Text
from ..common.schemas import StrictSchema
from .models import BODY_LENGTH, Audience, Category, NoticeKind
from .service import STATES

YEARS_20XX = "^20[0-9]{2}-"
# the years the pattern allows, whatever the offset given
INSTANTS = validate.Range(min=datetime(1999, 12, 31, tzinfo=UTC), max=datetime(2100, 1, 2, tzinfo=UTC))
CATEGORIES = {"water": "停水", "power": "停电", "weather": "极端天气", "other": "其他"}


def _instant(description: str):
    return fields.AwareDateTime(default_timezone=LOCAL_TZ, allow_none=True, load_default=None, validate=INSTANTS,
                                metadata={"pattern": YEARS_20XX, "description": description})


class NoticeIn(StrictSchema):
    community_id = Id(required=True)
    audience = fields.String(required=True, validate=validate.OneOf([a.value for a in Audience]), metadata={
        "description": "community 全社区 / site 一个小区（site_id）/ building 一栋楼（building_id）/ households "
                       "指定住户（household_ids）。按发布范围在阅读时对照住户台账：发布后入住的住户也能看到仍在有效期内的公告 / "
                       "the audience, matched against the register when read: a household moving in later sees "
                       "a notice still in force"})
    site_id = Id(allow_none=True, load_default=None, metadata={"description": "audience 为 site 时必填 / for `site`"})
    building_id = Id(allow_none=True, load_default=None, metadata={
        "description": "audience 为 building 时必填 / for `building`"})
    household_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=500), metadata={
        "description": "audience 为 households 时必填（至多 500 户）/ for `households` (at most 500)"})
    title = Text(100, min_length=1, required=True)
    body = Text(BODY_LENGTH, min_length=1, required=True, metadata={"description": "正文（纯文本）/ plain text"})
    kind = fields.String(load_default=NoticeKind.ordinary.value, validate=validate.OneOf([k.value for k in NoticeKind]),
                         metadata={"description": "ordinary 普通 / urgent 紧急：同时以短信发给范围内住户登记的每个手机号"
                                                  "（每个号码一次）/ urgent: also texted once to every phone of the "
                                                  "audience's residents"})
    category = fields.String(allow_none=True, load_default=None, validate=validate.OneOf([c.value for c in Category]),
                             metadata={"description": "water 停水 / power 停电 / weather 极端天气 / other 其他；"
                                                      "紧急公告不填为 other / an urgent one without: other"})
    valid_from = _instant("生效时间，不填为立即（不带时区按北京时间）/ in force from (now if left out; no offset: "
                          "Beijing time)")
    valid_until = _instant("失效时间，不填为长期 / in force until (open-ended if left out)")
    replaces_id = Id(allow_none=True, load_default=None, metadata={
        "description": "更正：被本公告取代的公告（同一社区，随之撤回）/ a correction: the notice this one replaces "
                       "(same community; it is withdrawn)"})


class NoticeWithdrawIn(StrictSchema):
    reason = Text(500, allow_none=True, load_default=None, metadata={"description": "撤回原因 / why"})


class NoticeQuery(PageArgs):
    community_id = Id(load_default=None)
    state = fields.String(load_default=None, validate=validate.OneOf(STATES), metadata={
        "description": "in_force 生效中 / scheduled 未到生效时间 / expired 已过期 / withdrawn 已撤回"})
    kind = fields.String(load_default=None, validate=validate.OneOf([k.value for k in NoticeKind]))
    sort = Sort("id", "published_at")


class TextsOut(StrictSchema):
    phones = Count(metadata={"description": "已处理的手机号数 / phones handled"})
    sent = Count(metadata={"description": "短信服务已发送 / taken by an SMS provider"})
    logged = Count(metadata={"description": "未配置短信服务，记入日志 / no provider: written to the log"})
    unconfirmed = Count(metadata={"description": "发送中断、未确认（不会重发）/ interrupted, unconfirmed (never resent)"})
    done = fields.Boolean(metadata={"description": "发送已结束 / the sending has ended"})
    done_at = fields.DateTime(allow_none=True)


class NoticeSchema(StrictSchema):
    id = Id()
    community_id = Id()
    audience = fields.String()
    site_id = Id(allow_none=True)
    building_id = Id(allow_none=True)
    household_ids = fields.List(Id(), metadata={"description": "指定的住户 / the chosen households"})
    title = fields.String()
    body = fields.String()
    kind = fields.String()
    category = fields.String(allow_none=True)
    valid_from = fields.DateTime(allow_none=True)
    valid_until = fields.DateTime(allow_none=True)
    published_at = fields.DateTime()
    published_by = fields.String(allow_none=True)
    replaces_id = Id(allow_none=True)
    replaced_by_id = Id(allow_none=True)
    withdrawn_at = fields.DateTime(allow_none=True)
    withdrawn_by = fields.String(allow_none=True)
    withdrawn_reason = fields.String(allow_none=True)
    state = fields.String(metadata={"description": "in_force / scheduled / expired / withdrawn"})
    audience_households = Count(metadata={"description": "范围内住户数（按当前台账）/ households of the audience now"})
    read_households = Count(metadata={"description": "已读住户数 / households that have read it"})
    read_rate = Rate()
    texts = fields.Nested(TextsOut, allow_none=True, metadata={"description": "紧急公告的短信 / an urgent one's texts"})


class HouseholdQuery(PageArgs):
    read = fields.Boolean(load_default=None, metadata={
        "description": "true 已读 / false 未读（上门告知）/ read, or not yet (for a door-to-door visit)"})


class NoticeHouseholdOut(StrictSchema):
    id = Id()
    site_name = fields.String()
    building_name = fields.String()
    entrance = fields.String()
    room = fields.String()
    read_at = fields.DateTime(allow_none=True, metadata={"description": "首次阅读 / first read"})


class ResidentNoticeQuery(PageArgs):
    sort = Sort("id", "published_at", "urgency", default="-urgency", descriptions={
        "urgency": "紧急在前 / urgent first (then by id)"})


class ResidentNoticeOut(StrictSchema):
    id = Id()
    title = fields.String()
    body = fields.String()
    kind = fields.String()
    urgent = fields.Boolean()
    category = fields.String(allow_none=True)
    valid_from = fields.DateTime(allow_none=True)
    valid_until = fields.DateTime(allow_none=True)
    published_at = fields.DateTime()
    replaces_id = Id(allow_none=True, metadata={"description": "更正了哪条公告 / the notice this one corrects"})
    household_ids = fields.List(Id(), metadata={"description": "本人的哪些住户 / which of my households"})
    read = fields.Boolean(metadata={"description": "本人已读 / I have opened it"})
