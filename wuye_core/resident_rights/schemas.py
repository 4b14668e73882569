"""What the residents' rights endpoints take and give."""

from __future__ import annotations

from marshmallow import fields, validate

from ..api.pagination import PageArgs, Sort
from ..common.fields import Id, Text
from ..common.schemas import StrictSchema
from .models import RequestStatus

STATUSES = [s.value for s in RequestStatus]
STATUS_DOC = "pending 待处理 / approved 已删除 / refused 不予删除（见 refusal_reason）"


class FieldName(StrictSchema):
    zh = fields.String()
    en = fields.String()


class PersonalSectionOut(StrictSchema):
    key = fields.String(metadata={"description": "如 tickets、register、care_visits.people / e.g. tickets"})
    source = fields.String(metadata={"description": "core 或插件名 / core or the plugin's name"})
    title_zh = fields.String()
    title_en = fields.String()
    fields_ = fields.Dict(keys=fields.String(), values=fields.Nested(FieldName), attribute="fields", data_key="fields", metadata={
        "description": "每个键的名称（中英文），供页面显示 / each key's name for a reader"})
    items = fields.List(fields.Dict(), metadata={"description": "每条记录一项 / one per record"})


class PersonalDataOut(StrictSchema):
    format = fields.String(metadata={"description": "wuye.personal-data/1"})
    generated_at = fields.String()
    tenant = fields.String(allow_none=True)
    phone = fields.String()
    sections = fields.List(fields.Nested(PersonalSectionOut))
    incomplete = fields.List(fields.String(), metadata={
        "description": "未能给出本部分的插件（请稍后再下载）/ plugins whose part could not be read: download again later"})


class DeletionRequestIn(StrictSchema):
    reason = Text(500, allow_none=True, load_default=None, metadata={
        "description": "申请理由，可不填 / why (optional)"})


class RequestQuery(PageArgs):
    sort = Sort("id", "created_at", "decided_at")
    status = fields.String(validate=validate.OneOf(STATUSES), load_default=None, metadata={"description": STATUS_DOC})


class MyRequestQuery(PageArgs):
    sort = Sort("id", "created_at")


class MyRequestOut(StrictSchema):
    id = Id()
    created_at = fields.DateTime()
    reason = fields.String(allow_none=True)
    status = fields.String(metadata={"description": STATUS_DOC})
    decided_at = fields.DateTime(allow_none=True)
    refusal_reason = fields.String(allow_none=True, metadata={"description": "不予删除的理由 / why it was refused"})


class RequestOut(MyRequestOut):
    account_id = Id()
    phone = fields.String(metadata={"description": "待处理时为完整号码（用于在台账里找到本人），删除后为脱敏号码 / "
                                                   "in full while pending (to find the person), masked once erased"})
    decided_by = fields.String(allow_none=True)
    outcome = fields.Dict(allow_none=True, metadata={
        "description": "删除的结果：台账行数、脱敏的工单数、各插件的计数 / what was erased: counts only"})


class RegisterRowOut(StrictSchema):
    resident_id = Id()
    name = fields.String()
    household_id = Id()
    community = fields.String()
    site = fields.String()
    building = fields.String()
    entrance = fields.String()
    room = fields.String()
    household_kind = fields.String()
    moved_in_on = fields.Date(allow_none=True)
    moved_out_on = fields.Date(allow_none=True)


class RequestDetail(RequestOut):
    register = fields.List(fields.Nested(RegisterRowOut), metadata={
        "description": "批准后将从住户中移除的台账登记 / the register rows an approval removes"})
    tickets_to_mask = fields.Integer(metadata={
        "description": "批准后报事人将被脱敏的工单数 / tickets whose reporter an approval masks"})


class RefuseIn(StrictSchema):
    reason = Text(500, min_length=1, required=True, metadata={
        "description": "不予删除的理由（居民可见），如法律要求保留的业主名册 / why (the resident reads it)"})
