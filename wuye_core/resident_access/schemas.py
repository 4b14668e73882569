"""What the residents' sign-in endpoints take and give."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields, validate

from ..api.pagination import PageArgs, Sort
from ..common.fields import Id, Text
from ..common.schemas import StrictSchema
from ..households.schemas import PHONE
from ..i18n import N_
from ..staff.schemas import BearerToken, LoginText
from ..tickets.models import Kind
from ..tickets.states import Status
from .tickets import KINDS, can_rate, status_label

CODE = validate.Regexp(r"^\s*[0-9]{6}\s*$", error=N_("Six digits."))


class CodeRequest(StrictSchema):
    tenant = LoginText(64, min_length=1, required=True, metadata={
        "description": "租户标识（小区二维码里的链接带着它）/ the tenant's slug (the link of the gate's QR code carries it)"})
    phone = Text(20, required=True, validate=[PHONE], metadata={
        "description": "住户台账里登记的手机号 / the phone number in the household register"})


class CodeSent(StrictSchema):
    expires_in_minutes = fields.Integer(metadata={
        "description": "验证码有效分钟数；无论手机号是否登记，回答都相同 / how long a code lives; the same answer "
                       "whether or not the number is registered"})


class ResidentTokenRequest(CodeRequest):
    code = fields.String(required=True, load_only=True, validate=CODE)


class ResidentToken(BearerToken):
    consent_required = fields.Boolean(metadata={
        "description": "须先阅读并同意个人信息处理规则（POST /api/v1/resident/consent），此前令牌只能读取和同意规则 / "
                       "the privacy notice must be agreed to first: until then the token opens only the notice and "
                       "the consent"})
    privacy_version = fields.Integer()


class NoticeOut(StrictSchema):
    version = fields.Integer()
    text_zh = fields.String()
    text_en = fields.String(allow_none=True)
    published_at = fields.DateTime(allow_none=True, metadata={"description": "空：平台默认规则 / none: the platform's default"})
    agreed = fields.Boolean(metadata={"description": "本人是否已同意此版本 / whether you agreed to this version"})


class ConsentIn(StrictSchema):
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000_000))


class ConsentOut(StrictSchema):
    consented_version = fields.Integer()
    consented_at = fields.DateTime()


class MyHousehold(StrictSchema):
    id = Id()
    community_id = Id()
    community_name = fields.String()
    site_name = fields.String()
    building_name = fields.String()
    entrance = fields.String(metadata={"description": "单元，可为空 / the entrance, may be empty"})
    room = fields.String(metadata={"description": "门牌号 / the unit's number"})
    resident_name = fields.String(metadata={"description": "台账里的本人姓名 / your name in the register"})


class ResidentMeOut(StrictSchema):
    phone = fields.String(metadata={"description": "已脱敏 / masked, 138****8000"})
    households = fields.List(fields.Nested(MyHousehold))
    consented_version = fields.Integer(allow_none=True)
    privacy_version = fields.Integer()


# --- my tickets (tickets.py) ------------------------------------------------------------------


class ReportIn(StrictSchema):
    household_id = Id(required=True, metadata={"description": "我名下的住户之一（GET /resident/me）/ one of my households"})
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in KINDS]), metadata={
        "description": "repair 报修、complaint 投诉、inquiry 咨询、suggestion 建议 / what it is"})
    category = Text(40, min_length=1, required=True, metadata={
        "description": "社区配置的工单类别之一（GET /resident/tickets/categories）/ one of the community's categories"})
    description = Text(2000, min_length=1, required=True, metadata={"description": "情况说明 / what happened, where"})


class MyTicketQuery(PageArgs):
    sort = Sort("id", "created_at")
    household_id = Id(metadata={"description": "只看这一户的 / one household's only"})


class MyTicketOut(StrictSchema):
    id = fields.Integer()
    household_id = fields.Integer()
    kind = fields.Enum(Kind, by_value=True)
    category = fields.String()
    title = fields.String()
    description = fields.String(allow_none=True)
    status = fields.Enum(Status, by_value=True)
    status_label = fields.Function(status_label, metadata={"description": "进度（白话）/ in plain words"})
    created_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    rating = fields.Integer(allow_none=True)
    rating_comment = fields.String(allow_none=True)
    rated_at = fields.DateTime(allow_none=True)
    can_rate = fields.Function(can_rate, metadata={"description": "现在可以评价 / may be rated now"})


class StepOut(StrictSchema):
    action = fields.String(metadata={"description": "submit accept dispatch arrive resolve close reopen cancel rate"})
    label = fields.String(metadata={"description": "已提交、已受理、已派单、师傅已到场、已办结…"})
    at = fields.DateTime(allow_none=True, metadata={"description": "何时；未到的步骤为空 / when; none: still ahead"})
    done = fields.Boolean()
    due_at = fields.DateTime(allow_none=True, metadata={"description": "承诺时限（未到的步骤）/ promised by"})


class PromiseOut(StrictSchema):
    arrive_due_at = fields.DateTime(allow_none=True)
    resolve_due_at = fields.DateTime(allow_none=True)
    text = fields.String(allow_none=True, metadata={"description": "承诺 5 分钟内到场、30 分钟内办结 / in words"})


class MyPhotoOut(StrictSchema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    created_at = fields.DateTime()


class MyTicketDetail(MyTicketOut):
    steps = fields.List(fields.Nested(StepOut))
    promise = fields.Nested(PromiseOut)
    photos = fields.List(fields.Nested(MyPhotoOut))
    service_phone = fields.String(allow_none=True, metadata={"description": "社区服务电话 / the community's service phone"})


class MyRatingIn(StrictSchema):
    rating = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = Text(500, allow_none=True)


class OptionsQuery(StrictSchema):
    household_id = Id(required=True, metadata={"description": "我名下的住户之一 / one of my households"})


class OptionsOut(StrictSchema):
    categories = fields.List(fields.String())
    kinds = fields.List(fields.String())
    service_phone = fields.String(allow_none=True)
    max_photos = fields.Integer()
    photo_max_bytes = fields.Integer()


class PhotosIn(StrictSchema):
    photos = Upload(required=True, metadata={"description": "JPEG/PNG/WEBP；每张不超过 5 MiB，每单最多 6 张"})
