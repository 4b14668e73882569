"""HTTP endpoints of tickets."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import or_, select

from ..api.access import require_staff
from ..api.pagination import page_schema, paginate, ranked
from ..errors import ErrorSchema, invalid
from ..host.dispatch import call_contained
from ..households.community_config import register_section
from ..households.models import Community
from ..i18n import N_
from . import schemas as s
from . import service
from .access import mine_clause, readable_ticket, visible_clause, workable_ticket, writable_ticket
from .models import Priority, Ticket, TicketRating, TicketTransition
from .sla import TicketsSection
from .states import OPEN, Status

register_section("tickets", TicketsSection)  # categories, SLA policy, auto-close in each community's config

blp = Blueprint("tickets", __name__, url_prefix="/api/v1/tickets", description="工单 / Tickets")


def _list(args):
    identity = require_staff()
    stmt = select(Ticket)
    visible = visible_clause(identity)  # tickets/access.py: the register's communities, a worker's own
    if visible is not None:
        stmt = stmt.where(visible)
    for column in ("community_id", "site_id", "status", "kind", "priority", "assignee_id"):
        if args.get(column) is not None:
            stmt = stmt.where(getattr(Ticket, column) == args[column])
    if args.get("mine"):
        stmt = stmt.where(mine_clause(identity))
    if args.get("overdue"):
        at = datetime.now(UTC)
        stmt = stmt.where(Ticket.status.in_([x.value for x in OPEN]), or_(
            (Ticket.arrive_due_at < at) & Ticket.on_site_at.is_(None),
            (Ticket.resolve_due_at < at) & Ticket.resolved_at.is_(None)))
    if args.get("q"):
        stmt = stmt.where(search(args["q"]))
    return stmt


TICKET_NUMBER = re.compile(r"#?\s*([0-9]{1,9})")
# sort fields that are not plain columns: by seriousness, by the workflow's order
SORT_COLUMNS = {"priority": ranked(Ticket.priority, Priority), "status": ranked(Ticket.status, Status)}


def search(q: str):
    """`q`: the ticket with that number (`443` or `#443`), or any whose title holds the text."""
    text = q.strip()
    in_title = Ticket.title.contains(text, autoescape=True)
    number = TICKET_NUMBER.fullmatch(text)
    return or_(Ticket.id == int(number.group(1)), in_title) if number else in_title


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

        def authorize(community: Community) -> None:
            if not identity.can_read(community.id):
                invalid("community_id", N_("Does not exist."))
            if not identity.can_write(community.id):
                abort(403)

        return service.create_ticket(data, identity.username, authorize=authorize)


@blp.route("/<int:ticket_id>", endpoint="tickets_item")
class TicketItem(MethodView):
    @blp.response(200, s.TicketDetail)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, ticket_id):
        """查看工单（含插件关联）/ Read a ticket (with what plugins link to it)"""
        ticket = readable_ticket(ticket_id)
        if not require_staff().can_read(ticket.community_id):  # a worker: plugins' records are not theirs
            ticket.plugin_links = []
            return ticket
        results = call_contained("wuye_ticket_links", ticket.community_id, tenant_id=ticket.tenant_id,
                                 community_id=ticket.community_id, ticket_id=ticket.id)
        ticket.plugin_links = [{"plugin": name, **vars(link)} for name, links in results for link in (links or [])]
        return ticket

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
