"""议题: what a joint meeting discusses. Items come from tickets staff escalate, from problems
liaison officers find on visits, or are added by hand. An item waits for the community's next
planned meeting (or none yet: the next one scheduled takes it), is discussed when a resolution
is recorded for it, and closes when its last resolution is done (or by hand)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import fields, validate
from sqlalchemy import select

from wuye_core.plugins import (
    ErrorSchema,
    Id,
    PageArgs,
    Sort,
    StrictSchema,
    db,
    invalid,
    page_schema,
    paginate,
    ranked,
    services,
)

from .common import NAME, conflict, label, readable, require_write, txt, writable
from .i18n import N_, _
from .meetings import next_meeting
from .models import AgendaItem, Meeting

blp = Blueprint("red_property_agenda", __name__, description="联席会议议题 / Agenda items")

STATUSES = ("pending", "discussed", "closed")
SOURCES = ("manual", "ticket", "visit")
STATUS_ZH = {"pending": "待上会", "discussed": "已讨论，决议办理中", "closed": "已关闭"}


class AgendaItemIn(StrictSchema):
    title = txt(200, required=True, min_length=1)
    description = txt(5000, allow_none=True, load_default=None, strip=False)
    meeting_id = Id(
        allow_none=True,
        load_default=None,
        metadata=label("列入哪次会议（默认下一次）", "meeting (default: the next planned one)"),
    )


class AgendaItemPatch(StrictSchema):
    title = txt(200, min_length=1)
    description = txt(5000, allow_none=True, strip=False)
    meeting_id = Id(allow_none=True)


class AgendaItemOut(StrictSchema):
    id = fields.Integer(dump_only=True)
    community_id = fields.Integer(dump_only=True)
    meeting_id = fields.Integer(allow_none=True)
    title = fields.String()
    description = fields.String(allow_none=True)
    source = fields.String(
        dump_only=True, metadata=label("manual 手动 / ticket 工单升级 / visit 走访发现", "source")
    )
    ticket_id = fields.Integer(allow_none=True, dump_only=True)
    status = fields.String(
        dump_only=True, metadata=label("pending 待上会 / discussed 已讨论 / closed 已关闭", "status")
    )
    created_by = fields.String(allow_none=True, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    closed_at = fields.DateTime(allow_none=True, dump_only=True)


SORT_COLUMNS = {"status": ranked(AgendaItem.status, STATUSES)}  # in the order of the item's life


class AgendaQuery(PageArgs):
    status = fields.String(validate=validate.OneOf(STATUSES))
    source = fields.String(validate=validate.OneOf(SOURCES))
    meeting_id = Id()
    sort = Sort("id", "created_at", "status", "closed_at", descriptions={"status": "pending < discussed < closed"})


class TicketEscalationIn(StrictSchema):
    note = txt(
        5000, allow_none=True, load_default=None, metadata=label("升级说明", "why it goes to the meeting")
    )


def _meeting_for(community_id: int, meeting_id: int | None) -> int | None:
    if meeting_id is None:
        meeting = next_meeting(community_id)
        return meeting.id if meeting else None
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.community_id != community_id:
        invalid("meeting_id", "Does not exist.")
    if meeting.status != "planned":
        invalid("meeting_id", N_("The meeting is not planned."))
    return meeting.id


def add_item(
    community_id: int,
    title: str,
    actor: str,
    *,
    description: str | None = None,
    source: str = "manual",
    ticket_id: int | None = None,
    meeting_id: int | None = None,
) -> AgendaItem:
    item = AgendaItem(
        community_id=community_id,
        title=title,
        description=description,
        source=source,
        ticket_id=ticket_id,
        meeting_id=_meeting_for(community_id, meeting_id),
        status="pending",
        created_by=actor,
    )
    db.session.add(item)
    db.session.flush()
    return item


def close_item(item: AgendaItem) -> None:
    item.status = "closed"
    item.closed_at = datetime.now(UTC)


def ticket_items(ticket_id: int) -> list[AgendaItem]:
    """The agenda items the ticket became, oldest first."""
    return db.session.scalars(
        select(AgendaItem).where(AgendaItem.ticket_id == ticket_id).order_by(AgendaItem.id)
    ).all()


def escalate_ticket(ticket_id: int, data: dict) -> AgendaItem:
    """Put the ticket on the next joint meeting's agenda (TicketEscalationIn): 403 unless the
    caller may write in its community, 409 when it is closed or cancelled or on the agenda
    already. The edge commits."""
    ticket = services.ticket_summary(ticket_id)
    actor = require_write(ticket["community_id"])
    if ticket["status"] in ("closed", "cancelled"):
        abort(409, message=N_("The ticket is closed or cancelled."))
    if db.session.scalar(
        select(AgendaItem.id).where(AgendaItem.ticket_id == ticket_id, AgendaItem.status != "closed")
    ):
        abort(409, message=N_("The ticket is already on the agenda."))
    item = add_item(
        ticket["community_id"],
        _("Ticket #%(id)s: %(title)s", id=ticket_id, title=ticket["title"])[:200],
        actor,
        description=data["note"],
        source="ticket",
        ticket_id=ticket_id,
    )
    services.emit(NAME, "ticket_escalated", item.community_id, item.id, ticket_id=ticket_id, actor=actor)
    return item


@blp.route("/communities/<int:community_id>/agenda-items", endpoint="agenda_items")
class AgendaItems(MethodView):
    @blp.arguments(AgendaQuery, location="query")
    @blp.response(200, page_schema(AgendaItemOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """议题列表（默认最新在前；可按状态、来源、会议筛选）/ A community's agenda items, newest first (filter by
        status, source, meeting)"""
        stmt = select(AgendaItem).where(AgendaItem.community_id == community_id)
        for key in ("status", "source", "meeting_id"):
            if args.get(key) is not None:
                stmt = stmt.where(getattr(AgendaItem, key) == args[key])
        return paginate(stmt, AgendaItem, args, columns=SORT_COLUMNS)

    @blp.arguments(AgendaItemIn)
    @blp.response(201, AgendaItemOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, data, community_id):
        """手动添加议题 / Add an agenda item by hand"""
        actor = require_write(community_id)
        item = add_item(
            community_id, data["title"], actor, description=data["description"], meeting_id=data["meeting_id"]
        )
        db.session.commit()
        return item


@blp.route("/agenda-items/<int:agenda_item_id>", endpoint="agenda_item")
class AgendaItemView(MethodView):
    @blp.response(200, AgendaItemOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, agenda_item_id):
        """议题详情 / An agenda item"""
        return readable(AgendaItem, agenda_item_id)

    @blp.arguments(AgendaItemPatch)
    @blp.response(200, AgendaItemOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="议题已关闭 / already closed")
    def patch(self, data, agenda_item_id):
        """修改议题、改到另一次会议 / Change an item, or move it to another planned meeting"""
        item = writable(AgendaItem, agenda_item_id)
        if item.status == "closed":
            conflict(N_("The item is closed."), item.status)
        if "meeting_id" in data:
            if item.status != "pending":
                conflict(N_("A discussed item stays with its meeting."), item.status)
            item.meeting_id = _meeting_for(item.community_id, data["meeting_id"])
        for key in ("title", "description"):
            if key in data:
                setattr(item, key, data[key])
        db.session.commit()
        return item


@blp.route("/agenda-items/<int:agenda_item_id>/close", endpoint="agenda_item_close")
class CloseItem(MethodView):
    @blp.response(200, AgendaItemOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="议题已关闭 / already closed")
    def post(self, agenda_item_id):
        """手动关闭议题（如无需决议）/ Close an item by hand (e.g. nothing to decide)"""
        item = writable(AgendaItem, agenda_item_id)
        if item.status == "closed":
            conflict(N_("The item is closed."), item.status)
        close_item(item)
        db.session.commit()
        return item


@blp.route("/tickets/<int:ticket_id>/escalation", endpoint="ticket_escalation")
class Escalation(MethodView):
    @blp.arguments(TicketEscalationIn)
    @blp.response(201, AgendaItemOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="已在议题中 / already on the agenda")
    def post(self, data, ticket_id):
        """工单升级到下次联席会议议题 / Escalate a ticket to the next joint meeting's agenda"""
        # the core's gate found the ticket, in a community the caller reads where the plugin is on
        item = escalate_ticket(ticket_id, data)
        services.commit()
        return item
