"""What the residents' sign-in endpoints take and give."""

from __future__ import annotations

from marshmallow import fields, validate

from ..common.fields import Id, Text
from ..common.schemas import StrictSchema
from ..households.schemas import PHONE
from ..i18n import N_
from ..staff.schemas import BearerToken, LoginText

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
