"""三方联席会议: meetings per community, their participants (with the side each speaks for),
attendance and minutes. Agenda items and resolutions have their own modules."""

from __future__ import annotations

from datetime import timedelta

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate
from sqlalchemy import select

from wuye_core.plugins import (
    ErrorSchema,
    PageArgs,
    Sort,
    StrictSchema,
    db,
    page_schema,
    paginate,
    ranked,
    services,
)

from .common import NAME, SIDE, config, conflict, label, readable, require_write, today, txt, writable
from .config import CADENCES
from .i18n import N_
from .models import AgendaItem, Meeting, Participant, Resolution

blp = Blueprint("red_property_meetings", __name__, description="三方联席会议 / Joint meetings")

STATUSES = ("planned", "held", "cancelled")


class MeetingParticipantIn(StrictSchema):
    side = fields.String(
        required=True,
        validate=SIDE,
        metadata=label("所属方：community 社区 / property 物业 / residents 居民代表", "side"),
    )
    name = txt(100, required=True, min_length=1)
    post = txt(100, allow_none=True, load_default=None, metadata=label("职务", "post"))
    attended = fields.Boolean(allow_none=True, load_default=None, metadata=label("是否出席", "attended"))


class MeetingParticipantPatch(StrictSchema):
    post = txt(100, allow_none=True)
    attended = fields.Boolean(allow_none=True)


class MeetingParticipantOut(StrictSchema):
    id = fields.Integer()
    meeting_id = fields.Integer()
    side = fields.String()
    name = fields.String()
    post = fields.String(allow_none=True)
    attended = fields.Boolean(allow_none=True)


class MeetingIn(StrictSchema):
    title = txt(200, min_length=1, metadata=label("标题（默认取配置）", "title (default from config)"))
    scheduled_on = fields.Date(
        metadata=label("会议日期（默认按周期排定）", "date (default: next by cadence)")
    )
    location = txt(200, allow_none=True, load_default=None)
    participants = fields.List(
        fields.Nested(MeetingParticipantIn), load_default=list, validate=validate.Length(max=100)
    )


class MeetingPatch(StrictSchema):
    title = txt(200, min_length=1)
    scheduled_on = fields.Date()
    location = txt(200, allow_none=True)
    minutes = txt(50_000, allow_none=True, strip=False, metadata=label("会议纪要", "minutes"))


class MeetingHoldIn(StrictSchema):
    held_on = fields.Date(metadata=label("召开日期（默认今天）", "date held (default today)"))
    minutes = txt(50_000, allow_none=True, load_default=None, strip=False)


class MeetingOut(StrictSchema):
    id = fields.Integer(dump_only=True)
    community_id = fields.Integer(dump_only=True)
    title = fields.String()
    scheduled_on = fields.Date()
    location = fields.String(allow_none=True)
    status = fields.String(
        dump_only=True, metadata=label("planned 待召开 / held 已召开 / cancelled 已取消", "status")
    )
    held_on = fields.Date(allow_none=True, dump_only=True)
    minutes = fields.String(allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class MeetingDetail(MeetingOut):
    participants = fields.List(fields.Nested(MeetingParticipantOut), dump_only=True)
    # by full path: those schemas live in modules that import this one
    agenda_items = fields.List(
        fields.Nested("wuye_red_property.agenda.AgendaItemOut"),
        dump_only=True,
        metadata=label("本次议题", "agenda items"),
    )
    resolutions = fields.List(
        fields.Nested("wuye_red_property.resolutions.ResolutionOut"),
        dump_only=True,
        metadata=label("本次决议", "resolutions decided here"),
    )
    carried_over = fields.List(
        fields.Nested("wuye_red_property.resolutions.ResolutionOut"),
        dump_only=True,
        metadata=label("以往会议未办结的决议（本次跟进）", "open resolutions of earlier meetings"),
    )
    attendance = fields.Dict(dump_only=True, metadata=label("各方出席人数", "attended / invited per side"))


SORT_COLUMNS = {"status": ranked(Meeting.status, STATUSES)}  # planned, held, cancelled


class MeetingQuery(PageArgs):
    status = fields.String(validate=validate.OneOf(STATUSES))
    sort = Sort("id", "scheduled_on", "status", descriptions={"status": "planned < held < cancelled"})


def listed(community_id: int, args: dict):
    """The community's meetings that `args` filter for (a statement, not ordered)."""
    stmt = select(Meeting).where(Meeting.community_id == community_id)
    if args.get("status"):
        stmt = stmt.where(Meeting.status == args["status"])
    return stmt


def next_meeting(community_id: int) -> Meeting | None:
    """The next planned meeting of the community (today or later), where new agenda items go."""
    return db.session.scalars(
        select(Meeting)
        .where(
            Meeting.community_id == community_id, Meeting.status == "planned", Meeting.scheduled_on >= today()
        )
        .order_by(Meeting.scheduled_on, Meeting.id)
        .limit(1)
    ).first()


def next_date(community_id: int, cadence: str):
    """The date after the community's last meeting by its cadence (today if that is past)."""
    last = db.session.scalar(
        select(Meeting.scheduled_on)
        .where(Meeting.community_id == community_id, Meeting.status != "cancelled")
        .order_by(Meeting.scheduled_on.desc())
        .limit(1)
    )
    if last is None:
        return today()
    return max(today(), last + timedelta(days=CADENCES[cadence]))


def create_meeting(community_id: int, data: dict) -> Meeting:
    settings = config(community_id)
    meeting = Meeting(
        community_id=community_id,
        title=data.get("title") or settings["meeting_title"],
        scheduled_on=data.get("scheduled_on") or next_date(community_id, settings["cadence"]),
        location=data.get("location"),
        status="planned",
    )
    db.session.add(meeting)
    db.session.flush()
    for p in data.get("participants", []):
        db.session.add(Participant(meeting_id=meeting.id, **p))
    # items waiting for "the next meeting" go to this one
    for item in db.session.scalars(
        select(AgendaItem).where(
            AgendaItem.community_id == community_id,
            AgendaItem.meeting_id.is_(None),
            AgendaItem.status == "pending",
        )
    ):
        item.meeting_id = meeting.id
    return meeting


def schedule_meeting(community_id: int, data: dict) -> Meeting:
    """Schedule a meeting as the caller (403 unless they may write in the community); the
    edge commits (the API's view, or the console's request)."""
    require_write(community_id)
    meeting = create_meeting(community_id, data)
    services.emit(
        NAME, "meeting_scheduled", community_id, meeting.id, scheduled_on=meeting.scheduled_on.isoformat()
    )
    return meeting


def hold_meeting(meeting_id: int, data: dict) -> Meeting:
    """planned → held (with its date and minutes); 409 otherwise."""
    meeting = writable(Meeting, meeting_id)
    if meeting.status != "planned":
        conflict(N_("Only a planned meeting can be held."), meeting.status)
    meeting.status = "held"
    meeting.held_on = data.get("held_on") or today()
    if data.get("minutes") is not None:
        meeting.minutes = data["minutes"]
    services.emit(
        NAME, "meeting_held", meeting.community_id, meeting.id, held_on=meeting.held_on.isoformat()
    )
    return meeting


def cancel_meeting(meeting_id: int) -> Meeting:
    """planned → cancelled; its undiscussed items wait for the next meeting. 409 otherwise."""
    meeting = writable(Meeting, meeting_id)
    if meeting.status != "planned":
        conflict(N_("Only a planned meeting can be cancelled."), meeting.status)
    meeting.status = "cancelled"
    for item in db.session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id, AgendaItem.status == "pending")
    ):
        item.meeting_id = None
    return meeting


def add_participant(meeting_id: int, data: dict) -> Participant:
    meeting = writable(Meeting, meeting_id)
    participant = Participant(meeting_id=meeting.id, **data)
    db.session.add(participant)
    return participant


def change_participant(participant_id: int, data: dict) -> Participant:
    """Record attendance (or change the post)."""
    participant = _participant(participant_id, write=True)
    for key, value in data.items():
        setattr(participant, key, value)
    return participant


def detail(meeting: Meeting) -> Meeting:
    participants = db.session.scalars(
        select(Participant).where(Participant.meeting_id == meeting.id).order_by(Participant.id)
    ).all()
    meeting.participants = participants
    meeting.agenda_items = db.session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.id)
    ).all()
    meeting.resolutions = db.session.scalars(
        select(Resolution).where(Resolution.meeting_id == meeting.id).order_by(Resolution.id)
    ).all()
    meeting.carried_over = db.session.scalars(
        select(Resolution)
        .join(Meeting, Meeting.id == Resolution.meeting_id)
        .where(
            Resolution.community_id == meeting.community_id,
            Resolution.meeting_id != meeting.id,
            Meeting.scheduled_on <= meeting.scheduled_on,
            Resolution.status.in_(("open", "in_progress")),
        )
        .order_by(Resolution.due_on, Resolution.id)
    ).all()
    meeting.attendance = {
        side: {
            "invited": sum(p.side == side for p in participants),
            "attended": sum(p.side == side and bool(p.attended) for p in participants),
        }
        for side in ("community", "property", "residents")
    }
    return meeting


@blp.route("/communities/<int:community_id>/meetings", endpoint="meetings")
class Meetings(MethodView):
    @blp.arguments(MeetingQuery, location="query")
    @blp.response(200, page_schema(MeetingOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """联席会议列表（默认最新在前；`sort=scheduled_on` 按日期）/ A community's joint meetings, newest first
        (`sort=scheduled_on`: by date)"""
        return paginate(listed(community_id, args), Meeting, args, columns=SORT_COLUMNS)

    @blp.arguments(MeetingIn)
    @blp.response(201, MeetingDetail)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, data, community_id):
        """安排联席会议（待上会议题自动列入）/ Schedule a meeting (pending agenda items join it)"""
        meeting = schedule_meeting(community_id, data)
        services.commit()
        return detail(meeting)


@blp.route("/meetings/<int:meeting_id>", endpoint="meeting")
class MeetingItem(MethodView):
    @blp.response(200, MeetingDetail)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, meeting_id):
        """会议详情：参会人、议题、决议、待跟进决议 / A meeting with participants, agenda, resolutions, follow-ups"""
        return detail(readable(Meeting, meeting_id))

    @blp.arguments(MeetingPatch)
    @blp.response(200, MeetingDetail)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def patch(self, data, meeting_id):
        """修改会议（标题、日期、地点、纪要）/ Change a meeting (title, date, place, minutes)"""
        meeting = writable(Meeting, meeting_id)
        if meeting.status == "cancelled":
            conflict(N_("The meeting was cancelled."), meeting.status)
        if "scheduled_on" in data and meeting.status != "planned":
            conflict(N_("A held meeting keeps its date."), meeting.status)
        for key, value in data.items():
            setattr(meeting, key, value)
        db.session.commit()
        return detail(meeting)


@blp.route("/meetings/<int:meeting_id>/hold", endpoint="meeting_hold")
class Hold(MethodView):
    @blp.arguments(MeetingHoldIn)
    @blp.response(200, MeetingDetail)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="不是待召开状态 / not planned")
    def post(self, data, meeting_id):
        """记录会议已召开（及纪要）/ Record that the meeting was held (with its minutes)"""
        meeting = hold_meeting(meeting_id, data)
        services.commit()
        return detail(meeting)


@blp.route("/meetings/<int:meeting_id>/cancel", endpoint="meeting_cancel")
class Cancel(MethodView):
    @blp.response(200, MeetingDetail)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, meeting_id):
        """取消会议（未讨论的议题回到待上会）/ Cancel a meeting (its undiscussed items wait for the next one)"""
        meeting = cancel_meeting(meeting_id)
        db.session.commit()
        return detail(meeting)


@blp.route("/meetings/<int:meeting_id>/participants", endpoint="meeting_participants")
class Participants(MethodView):
    @blp.arguments(MeetingParticipantIn)
    @blp.response(201, MeetingParticipantOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, data, meeting_id):
        """添加参会人 / Add a participant"""
        participant = add_participant(meeting_id, data)
        db.session.commit()
        return participant


def _participant(participant_id: int, write: bool) -> Participant:
    """Participants live in their meeting's community (models.py): the core's gate checked it."""
    participant = readable(Participant, participant_id)
    if write:
        require_write(participant.community_id)
    return participant


@blp.route("/participants/<int:participant_id>", endpoint="participant")
class ParticipantItem(MethodView):
    @blp.response(200, MeetingParticipantOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, participant_id):
        """参会人 / A participant"""
        return _participant(participant_id, write=False)

    @blp.arguments(MeetingParticipantPatch)
    @blp.response(200, MeetingParticipantOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def patch(self, data, participant_id):
        """记录出席 / Record attendance (or change the post)"""
        participant = change_participant(participant_id, data)
        db.session.commit()
        return participant

    @blp.response(204)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def delete(self, participant_id):
        """移除参会人 / Remove a participant"""
        participant = _participant(participant_id, write=True)
        db.session.delete(participant)
        db.session.commit()
