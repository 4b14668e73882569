"""Console pages of 三方联席会议: a community's meetings (and a form to schedule one), a meeting
with its participants and attendance, agenda and resolutions (forms to add them, to hold or
cancel it), a resolution with its follow-ups (a form to record one, `done` closes it), the
resolution ledger, and the two workbooks. Every change goes through the API's own service
functions and schemas; the request commits at the edge."""

from __future__ import annotations

from flask import request

from wuye_core.plugins import StrictSchema, console_form, paginate, render_page, staff_names

from .agenda import AgendaItemIn, add_item
from .common import config, readable, require_write
from .console import attempt_form, community_name, done, may_write, pages, query_args
from .exports import (
    ITEM_SOURCE,
    ITEM_STATUS,
    MEETING_STATUS,
    RESOLUTION_STATUS,
    ledger_download,
    minutes_download,
)
from .i18n import _
from .meetings import (
    SORT_COLUMNS,
    MeetingHoldIn,
    MeetingIn,
    MeetingParticipantIn,
    MeetingParticipantPatch,
    MeetingQuery,
    add_participant,
    cancel_meeting,
    change_participant,
    detail,
    hold_meeting,
    listed,
    schedule_meeting,
)
from .models import SIDE_LABELS, Meeting, Participant, Resolution
from .partners import options, partner_names
from .resolutions import (
    OPEN,
    RESOLUTION_COLUMNS,
    ResolutionFollowUpIn,
    ResolutionIn,
    ResolutionQuery,
    follow_ups,
    is_overdue,
    ledger,
    record_follow_up,
    record_resolution,
)

CURRENT = "red_property.meetings"


def labels() -> dict:
    """The codes as people read them, in the reader's language (the workbooks' own labels)."""
    def read(codes):
        return {code: message.translate() for code, message in codes.items()}

    return {"meeting": read(MEETING_STATUS), "item": read(ITEM_STATUS), "source": read(ITEM_SOURCE),
            "resolution": read(RESOLUTION_STATUS), "side": read(SIDE_LABELS)}


# --- a community's meetings ---------------------------------------------------------------------


@pages.route("/communities/<int:community_id>/meetings", methods=["GET", "POST"])
def meetings(community_id):
    errors, form, status = {}, {}, 200
    if request.method == "POST":
        require_write(community_id)  # 403 before anything is read from the form, as at the API
        form = request.form
        data, errors = console_form(MeetingIn())
        status = 422
        if not errors:
            meeting, errors, status = attempt_form(lambda: schedule_meeting(community_id, data))
            if not errors:
                return done(_("The meeting is scheduled."), "meeting", meeting_id=meeting.id)
    args = query_args(MeetingQuery())
    page = paginate(listed(community_id, args), Meeting, args, columns=SORT_COLUMNS)
    return render_page(
        "red_property/meetings.html", community_id=community_id, community=community_name(community_id),
        page=page, args=args, errors=errors, form=form, writable=may_write(community_id),
        default_title=config(community_id)["meeting_title"], labels=labels(), current=CURRENT,
    ), status


# --- one meeting --------------------------------------------------------------------------------


def _meeting_page(meeting_id: int, errors: dict | None = None, form: str | None = None, status: int = 200):
    """The meeting's page; `errors` belong to the form named `form` (re-rendered with them)."""
    meeting = detail(readable(Meeting, meeting_id))
    return render_page(
        "red_property/meeting.html", meeting=meeting, community=community_name(meeting.community_id),
        writable=may_write(meeting.community_id), errors=errors or {}, failed=form, values=request.form,
        labels=labels(), is_overdue=is_overdue, current=CURRENT,
        item_options=[(i.id, f"#{i.id} {i.title}") for i in meeting.agenda_items if i.status != "closed"],
        links=options(meeting.community_id), companies=partner_names(),
    ), status


@pages.route("/meetings/<int:meeting_id>")
def meeting(meeting_id):
    return _meeting_page(meeting_id)


def _meeting_form(meeting_id: int, form: str, schema, call, message: str, hidden: tuple[str, ...] = (),
                  values: dict | None = None):
    """A form of the meeting's page: loaded by the API's schema (from `values` when given),
    handed to the service; back to the page with the messages next to the fields when either
    refuses it."""
    require_write(readable(Meeting, meeting_id).community_id)
    data, errors = console_form(schema, values)
    status = 422
    if not errors:
        _result, errors, status = attempt_form(lambda: call(data), hidden=hidden)
        if not errors:
            return done(message, "meeting", meeting_id=meeting_id)
    return _meeting_page(meeting_id, errors, form, status)


@pages.route("/meetings/<int:meeting_id>/participants", methods=["POST"])
def meeting_participants(meeting_id):
    return _meeting_form(meeting_id, "participant", MeetingParticipantIn(),
                         lambda data: add_participant(meeting_id, data), _("The participant is added."))


@pages.route("/participants/<int:participant_id>", methods=["POST"])
def participant(participant_id):
    """Attendance: the buttons "attended" / "absent" send attended=true / false (the schema
    takes a boolean, which a form has no other way to say)."""
    row = readable(Participant, participant_id)
    answer = {"true": True, "false": False}.get(request.form.get("attended", ""), request.form.get("attended"))
    return _meeting_form(row.meeting_id, "attendance", MeetingParticipantPatch(),
                         lambda data: change_participant(participant_id, data), _("Attendance is recorded."),
                         values={"attended": answer})


@pages.route("/meetings/<int:meeting_id>/agenda-items", methods=["POST"])
def meeting_agenda(meeting_id):
    def call(data):  # as the API's POST /communities/<id>/agenda-items, for this meeting
        community_id = readable(Meeting, meeting_id).community_id
        actor = require_write(community_id)
        return add_item(community_id, data["title"], actor, description=data["description"], meeting_id=meeting_id)

    return _meeting_form(meeting_id, "agenda", AgendaItemIn(), call, _("The agenda item is added."),
                         hidden=("meeting_id",))


@pages.route("/meetings/<int:meeting_id>/resolutions", methods=["POST"])
def meeting_resolutions(meeting_id):
    return _meeting_form(meeting_id, "resolution", ResolutionIn(),
                         lambda data: record_resolution(meeting_id, data), _("The resolution is recorded."))


@pages.route("/meetings/<int:meeting_id>/hold", methods=["POST"])
def meeting_hold(meeting_id):
    return _meeting_form(meeting_id, "hold", MeetingHoldIn(), lambda data: hold_meeting(meeting_id, data),
                         _("The meeting is recorded as held."))


@pages.route("/meetings/<int:meeting_id>/cancel", methods=["POST"])
def meeting_cancel(meeting_id):
    return _meeting_form(meeting_id, "cancel", StrictSchema(), lambda data: cancel_meeting(meeting_id),
                         _("The meeting is cancelled."))


@pages.route("/meetings/<int:meeting_id>/minutes.xlsx")
def minutes_xlsx(meeting_id):
    return minutes_download(readable(Meeting, meeting_id))


# --- resolutions ----------------------------------------------------------------------------------


@pages.route("/communities/<int:community_id>/resolutions")
def resolutions(community_id):
    args = query_args(ResolutionQuery())
    page = paginate(ledger(community_id, args), Resolution, args, columns=RESOLUTION_COLUMNS)
    return render_page("red_property/resolutions.html", community_id=community_id,
                       community=community_name(community_id), page=page, args=args, labels=labels(),
                       is_overdue=is_overdue, companies=partner_names(), current=CURRENT)


@pages.route("/communities/<int:community_id>/resolutions.xlsx")
def resolutions_xlsx(community_id):
    return ledger_download(community_id)


@pages.route("/resolutions/<int:resolution_id>", methods=["GET", "POST"])
def resolution(resolution_id):
    row = readable(Resolution, resolution_id)
    errors, status = {}, 200
    if request.method == "POST":
        require_write(row.community_id)
        data, errors = console_form(ResolutionFollowUpIn())
        status = 422
        if not errors:
            result, errors, status = attempt_form(lambda: record_follow_up(resolution_id, data))
            if not errors:
                notes = [f"#{t['ticket_id']}: {t['message']}" for t in result["tickets"]]
                return done(" ".join([_("The follow-up is recorded."), *notes]), "resolution",
                            resolution_id=resolution_id)
    meeting_row = readable(Meeting, row.meeting_id)
    rows = follow_ups(row.id)
    return render_page(
        "red_property/resolution.html", resolution=row, meeting=meeting_row,
        community=community_name(row.community_id), follow_ups=rows, actor_names=staff_names(f.actor for f in rows),
        errors=errors,
        values=request.form, writable=may_write(row.community_id) and row.status in OPEN, labels=labels(),
        is_overdue=is_overdue, companies=partner_names(), current=CURRENT,
    ), status
