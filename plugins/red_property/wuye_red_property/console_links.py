"""Console pages that link the plugin's work to the core's tickets: a problem found on a visit
turned into an agenda item of a joint meeting or into a ticket, and a ticket escalated to the
joint meeting (reached from the ticket's page: the plugin's ticket link leads here). Same
services, access checks and schemas as the API (liaison.problem_to_agenda, problem_to_ticket;
agenda.escalate_ticket; ProblemToAgendaIn, ProblemToTicketIn, TicketEscalationIn)."""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from wuye_core.plugins import console_form, current_identity, db, render_page, services

from .agenda import TicketEscalationIn, escalate_ticket, ticket_items
from .common import readable, require_write
from .console import attempt_form, community_name, done, may_write, pages
from .console_field import _sites
from .console_meetings import labels
from .i18n import _
from .liaison import (
    KINDS,
    PRIORITIES,
    ProblemToAgendaIn,
    ProblemToTicketIn,
    may_log,
    problem_to_agenda,
    problem_to_ticket,
    require_logger,
)
from .models import Meeting, Problem, Visit

OPEN_TICKET = ("closed", "cancelled")  # a ticket in one of these cannot go to the meeting


def _planned(community_id: int) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Meeting.id, Meeting.title, Meeting.scheduled_on)
        .where(Meeting.community_id == community_id, Meeting.status == "planned")
        .order_by(Meeting.scheduled_on, Meeting.id)
    ).all()
    return [(row.id, f"{row.scheduled_on:%Y-%m-%d} {row.title}") for row in rows]


def _problem_page(problem_id: int, errors: dict | None = None, form: str | None = None, status: int = 200):
    problem = readable(Problem, problem_id)
    visit = readable(Visit, problem.visit_id)
    kinds = {"repair": _("Repair"), "complaint": _("Complaint"), "inquiry": _("Inquiry"),
             "suggestion": _("Suggestion"), "dispute": _("Dispute")}
    priorities = {"normal": _("Normal"), "urgent": _("Urgent"), "major": _("Major"), "complex": _("Special complex")}
    return render_page(
        "red_property/problem.html", problem=problem, visit=visit, community=community_name(problem.community_id),
        community_id=problem.community_id, site_names=dict(_sites(problem.community_id)),
        meetings=_planned(problem.community_id), kinds=[(k, kinds[k]) for k in KINDS],
        priorities=[(p, priorities[p]) for p in PRIORITIES], errors=errors or {}, failed=form,
        values=request.form, writable=may_log(current_identity(), problem.community_id),
        current="red_property.visits",
    ), status


@pages.route("/problems/<int:problem_id>")
def problem(problem_id):
    return _problem_page(problem_id)


def _convert(problem_id: int, form: str, schema, call, message: str):
    require_logger(readable(Problem, problem_id).community_id)  # 403 before the form is read
    data, errors = console_form(schema)
    status = 422
    if not errors:
        _result, errors, status = attempt_form(lambda: call(data))
        if not errors:
            return done(message, "problem", problem_id=problem_id)
    return _problem_page(problem_id, errors, form, status)


@pages.route("/problems/<int:problem_id>/agenda-item", methods=["POST"])
def problem_agenda(problem_id):
    return _convert(problem_id, "agenda", ProblemToAgendaIn(), lambda data: problem_to_agenda(problem_id, data),
                    _("The problem is on the agenda."))


@pages.route("/problems/<int:problem_id>/ticket", methods=["POST"])
def problem_ticket(problem_id):
    return _convert(problem_id, "ticket", ProblemToTicketIn(), lambda data: problem_to_ticket(problem_id, data),
                    _("The problem is a ticket now."))


@pages.route("/tickets/<int:ticket_id>/escalation", methods=["GET", "POST"])
def ticket_escalation(ticket_id):
    # the core's gate found the ticket, in a community the caller reads where the plugin is on
    ticket = services.ticket_summary(ticket_id)
    errors, status = {}, 200
    if request.method == "POST":
        require_write(ticket["community_id"])
        data, errors = console_form(TicketEscalationIn())
        status = 422
        if not errors:
            _item, errors, status = attempt_form(lambda: escalate_ticket(ticket_id, data))
            if not errors:
                return done(_("The ticket is on the joint meeting's agenda."), "ticket_escalation",
                            ticket_id=ticket_id)
    items = ticket_items(ticket_id)
    meetings = {m.id: m for m in db.session.scalars(
        select(Meeting).where(Meeting.id.in_({i.meeting_id for i in items if i.meeting_id})))}
    waiting = any(i.status != "closed" for i in items)
    return render_page(
        "red_property/escalation.html", ticket=ticket, community=community_name(ticket["community_id"]),
        community_id=ticket["community_id"], items=items, meetings=meetings, labels=labels(), errors=errors,
        values=request.form, writable=may_write(ticket["community_id"]),
        open=ticket["status"] not in OPEN_TICKET and not waiting, current="red_property.meetings",
    ), status
