"""HTTP endpoints of tickets."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import or_, select

from ..api.access import require_staff
from ..api.pagination import page_schema, paginate, ranked
from ..common.locking import get_for_update
from ..errors import ErrorSchema, invalid
from ..extensions import db
from ..host.dispatch import call_contained
from ..households.community_config import register_section
from ..households.models import Community
from ..i18n import N_
from . import schemas as s
from . import service
from .models import Priority, Ticket, TicketTransition
from .sla import TicketsSection
from .states import OPEN, Status

register_section("tickets", TicketsSection)  # categories, SLA policy, auto-close in each community's config

blp = Blueprint("tickets", __name__, url_prefix="/api/v1/tickets", description="工单 / Tickets")


def readable_ticket(ticket_id: int, lock: bool = False) -> Ticket:
    ticket = get_for_update(Ticket, ticket_id) if lock else db.session.get(Ticket, ticket_id)
    if ticket is None or not require_staff().can_read(ticket.community_id):
        abort(404)
    return ticket


def writable_ticket(ticket_id: int, lock: bool = True) -> Ticket:
    """The ticket a write changes, locked until the request commits (common/locking.py): a
    concurrent write to it waits, then sees this one's result — of two identical transitions
    one wins, the other gets 409 with the current status. `lock=False` for a write that changes
    nothing of the ticket and does slow work (an upload): no lock is held across it."""
    ticket = readable_ticket(ticket_id, lock=lock)
    if not require_staff().can_write(ticket.community_id):
        abort(403)
    return ticket


def _list(args):
    identity = require_staff()
    stmt = select(Ticket)
    readable = identity.readable_communities()
    if readable is not None:
        stmt = stmt.where(Ticket.community_id.in_(readable or [-1]))
    for column in ("community_id", "site_id", "status", "kind", "priority", "assignee_id"):
        if args.get(column) is not None:
            stmt = stmt.where(getattr(Ticket, column) == args[column])
    if args.get("mine"):
        stmt = stmt.where(Ticket.assignee_id == identity.user_id)
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
    @blp.arguments(s.TransitionQuery(), location="query")
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
        """流转：受理、派单、到场、办结、关闭、重开、取消 / Move a ticket: accept, dispatch, arrive, resolve…"""
        ticket = writable_ticket(ticket_id)
        return service.transition(ticket, data["action"], require_staff().username, data.get("note"),
                                  data.get("assignee_id"), data.get("team"))


@blp.route("/<int:ticket_id>/rating", endpoint="ticket_rating")
class Rating(MethodView):
    @blp.arguments(s.RatingIn())
    @blp.response(200, s.TicketOut)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def put(self, data, ticket_id):
        """回访评价 1–5 分 / Record the resident's satisfaction (closes a resolved ticket)"""
        ticket = writable_ticket(ticket_id)
        return service.rate(ticket, data["rating"], data.get("comment"), require_staff().username)
