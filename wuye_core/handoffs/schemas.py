"""The hand-offs' API shapes: a hand-off as its reader sees it (views.py)."""

from __future__ import annotations

from marshmallow import fields, validate

from ..api.pagination import PageArgs
from ..common.fields import Text
from ..common.schemas import StrictSchema
from .models import HandoffState

STATES = [s.value for s in HandoffState]


class HandoffIn(StrictSchema):
    note = Text(500, allow_none=True, load_default=None, metadata={"description": "给对方的说明 / a note for the partner"})


class ReturnIn(StrictSchema):
    reason = Text(500, min_length=1, required=True, metadata={
        "description": "退回原因（必填）/ why it is handed back (required)"})


class HandoffQuery(PageArgs):
    direction = fields.String(validate=validate.OneOf(["sent", "received"]), load_default=None, metadata={
        "description": "sent 本方转出的 / received 对方转来的"})
    state = fields.String(validate=validate.OneOf(STATES), load_default=None)


class HandoffPartnerSchema(StrictSchema):
    id = fields.Integer()
    name = fields.String(allow_none=True)


class PartnerTicketSchema(StrictSchema):
    id = fields.Integer(allow_none=True, metadata={"description": "对方工单号 / the partner's ticket"})
    status = fields.String(allow_none=True)
    arrive_due_at = fields.DateTime(allow_none=True)
    resolve_due_at = fields.DateTime(allow_none=True)
    arrive_breached_at = fields.DateTime(allow_none=True)
    resolve_breached_at = fields.DateTime(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    dispatched_at = fields.DateTime(allow_none=True)
    on_site_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    rating = fields.Integer(allow_none=True)


class StepSchema(StrictSchema):
    id = fields.Integer()
    at = fields.DateTime()
    step = fields.String()
    note = fields.String(allow_none=True)
    by = fields.String(metadata={"description": "me 本方 / partner 对方"})


class HandoffSchema(StrictSchema):
    id = fields.Integer()
    state = fields.String(metadata={"description": "sent 待接收 / delivered 已接收 / returned 已退回 / closed 已办结 / "
                                                   "failed 未能送达"})
    my_side = fields.String(metadata={"description": "sent 本方转出 / received 本方接收"})
    link_id = fields.Integer()
    partner = fields.Nested(HandoffPartnerSchema)
    source = fields.String()
    source_id = fields.String()
    my_ticket_id = fields.Integer(allow_none=True)
    partner_ticket = fields.Nested(PartnerTicketSchema)
    title = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    priority = fields.String(allow_none=True)
    location = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    returned_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
    created_by = fields.String(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)


class HandoffDetail(HandoffSchema):
    steps = fields.List(fields.Nested(StepSchema))
