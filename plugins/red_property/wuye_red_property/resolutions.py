"""决议: decided at a meeting, owned by one side and one person, due by a date, followed up at
later meetings until done. Marking one done closes its agenda item once every resolution of the
item is finished, and (if configured) resolves the ticket that was escalated to that item."""

from __future__ import annotations

from datetime import timedelta

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, post_dump, validate
from sqlalchemy import select

from wuye_core.plugins import (
    ErrorSchema,
    Id,
    PageArgs,
    Sort,
    StrictSchema,
    db,
    get_for_update,
    hand_off,
    handoff_info,
    invalid,
    page_schema,
    paginate,
    ranked,
    resolve_ticket,
    services,
    staff_names,
)

from .agenda import close_item
from .common import NAME, SIDE, config, conflict, label, locked, readable, require_write, today, txt, writable
from .i18n import N_, _
from .models import AgendaItem, FollowUp, Meeting, Resolution
from .partners import FIELD, company, link_in_force, partner_names

blp = Blueprint("red_property_resolutions", __name__, description="联席会议决议 / Resolutions")

OPEN = ("open", "in_progress")
STATUSES = ("open", "in_progress", "done", "cancelled")


class ResolutionIn(StrictSchema):
    text = txt(500, required=True, min_length=1, metadata=label("决议内容", "what was decided"))
    owner_side = fields.String(required=True, validate=SIDE, metadata=label("责任方", "owner side"))
    owner_name = txt(100, required=True, min_length=1, metadata=label("责任人", "owner"))
    due_on = fields.Date(metadata=label("办理期限（默认按配置天数）", "deadline (default from config)"))
    agenda_item_id = Id(allow_none=True, load_default=None, metadata=label("对应议题", "agenda item"))
    service_link_id = Id(allow_none=True, load_default=None, metadata=label(
        "交办的物业企业：本社区生效中的服务关系 id（仅责任方为 property 时）",
        "the company it is assigned to: a service link in force in this community (owner side property only)"))


class ResolutionPatch(StrictSchema):
    text = txt(500, min_length=1)
    owner_side = fields.String(validate=SIDE)
    owner_name = txt(100, min_length=1)
    due_on = fields.Date()
    service_link_id = Id(allow_none=True, metadata=label(
        "交办的物业企业（服务关系 id；null 取消）", "the company's service link (null: none)"))


class ResolutionOut(StrictSchema):
    id = fields.Integer(dump_only=True)
    community_id = fields.Integer(dump_only=True)
    meeting_id = fields.Integer(dump_only=True)
    agenda_item_id = fields.Integer(allow_none=True, dump_only=True)
    text = fields.String()
    owner_side = fields.String()
    owner_name = fields.String()
    due_on = fields.Date()
    status = fields.String(
        dump_only=True,
        metadata=label("open 待办 / in_progress 办理中 / done 已办结 / cancelled 已撤销", "status"),
    )
    done_on = fields.Date(allow_none=True, dump_only=True)
    overdue = fields.Method(
        "_overdue", dump_only=True, metadata={"type": "boolean", **label("已逾期", "overdue")}
    )
    created_at = fields.DateTime(dump_only=True)
    service_link_id = fields.Integer(allow_none=True, dump_only=True, metadata=label(
        "交办的物业企业的服务关系", "the service link of the company it is assigned to"))
    company_name = fields.String(allow_none=True, dump_only=True, metadata=label(
        "物业企业：服务关系对方的名称（关系已解除：记录时的名称）",
        "the company: the link's partner (link ended: its name when recorded)"))
    link_in_force = fields.Boolean(dump_only=True, metadata=label("服务关系生效中", "its service link is in force"))
    handoff_id = fields.Integer(allow_none=True, dump_only=True, metadata=label(
        "转办给物业企业的编号（核心 /api/v1/handoffs/<id>）", "its hand-off to the company (the core's /api/v1/handoffs/<id>)"))

    def _overdue(self, obj) -> bool:
        return is_overdue(obj)

    @post_dump(pass_original=True, pass_collection=True)
    def _company(self, data, original, many, **kwargs):
        rows, objs = (data, original) if many else ([data], [original])
        names = partner_names() if any(getattr(o, "service_link_id", None) for o in objs) else {}
        for row, obj in zip(rows, objs, strict=True):
            name, live = company(obj.service_link_id, obj.company_name, names)
            row["company_name"], row["link_in_force"] = name, live
        return data


def is_overdue(resolution: Resolution) -> bool:
    """Still open past its deadline (a Beijing date)."""
    return resolution.status in OPEN and resolution.due_on < today()


RESOLUTION_SORT = ("id", "due_on", "status", "created_at", "done_on")
STATUS_ORDER = {"status": "open < in_progress < done < cancelled"}


class ResolutionQuery(PageArgs):
    status = fields.String(validate=validate.OneOf(STATUSES))
    overdue = fields.Boolean()
    meeting_id = Id()
    owner_side = fields.String(validate=SIDE)
    sort = Sort(*RESOLUTION_SORT, descriptions=STATUS_ORDER)


class MeetingResolutionQuery(PageArgs):
    sort = Sort(*RESOLUTION_SORT, descriptions=STATUS_ORDER)


class FollowUpQuery(PageArgs):
    sort = Sort("id", "created_at")


class ResolutionFollowUpIn(StrictSchema):
    note = txt(1000, required=True, min_length=1, metadata=label("跟进情况", "progress"))
    status = fields.String(
        load_default="in_progress",
        validate=validate.OneOf(["in_progress", "done", "cancelled"]),
        metadata=label("跟进后的状态", "status after this follow-up"),
    )
    meeting_id = Id(
        allow_none=True, load_default=None, metadata=label("在哪次会议上跟进", "at which meeting")
    )


class ResolutionFollowUpOut(StrictSchema):
    id = fields.Integer()
    resolution_id = fields.Integer()
    meeting_id = fields.Integer(allow_none=True)
    note = fields.String()
    status = fields.String()
    actor = fields.String(metadata=label("记录人用户名", "who recorded it (username)"))
    created_at = fields.DateTime()
    actor_name = fields.String(allow_none=True, dump_only=True,
                               metadata=label("记录人姓名", "who recorded it, by display name"))

    @post_dump(pass_collection=True)
    def _names(self, data, many, **kwargs):
        rows = data if many else [data]
        names = staff_names(row.get("actor") for row in rows)  # one query for the whole list
        for row in rows:
            row["actor_name"] = names.get(row.get("actor"))
        return data


class EscalatedTicketOutcome(StrictSchema):
    ticket_id = fields.Integer()
    resolved = fields.Boolean(metadata=label("是否已随决议办结", "resolved with the resolution"))
    status = fields.String(allow_none=True, metadata=label("工单当前状态", "the ticket's status now"))
    message = fields.String(metadata=label("说明", "note"))


class ResolutionFollowUpResult(StrictSchema):
    follow_up = fields.Nested(ResolutionFollowUpOut)
    resolution = fields.Nested(ResolutionOut)
    tickets = fields.List(
        fields.Nested(EscalatedTicketOutcome),
        metadata=label("关联工单的处理结果", "what happened to the escalated tickets"),
    )


def default_due(community_id: int):
    return today() + timedelta(days=config(community_id)["resolution_days"])


def _resolve_tickets(resolution: Resolution, actor: str) -> list[dict]:
    """Resolve the tickets escalated to the resolution's agenda item; a ticket whose state does not
    allow it (not yet accepted, already closed…) is reported, not an error."""
    if (
        resolution.agenda_item_id is None
        or not config(resolution.community_id)["resolve_linked_tickets"]
    ):
        return []
    ticket_id = db.session.scalar(
        select(AgendaItem.ticket_id).where(AgendaItem.id == resolution.agenda_item_id)
    )
    if ticket_id is None:
        return []
    # Stored as a message: the ticket's history shows it in each reader's language.
    note = N_("Joint meeting resolution #%(id)s is done: %(text)s", id=resolution.id, text=resolution.text)
    resolved = resolve_ticket(ticket_id, actor, note)  # committed with the request
    summary = services.ticket_summary(ticket_id)
    message = (
        _("Resolved.")
        if resolved
        else _("The ticket's state does not allow resolving it; handle it in the ticket.")
    )
    return [
        {
            "ticket_id": ticket_id,
            "resolved": resolved,
            "status": summary and summary["status"],
            "message": message,
        }
    ]


RESOLUTION_COLUMNS = {"status": ranked(Resolution.status, STATUSES)}


@blp.route("/meetings/<int:meeting_id>/resolutions", endpoint="meeting_resolutions")
class MeetingResolutions(MethodView):
    @blp.arguments(MeetingResolutionQuery, location="query")
    @blp.response(200, page_schema(ResolutionOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, meeting_id):
        """本次会议的决议（默认最新在前）/ Resolutions decided at a meeting, newest first"""
        meeting = readable(Meeting, meeting_id)
        return paginate(select(Resolution).where(Resolution.meeting_id == meeting.id), Resolution, args,
                        columns=RESOLUTION_COLUMNS)

    @blp.arguments(ResolutionIn)
    @blp.response(201, ResolutionOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="会议已取消 / the meeting was cancelled")
    def post(self, data, meeting_id):
        """记录决议（责任方、责任人、期限、交办的物业企业）/ Record a resolution (owner, deadline, company)"""
        resolution = record_resolution(meeting_id, data)
        services.commit()
        return resolution


@blp.route("/communities/<int:community_id>/resolutions", endpoint="resolutions")
class Resolutions(MethodView):
    @blp.arguments(ResolutionQuery, location="query")
    @blp.response(200, page_schema(ResolutionOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """决议台账（默认最新在前；`sort=due_on` 按期限；可筛选逾期）/ The resolution ledger, newest first
        (`sort=due_on`: by deadline; filter: status, overdue, meeting, side)"""
        return paginate(ledger(community_id, args), Resolution, args, columns=RESOLUTION_COLUMNS)


def ledger(community_id: int, args: dict):
    """The community's resolutions that `args` filter for (a statement, not ordered)."""
    stmt = select(Resolution).where(Resolution.community_id == community_id)
    for key in ("status", "meeting_id", "owner_side"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(Resolution, key) == args[key])
    if args.get("overdue") is not None:
        late = Resolution.status.in_(OPEN) & (Resolution.due_on < today())
        stmt = stmt.where(late if args["overdue"] else ~late)
    return stmt


@blp.route("/resolutions/<int:resolution_id>", endpoint="resolution")
class ResolutionItem(MethodView):
    @blp.response(200, ResolutionOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, resolution_id):
        """决议 / A resolution"""
        return readable(Resolution, resolution_id)

    @blp.arguments(ResolutionPatch)
    @blp.response(200, ResolutionOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="决议已办结或撤销 / finished")
    def patch(self, data, resolution_id):
        """修改决议（内容、责任方、期限、交办的物业企业）/ Change a resolution (text, owner, deadline, company)"""
        resolution = change_resolution(resolution_id, data)
        db.session.commit()
        return resolution


@blp.route("/resolutions/<int:resolution_id>/follow-ups", endpoint="resolution_follow_ups")
class FollowUps(MethodView):
    @blp.arguments(FollowUpQuery, location="query")
    @blp.response(200, page_schema(ResolutionFollowUpOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, resolution_id):
        """跟进记录（默认最新在前；`sort=id` 为时间顺序）/ A resolution's follow-ups, newest first (`sort=id`: oldest
        first)"""
        resolution = readable(Resolution, resolution_id)
        return paginate(select(FollowUp).where(FollowUp.resolution_id == resolution.id), FollowUp, args)

    @blp.arguments(ResolutionFollowUpIn)
    @blp.response(201, ResolutionFollowUpResult)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="决议已办结或撤销 / finished")
    def post(self, data, resolution_id):
        """跟进决议；status=done 办结（并可办结关联工单）/ Follow a resolution up; done finishes it (and its ticket)"""
        return record_follow_up(resolution_id, data)


def _assign(resolution: Resolution, link_id: int | None) -> None:
    """The company a resolution is assigned to: a service link in force of its community, for a
    resolution the property side owns; 422 naming service_link_id otherwise."""
    if link_id is None:
        resolution.service_link_id = resolution.company_name = None
        return
    if link_id != resolution.service_link_id:  # an unchanged link may have ended since: kept as history
        link = link_in_force(resolution.community_id, link_id)
        resolution.service_link_id, resolution.company_name = link.id, link.partner_name
    if resolution.owner_side != "property":
        invalid(FIELD, N_("Only a resolution the property side owns is assigned to a company."))


SOURCE = f"{NAME}.resolution"  # what the core's hand-offs of resolutions carry as their source
TITLE_LENGTH = 100  # a ticket's title


def _hand_to_company(resolution: Resolution) -> None:
    """A resolution assigned to a linked company becomes a hand-off to it (#18 item 4): the
    company gets a ticket of its own, delivered after this transaction commits; its progress
    comes back through wuye_handoff_progressed as follow-ups (handoff_progressed). Once per
    resolution: a resolution already handed off keeps that hand-off."""
    if resolution.service_link_id is None or resolution.handoff_id is not None:
        return
    title = resolution.text if len(resolution.text) <= TITLE_LENGTH else resolution.text[:TITLE_LENGTH - 1] + "…"
    handed = hand_off(link_id=resolution.service_link_id, title=title, description=resolution.text,
                      kind="suggestion", source=SOURCE, source_id=str(resolution.id))
    resolution.handoff_id = handed.id


STEP_NOTES = {
    "delivered": N_("The company received it (its ticket #%(ticket)s)."),
    "accepted": N_("The company accepted it."),
    "dispatched": N_("The company dispatched it."),
    "on_site": N_("The company's worker is on site."),
    "resolved": N_("The company reports it done; the joint meeting confirms."),
    "rated": N_("The company's work was rated."),
    "closed": N_("The company closed its ticket."),
    "returned": N_("The company handed it back: %(note)s"),
    "failed": N_("It could not be handed to the company: %(note)s"),
}


def handoff_progressed(data: dict) -> None:
    """A step of the company on a resolution handed to it: a follow-up in the meeting's ledger
    (status in progress: the meeting still decides when the resolution is done). Other plugins'
    hand-offs, unknown steps and finished resolutions are left alone. Runs in the outbox's
    delivery (the core commits it, once per step)."""
    if data.get("source") != SOURCE or data.get("step") not in STEP_NOTES:
        return
    resolution = get_for_update(Resolution, int(data["source_id"]))
    if resolution is None or resolution.status not in OPEN:
        return
    info = handoff_info(resolution.handoff_id) if resolution.handoff_id else None
    note = _(STEP_NOTES[data["step"]], ticket=(info and info.partner_ticket_id) or "—", note=data.get("note") or "—")
    db.session.add(FollowUp(resolution_id=resolution.id, meeting_id=None, note=note[:1000], status="in_progress",
                            actor="system"))
    resolution.status = "in_progress"


def change_resolution(resolution_id: int, data: dict) -> Resolution:
    """Change a resolution (ResolutionPatch), locked: 403 unless the caller may write, 409 when it
    is finished, 422 naming service_link_id for a company it cannot be assigned to. The edge commits."""
    resolution = writable(Resolution, resolution_id)
    if resolution.status not in OPEN:
        conflict(N_("The resolution is done or withdrawn."), resolution.status)
    link_id = data.pop("service_link_id", resolution.service_link_id)
    for key, value in data.items():
        setattr(resolution, key, value)
    _assign(resolution, link_id)
    _hand_to_company(resolution)
    if "due_on" in data:
        resolution.overdue_at = None  # a new deadline may be missed again, and is reported again
    return resolution


def record_resolution(meeting_id: int, data: dict) -> Resolution:
    """Record a resolution of the meeting as the caller (403 unless they may write; 409 when the
    meeting was cancelled; 422 naming agenda_item_id). The edge commits."""
    meeting = writable(Meeting, meeting_id)
    if meeting.status == "cancelled":
        conflict(N_("The meeting was cancelled."), meeting.status)
    item = None
    if data["agenda_item_id"] is not None:
        item = get_for_update(AgendaItem, data["agenda_item_id"])  # after the meeting: the order
        if item is None or item.community_id != meeting.community_id:
            invalid("agenda_item_id", "Does not exist.")
        if item.status == "closed":
            invalid("agenda_item_id", N_("The item is closed."))
    resolution = Resolution(
        community_id=meeting.community_id,
        meeting_id=meeting.id,
        agenda_item_id=item and item.id,
        text=data["text"],
        owner_side=data["owner_side"],
        owner_name=data["owner_name"],
        due_on=data.get("due_on") or default_due(meeting.community_id),
        status="open",
    )
    _assign(resolution, data.get("service_link_id"))
    db.session.add(resolution)
    if item is not None:
        item.status = "discussed"
        item.meeting_id = item.meeting_id or meeting.id
    db.session.flush()
    _hand_to_company(resolution)
    services.emit(
        NAME,
        "resolution_recorded",
        meeting.community_id,
        resolution.id,
        due_on=resolution.due_on.isoformat(),
        owner_side=resolution.owner_side,
        service_link_id=resolution.service_link_id,
    )
    return resolution


def record_follow_up(resolution_id: int, data: dict) -> dict:
    """Follow a resolution up as the caller; `done` finishes it, closes its agenda item when it
    was the last open one, and resolves the escalated ticket where configured and allowed.
    Commits before resolving the ticket (as the API always has); {follow_up, resolution, tickets}."""
    resolution = writable(Resolution, resolution_id)
    actor = require_write(resolution.community_id)
    if resolution.status not in OPEN:
        conflict(N_("The resolution is done or withdrawn."), resolution.status)
    if data["meeting_id"] is not None:
        meeting = db.session.get(Meeting, data["meeting_id"])
        if meeting is None or meeting.community_id != resolution.community_id:
            invalid("meeting_id", "Does not exist.")
    row = FollowUp(
        resolution_id=resolution.id,
        meeting_id=data["meeting_id"],
        note=data["note"],
        status=data["status"],
        actor=actor,
    )
    db.session.add(row)
    resolution.status = data["status"]
    tickets = []
    if data["status"] in ("done", "cancelled"):
        if data["status"] == "done":
            resolution.done_on = today()
        _close_item_when_finished(resolution)
        db.session.flush()
        services.emit(
            NAME,
            f"resolution_{data['status']}",
            resolution.community_id,
            resolution.id,
            on_time=bool(resolution.done_on and resolution.done_on <= resolution.due_on),
        )
        services.commit()
        if data["status"] == "done":
            tickets = _resolve_tickets(resolution, actor)
    else:
        services.commit()
    return {"follow_up": row, "resolution": resolution, "tickets": tickets}


def follow_ups(resolution_id: int) -> list[FollowUp]:
    """A resolution's follow-ups, oldest first."""
    return db.session.scalars(
        select(FollowUp).where(FollowUp.resolution_id == resolution_id).order_by(FollowUp.id)
    ).all()


def _close_item_when_finished(resolution: Resolution) -> None:
    """Close the item when no other resolution of it is open. The item is locked before the
    others are counted: of two last resolutions finished at once, the second waits here and
    then sees the first done (otherwise each sees the other open and the item never closes)."""
    if resolution.agenda_item_id is None:
        return
    item = locked(AgendaItem, resolution.agenda_item_id)
    if item.status == "closed":
        return
    still_open = db.session.scalar(
        select(Resolution.id)
        .where(
            Resolution.agenda_item_id == resolution.agenda_item_id,
            Resolution.id != resolution.id,
            Resolution.status.in_(OPEN),
        )
        .limit(1)
    )
    if still_open is None:
        close_item(item)
