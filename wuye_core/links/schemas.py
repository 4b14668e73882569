"""The service links' API shapes. A link is shown from the reader's side: `my_side`, the partner,
my site and theirs (each named by its own side)."""

from __future__ import annotations

from marshmallow import fields, validate

from ..api.pagination import PageArgs
from ..common.fields import Id, Text
from ..common.schemas import StrictSchema
from .models import LinkState, Side

SIDES = [s.value for s in Side]
STATES = [s.value for s in LinkState]


class LinkProposal(StrictSchema):
    partner = Text(64, min_length=1, required=True,
                   metadata={"description": "对方租户标识 / the other tenant's slug"})
    site_id = Id(required=True, metadata={"description": "本方小区 / our own site"})
    side = fields.String(validate=validate.OneOf(SIDES), load_default=None, metadata={
        "description": "本方角色：provider 服务方（物业企业）/ client 属地方（街道、社区）；默认按租户类型 / our side; "
                       "default: a company serves, a subdistrict is served"})
    note = Text(500, allow_none=True, load_default=None)
    share_contact = fields.Boolean(load_default=False, metadata={
        "description": "转办时是否附报事人姓名电话 / hand-offs carry the reporter's name and phone"})


class LinkAcceptance(StrictSchema):
    site_id = Id(required=True, metadata={"description": "本方对应的小区 / our own site it is"})


class LinkEnd(StrictSchema):
    reason = Text(500, allow_none=True, load_default=None)


class LinkChange(StrictSchema):
    share_contact = fields.Boolean()
    note = Text(500, allow_none=True)


class LinkQuery(PageArgs):
    state = fields.String(validate=validate.OneOf(STATES), load_default=None)
    side = fields.String(validate=validate.OneOf(SIDES), load_default=None, metadata={
        "description": "只列出本方为此角色的 / only links where we are this side"})


class PartnerSchema(StrictSchema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()


class LinkSchema(StrictSchema):
    id = fields.Integer()
    state = fields.String()
    my_side = fields.String(metadata={"description": "provider 服务方 / client 属地方"})
    partner = fields.Nested(PartnerSchema)
    provider_tenant_id = fields.Integer()
    provider_site_id = fields.Integer(allow_none=True)
    provider_site_name = fields.String(allow_none=True)
    client_tenant_id = fields.Integer()
    client_site_id = fields.Integer(allow_none=True)
    client_site_name = fields.String(allow_none=True)
    client_community_id = fields.Integer(allow_none=True)
    proposed_by = fields.String()
    awaiting_me = fields.Boolean(metadata={"description": "等待本方确认 / waiting for our answer"})
    share_contact = fields.Boolean()
    note = fields.String(allow_none=True)
    proposed_at = fields.DateTime()
    proposed_by_user = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decided_by_user = fields.String(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    ended_by = fields.String(allow_none=True)
    ended_by_user = fields.String(allow_none=True)
    end_reason = fields.String(allow_none=True)
