"""三方联动专员: liaison officers visit communities and log the problems they find. Each problem
can become an agenda item of the next joint meeting or a ticket (channel `liaison_visit`)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import fields, validate
from sqlalchemy import select

from wuye_core.plugins import (
    ErrorSchema,
    Id,
    PageArgs,
    Site,
    Sort,
    StrictSchema,
    db,
    invalid,
    open_ticket,
    page_schema,
    paginate,
    require_staff,
    services,
    staff_names,
)

from .agenda import AgendaItemOut, add_item
from .common import NAME, conflict, label, locked, readable, today, txt
from .i18n import N_
from .models import Problem, Visit

blp = Blueprint("red_property_liaison", __name__, description="三方联动专员走访 / Liaison officers' visits")

LIAISON_ROLE = "red_property_liaison"
PRIORITIES = ("normal", "urgent", "major", "complex")
KINDS = ("repair", "complaint", "inquiry", "suggestion", "dispute")


def may_log(identity, community_id: int) -> bool:
    """Staff who may write in the community, or its liaison officers, log visits."""
    return identity.can_write(community_id) or identity.has_role(LIAISON_ROLE, community_id)


def require_logger(community_id: int) -> str:
    """The caller, who may log visits in the community (may_log); else 403."""
    identity = require_staff()
    if not may_log(identity, community_id):
        abort(403)
    return identity.username


def check_site(community_id: int, site_id: int | None, field: str = "site_id") -> None:
    if site_id is None:
        return
    site = db.session.get(Site, site_id)
    if site is None or site.community_id != community_id:
        invalid(field, "Does not exist.")


class VisitProblemIn(StrictSchema):
    description = txt(1000, required=True, min_length=1, metadata=label("发现的问题", "the problem found"))
    site_id = Id(allow_none=True, load_default=None, metadata=label("小区/村湾（默认同走访）", "site"))


class VisitProblemOut(StrictSchema):
    id = fields.Integer(dump_only=True)
    visit_id = fields.Integer(dump_only=True)
    community_id = fields.Integer(dump_only=True)
    site_id = fields.Integer(allow_none=True, dump_only=True)
    description = fields.String()
    agenda_item_id = fields.Integer(
        allow_none=True, dump_only=True, metadata=label("已转议题", "became this item")
    )
    ticket_id = fields.Integer(
        allow_none=True, dump_only=True, metadata=label("已转工单", "became this ticket")
    )


class LiaisonVisitIn(StrictSchema):
    visited_on = fields.Date(metadata=label("走访日期（默认今天）", "date (default today)"))
    site_id = Id(allow_none=True, load_default=None)
    officer = txt(100, min_length=1, metadata=label("专员姓名（默认本人）", "officer (default: the caller)"))
    notes = txt(5000, allow_none=True, load_default=None, strip=False)
    problems = fields.List(fields.Nested(VisitProblemIn), load_default=list, validate=validate.Length(max=50))


class LiaisonVisitOut(StrictSchema):
    id = fields.Integer(dump_only=True)
    community_id = fields.Integer(dump_only=True)
    site_id = fields.Integer(allow_none=True, dump_only=True)
    visited_on = fields.Date(dump_only=True)
    officer = fields.String(dump_only=True)
    notes = fields.String(allow_none=True, dump_only=True)
    created_by = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class LiaisonVisitDetail(LiaisonVisitOut):
    problems = fields.List(fields.Nested(VisitProblemOut), dump_only=True)


class ProblemToAgendaIn(StrictSchema):
    meeting_id = Id(
        allow_none=True,
        load_default=None,
        metadata=label("列入哪次会议（默认下一次）", "meeting (default: the next planned one)"),
    )


class ProblemToTicketIn(StrictSchema):
    category = txt(40, required=True, min_length=1, metadata=label("工单类别", "ticket category"))
    kind = fields.String(load_default="repair", validate=validate.OneOf(KINDS))
    priority = fields.String(load_default="normal", validate=validate.OneOf(PRIORITIES))
    title = txt(
        200, min_length=1, metadata=label("标题（默认取问题描述）", "title (default: the description)")
    )
    site_id = Id(
        metadata=label("小区/村湾（默认取问题或走访的）", "site (default: the problem's or visit's)")
    )


class ProblemToTicketOut(StrictSchema):
    problem = fields.Nested(VisitProblemOut)
    ticket_id = fields.Integer()


def _detail(visit: Visit) -> Visit:
    visit.problems = db.session.scalars(
        select(Problem).where(Problem.visit_id == visit.id).order_by(Problem.id)
    ).all()
    return visit


def _convertible(problem_id: int) -> tuple[Problem, str]:
    """The problem, locked until the request commits: converted once, however many ask at once."""
    problem = locked(Problem, problem_id)
    actor = require_logger(problem.community_id)
    if problem.agenda_item_id is not None or problem.ticket_id is not None:
        conflict(N_("The problem is already an agenda item or a ticket."),
                 "ticket" if problem.ticket_id is not None else "agenda_item")
    return problem, actor


def visits_of(community_id: int):
    """The community's visits (a statement, not ordered)."""
    return select(Visit).where(Visit.community_id == community_id)


def log_visit(community_id: int, data: dict) -> Visit:
    """Log a visit and its problems as the caller (403 unless they may write in the community or
    are its liaison officer; 422 naming a site of another community). The edge commits."""
    actor = require_logger(community_id)
    check_site(community_id, data["site_id"])
    for i, p in enumerate(data["problems"]):
        check_site(community_id, p["site_id"], f"problems.{i}.site_id")
    visit = Visit(
        community_id=community_id,
        site_id=data["site_id"],
        visited_on=data.get("visited_on") or today(),
        officer=data.get("officer") or staff_names([actor])[actor],  # a person's name, not a username
        notes=data["notes"],
        created_by=actor,
    )
    db.session.add(visit)
    db.session.flush()
    for p in data["problems"]:
        db.session.add(
            Problem(
                visit_id=visit.id,
                community_id=community_id,
                description=p["description"],
                site_id=p["site_id"] or data["site_id"],
            )
        )
    services.emit(NAME, "visit_logged", community_id, visit.id, problems=len(data["problems"]))
    return visit


def visit_detail(visit: Visit) -> Visit:
    """The visit with its problems (`visit.problems`)."""
    return _detail(visit)


def problem_to_agenda(problem_id: int, data: dict):
    """Put the problem on a joint meeting's agenda (ProblemToAgendaIn; default: the next planned
    meeting): 403 unless the caller may log visits there, 409 when it was converted already,
    422 for a meeting that is not planned. The edge commits."""
    problem, actor = _convertible(problem_id)
    item = add_item(
        problem.community_id,
        problem.description[:200],
        actor,
        description=problem.description,
        source="visit",
        meeting_id=data["meeting_id"],
    )
    problem.agenda_item_id = item.id
    return item


def problem_to_ticket(problem_id: int, data: dict) -> tuple[Problem, int]:
    """Turn the problem into a ticket (ProblemToTicketIn, channel liaison_visit): the same
    refusals as problem_to_agenda, and the ticket's own (422 naming the field). The edge commits."""
    problem, actor = _convertible(problem_id)
    visit = db.session.get(Visit, problem.visit_id)
    site_id = data.get("site_id") or problem.site_id or visit.site_id
    if site_id is None:
        invalid("site_id", "Missing data for required field.")
    check_site(problem.community_id, site_id)
    ticket_id = open_ticket(
        problem.community_id,
        site_id=site_id,
        title=data.get("title") or problem.description[:200],
        category=data["category"],
        kind=data["kind"],
        priority=data["priority"],
        channel="liaison_visit",
        description=problem.description,
        actor=actor,
    )
    problem = db.session.get(Problem, problem_id)
    problem.ticket_id = ticket_id
    return problem, ticket_id


class LiaisonVisitQuery(PageArgs):
    sort = Sort("id", "visited_on", "created_at", default="-visited_on")


@blp.route("/communities/<int:community_id>/visits", endpoint="visits")
class Visits(MethodView):
    @blp.arguments(LiaisonVisitQuery, location="query")
    @blp.response(200, page_schema(LiaisonVisitOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """走访记录（默认按走访日期新的在前）/ Liaison visits to a community, newest visit first"""
        return paginate(visits_of(community_id), Visit, args)

    @blp.arguments(LiaisonVisitIn)
    @blp.response(201, LiaisonVisitDetail)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, data, community_id):
        """登记走访及发现的问题（三方联动专员）/ Log a visit and the problems found (liaison officers)"""
        visit = log_visit(community_id, data)
        services.commit()
        return _detail(visit)


@blp.route("/visits/<int:visit_id>", endpoint="visit")
class VisitItem(MethodView):
    @blp.response(200, LiaisonVisitDetail)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, visit_id):
        """走访详情（含问题）/ A visit with its problems"""
        return _detail(readable(Visit, visit_id))


@blp.route("/problems/<int:problem_id>", endpoint="problem")
class ProblemItem(MethodView):
    @blp.response(200, VisitProblemOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, problem_id):
        """走访发现的问题 / A problem found on a visit"""
        return readable(Problem, problem_id)


@blp.route("/problems/<int:problem_id>/agenda-item", endpoint="problem_to_agenda")
class ProblemToAgenda(MethodView):
    @blp.arguments(ProblemToAgendaIn)
    @blp.response(201, AgendaItemOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="已转过 / already converted")
    def post(self, data, problem_id):
        """问题列入联席会议议题 / Put a problem on the joint meeting's agenda"""
        item = problem_to_agenda(problem_id, data)
        db.session.commit()
        return item


@blp.route("/problems/<int:problem_id>/ticket", endpoint="problem_to_ticket")
class ProblemToTicket(MethodView):
    @blp.arguments(ProblemToTicketIn)
    @blp.response(201, ProblemToTicketOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="已转过 / already converted")
    def post(self, data, problem_id):
        """问题转为工单（渠道：三方联动走访）/ Turn a problem into a ticket (channel liaison_visit)"""
        problem, ticket_id = problem_to_ticket(problem_id, data)
        db.session.commit()
        return {"problem": problem, "ticket_id": ticket_id}
