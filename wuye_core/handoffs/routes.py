"""/api/v1: hand a ticket to the other side of its site's service link, follow hand-offs both
ways, hand one back.

Handing off and back: staff who may write in the ticket's community. Reading: staff who may read
our side's community of the hand-off (a field worker reads none)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..api.access import require_staff
from ..api.pagination import page_schema, paginate
from ..errors import ErrorSchema
from ..tickets.access import readable_ticket
from . import schemas as s
from . import service
from .models import Handoff
from .views import handoff_view, handoff_views

blp = Blueprint("handoffs", __name__, url_prefix="/api/v1", description="转办（服务关系双方之间）/ Hand-offs between linked tenants")


@blp.route("/tickets/<int:ticket_id>/handoff", methods=["POST"], endpoint="ticket_handoff")
@blp.arguments(s.HandoffIn)
@blp.response(201, s.HandoffSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="无生效的服务关系、工单已办结或已在转办中 / no link in force, "
                                                       "ticket not open, or already handed off")
def hand_off(data, ticket_id):
    """转办：把本方工单交给该小区服务关系的另一方 / Hand our ticket to the other side of its site's link

    对方据此生成自己的工单（只带服务关系允许的内容：标题、描述、类型、类别、紧急程度、位置；报事人姓名电话仅在
    属地方转出且服务关系约定共享联系方式时附上），双方的进展、时限和超时互相可见；对方可以退回并说明原因。一张工单
    同时只能有一个进行中的转办。/ The partner gets a ticket of its own with only what the link
    allows (the reporter's name and phone only from the client side when the link shares contacts);
    each side sees the other's progress, deadlines and breaches; the partner may hand it back with a
    reason. One hand-off in progress per ticket."""
    identity = require_staff()
    return handoff_view(service.hand_off_ticket(ticket_id, identity, data.get("note")))


@blp.route("/tickets/<int:ticket_id>/handoffs", endpoint="ticket_handoffs")
class TicketHandoffs(MethodView):
    @blp.response(200, s.HandoffSchema(many=True))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, ticket_id):
        """本工单的转办记录（转出或转入）/ The hand-offs of a ticket, either direction, newest first"""
        readable_ticket(ticket_id)
        return handoff_views(service.ticket_handoffs(ticket_id))


@blp.route("/handoffs", endpoint="handoffs")
class Handoffs(MethodView):
    @blp.arguments(s.HandoffQuery, location="query")
    @blp.response(200, page_schema(s.HandoffSchema))
    @blp.alt_response(403, schema=ErrorSchema)
    def get(self, args):
        """本方的转办（最新在前）/ Our hand-offs, sent and received, newest first"""
        identity = require_staff()
        if identity.readable_communities() == set():
            abort(403)
        query = service.handoffs_query(args.get("direction"), args.get("state"), identity)
        page = paginate(query, Handoff, args)
        page["items"] = handoff_views(page["items"])
        return page


@blp.route("/handoffs/<int:handoff_id>", endpoint="handoff")
class HandoffItem(MethodView):
    @blp.response(200, s.HandoffDetail)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, handoff_id):
        """查看转办及其全过程 / A hand-off and its steps"""
        identity = require_staff()
        handoff = service.get_handoff(handoff_id)
        if not service.may_see(identity, handoff):
            abort(404)
        return handoff_view(handoff, with_steps=True)


@blp.route("/handoffs/<int:handoff_id>/return", methods=["POST"], endpoint="handoff_return")
@blp.arguments(s.ReturnIn)
@blp.response(200, s.HandoffSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def return_handoff(data, handoff_id):
    """退回转办（接收方，须说明原因）/ Hand a received hand-off back, with a reason

    本方工单随之取消（原因记入流转记录），转出方的工单仍由其继续办理。/ Our ticket is cancelled (the
    reason in its history); the sender's ticket stays open with them."""
    identity = require_staff()
    return handoff_view(service.return_handoff(handoff_id, identity, data.get("reason")))
