"""HTTP endpoints of tickets."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from ..api.access import require_staff
from ..api.pagination import page_schema, paginate
from ..errors import ErrorSchema
from ..households.community_config import register_section
from . import schemas as s
from . import service
from .access import creation_authorizer, readable_ticket, workable_ticket, writable_ticket
from .listing import SORT_COLUMNS, ticket_query, with_plugin_links
from .models import Ticket, TicketRating, TicketTransition
from .sla import TicketsSection

register_section("tickets", TicketsSection)  # categories, SLA policy, auto-close in each community's config

blp = Blueprint("tickets", __name__, url_prefix="/api/v1/tickets", description="工单 / Tickets")


def _list(args):
    return ticket_query(args, require_staff())  # tickets/listing.py: the console's lists are the same


@blp.route("", endpoint="tickets_collection")
class Tickets(MethodView):
    @blp.arguments(s.TicketQuery(), location="query")
    @blp.response(200, page_schema(s.TicketOut))
    def get(self, args):
        """工单列表（默认最新在前）/ List tickets, newest first (filters; `mine=true` is my queue; `q` finds a
        ticket by its number too; `sort`)"""
        return paginate(_list(args), Ticket, args, columns=SORT_COLUMNS)

    @blp.arguments(s.TicketCreate())
    @blp.response(201, s.TicketOut)
    @blp.alt_response(403, schema=ErrorSchema)
    def post(self, data):
        """提交工单 / Submit a ticket (staff, also on a resident's behalf)"""
        identity = require_staff()
        return service.create_ticket(data, identity.username, authorize=creation_authorizer(identity))


@blp.route("/<int:ticket_id>", endpoint="tickets_item")
class TicketItem(MethodView):
    @blp.response(200, s.TicketDetail)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, ticket_id):
        """查看工单（含插件关联）/ Read a ticket (with what plugins link to it)"""
        return with_plugin_links(readable_ticket(ticket_id), require_staff())

    @blp.arguments(s.TicketUpdate())
    @blp.response(200, s.TicketOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def patch(self, data, ticket_id):
        """修改工单（改优先级会重算时限）/ Update a ticket (a new priority recomputes deadlines)"""
        ticket = writable_ticket(ticket_id)
        return service.update_ticket(ticket, data, require_staff().username)


@blp.route("/<int:ticket_id>/transitions", endpoint="ticket_transitions")
class Transitions(MethodView):
    @blp.arguments(s.HistoryQuery(), location="query")
    @blp.response(200, page_schema(s.TransitionOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, ticket_id):
        """工单流转记录（默认最新在前；`sort=id` 为时间顺序）/ A ticket's history, newest first (`sort=id`:
        oldest first)"""
        ticket = readable_ticket(ticket_id)
        return paginate(select(TicketTransition).where(TicketTransition.ticket_id == ticket.id), TicketTransition,
                        args)

    @blp.arguments(s.TransitionIn())
    @blp.response(200, s.TicketOut)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="当前状态不允许 / not allowed now (lists allowed_actions)")
    def post(self, data, ticket_id):
        """流转：受理、派单、到场、办结、关闭、重开、取消 / Move a ticket: accept, dispatch, arrive, resolve…

        维修工（worker）只能对派给自己或本班组的工单执行到场（arrive）和办结（resolve），其他操作返回 403。
        派单（dispatch）的 `assignee_id` 须是本社区可写的工作人员或本社区的维修工。/ A worker may only
        arrive and resolve, on the tickets dispatched to them or their team (403 otherwise). Dispatch
        takes as `assignee_id` staff who may write in the community or a worker of the community."""
        ticket = workable_ticket(ticket_id, data["action"])
        return service.transition(ticket, data["action"], require_staff().username, data.get("note"),
                                  data.get("assignee_id"), data.get("team"))


@blp.route("/<int:ticket_id>/rating", endpoint="ticket_rating")
class Rating(MethodView):
    @blp.arguments(s.RatingIn())
    @blp.response(200, s.TicketOut)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def put(self, data, ticket_id):
        """回访评价 1–5 分，或更正评价 / Record the resident's satisfaction, or correct it

        每次办结只评价一次（已办结的工单评价后关闭）。已有评价时：不带 `reason` 返回 409；带上 `reason`
        即更正评价，谁、何时、为什么、从几分改为几分都记入流转记录（`correct_rating`）和评价记录
        （`GET …/ratings`）。重开后可再评，之前的评价仍在记录里；工单的 `rating` 总是当前这次办结的评价
        （指标按它统计）。/ A rating is recorded once per resolution (rating a resolved ticket closes
        it). When the ticket is rated already: 409 without `reason`; with a `reason` the rating is
        corrected, and who, when, why and from what to what go into the history (`correct_rating`)
        and the ratings (`GET …/ratings`). After a reopening it can be rated again; earlier ratings stay
        in those records. The ticket's `rating` is always the current resolution's (what KPIs count)."""
        ticket = writable_ticket(ticket_id)
        return service.rate(ticket, data["rating"], data.get("comment"), require_staff().username,
                            reason=data.get("reason"), comment_given="comment" in data)


@blp.route("/<int:ticket_id>/ratings", endpoint="ticket_ratings")
class Ratings(MethodView):
    @blp.arguments(s.HistoryQuery(), location="query")
    @blp.response(200, page_schema(s.RatingOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, ticket_id):
        """评价及更正记录（默认最新在前；`sort=id` 为时间顺序）/ Every rating and correction of a ticket, newest
        first (`sort=id`: oldest first)"""
        ticket = readable_ticket(ticket_id)
        return paginate(select(TicketRating).where(TicketRating.ticket_id == ticket.id), TicketRating, args)
