"""HTTP endpoints of ticket KPIs and Excel exports (definitions: tickets/kpis.py).

    GET /api/v1/communities/<id>/kpis?from=&to=         one community's KPIs (JSON)
    GET /api/v1/kpis?from=&to=                          tenant-wide: the communities the user can read
    GET /api/v1/communities/<id>/kpis.xlsx?from=&to=    one community's KPIs as a workbook
    GET /api/v1/tickets/export.xlsx?from=&to=[&community_id=]   the period's tickets as a workbook

`from` and `to` are Beijing dates, both included, at most three years apart. Whether an open
ticket's deadline has passed (SLA figures) is judged at the time of the request; the JSON leaves
that instant out so that the same data always gives the same answer (the workbook shows it).
"""

from __future__ import annotations

from datetime import date

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from ..api.access import require_staff
from ..audit import record
from ..common.fields import Id
from ..common.spreadsheets import XLSX_DOC, download_name, xlsx_response
from ..errors import ErrorSchema, invalid
from ..extensions import db
from ..households.access import readable_community
from ..households.models import Community
from ..i18n import N_
from . import export, kpis

blp = Blueprint("ticket_kpis", __name__, url_prefix="/api/v1",
                description="工单指标与 Excel 导出 / Ticket KPIs and Excel exports")

# Far enough either way for any real period, and keeps `to + 1 day` inside Python's dates.
DATES = validate.Range(min=date(2000, 1, 1), max=date(2099, 12, 31))
# The same years as the document states them: a date's year is 2000 to 2099.
YEARS_20XX = "^20[0-9]{2}-"
PERIOD = "from ≤ to，最长三年 / from ≤ to, at most three years"


class PeriodQuery(Schema):
    first = fields.Date(data_key="from", required=True, validate=DATES, metadata={
        "pattern": YEARS_20XX,
        "description": f"首日（北京时间，含；2000–2099 年）/ first day, Beijing time, included (2000–2099); {PERIOD}"})
    last = fields.Date(data_key="to", required=True, validate=DATES, metadata={
        "pattern": YEARS_20XX,
        "description": f"末日（北京时间，含；2000–2099 年）/ last day, Beijing time, included (2000–2099); {PERIOD}"})

    @validates_schema
    def _valid_period(self, data, **kwargs):
        if data["first"] > data["last"]:
            raise ValidationError(N_("The start of the period is after its end."), "from")
        if (data["last"] - data["first"]).days >= kpis.MAX_DAYS:
            raise ValidationError(N_("The period may be at most three years long."), "to")


class ExportQuery(PeriodQuery):
    community_id = Id(metadata={"description": "只导出这个社区 / only this community"})


class PeriodOut(Schema):
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    start = fields.DateTime(metadata={"description": "起点（含）/ start instant, included"})
    end = fields.DateTime(metadata={"description": "终点（不含）/ end instant, excluded"})
    timezone = fields.String()


class RateOut(Schema):
    value = fields.Float(allow_none=True, metadata={"description": "分母为 0 时为 null / null when denominator is 0"})
    numerator = fields.Integer()
    denominator = fields.Integer()


class DurationOut(Schema):
    count = fields.Integer(metadata={"description": "有该时间的工单数 / tickets with the timestamp"})
    p50_minutes = fields.Float(allow_none=True)
    p90_minutes = fields.Float(allow_none=True)


class SatisfactionOut(Schema):
    average = fields.Float(allow_none=True)
    rated = fields.Integer()


def _counts(description: str):
    return fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": description})


class KpiOut(Schema):
    community_id = fields.Integer(allow_none=True, metadata={"description": "全租户时为 null / null tenant-wide"})
    community_ids = fields.List(fields.Integer(), metadata={"description": "计入的社区 / communities included"})
    period = fields.Nested(PeriodOut)
    total = fields.Integer()
    open = fields.Integer(metadata={"description": "未办结 / still open"})
    by_kind = _counts("按类型 / by kind")
    by_category = _counts("按类别 / by category")
    by_status = _counts("按状态 / by status")
    by_priority = _counts("按优先级 / by priority")
    response = fields.Nested(DurationOut, metadata={"description": "受理时长 / accepted_at − created_at"})
    resolution = fields.Nested(DurationOut, metadata={"description": "办结时长 / resolved_at − created_at"})
    completion_rate = fields.Nested(RateOut, metadata={"description": "办结率"})
    complaint_closure_rate = fields.Nested(RateOut, metadata={"description": "投诉办结率"})
    resolve_sla_compliance = fields.Nested(RateOut, metadata={"description": "办结时限达标率"})
    arrive_sla_compliance = fields.Nested(RateOut, metadata={"description": "到场时限达标率"})
    satisfaction = fields.Nested(SatisfactionOut, metadata={"description": "平均满意度 / average rating"})
    reopened_rate = fields.Nested(RateOut, metadata={"description": "重开率"})




def _readable_community_ids() -> list[int]:
    readable = require_staff().readable_communities()
    stmt = select(Community.id).order_by(Community.id)
    if readable is not None:
        stmt = stmt.where(Community.id.in_(readable or [-1]))
    return list(db.session.scalars(stmt))


def _period(args) -> kpis.Period:
    return kpis.Period(args["first"], args["last"])


def _span(period: kpis.Period) -> str:
    return f"{period.first.isoformat()}_{period.last.isoformat()}"


@blp.route("/communities/<int:community_id>/kpis", endpoint="community_kpis")
class CommunityKpis(MethodView):
    @blp.arguments(PeriodQuery, location="query")
    @blp.response(200, KpiOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """社区工单指标 / A community's ticket KPIs for a period (tickets created in it)"""
        community = readable_community(community_id)
        return {"community_id": community.id, **kpis.compute(_period(args), [community.id])}


@blp.route("/kpis", endpoint="tenant_kpis")
class TenantKpis(MethodView):
    @blp.arguments(PeriodQuery, location="query")
    @blp.response(200, KpiOut)
    @blp.alt_response(403, schema=ErrorSchema)
    def get(self, args):
        """全租户工单指标 / Ticket KPIs of every community the user can read"""
        return {"community_id": None, **kpis.compute(_period(args), _readable_community_ids())}


@blp.route("/communities/<int:community_id>/kpis.xlsx", endpoint="community_kpis_xlsx")
class CommunityKpisXlsx(MethodView):
    @blp.arguments(PeriodQuery, location="query")
    @blp.response(200, description="工单指标 Excel 表 / the KPIs as an .xlsx workbook", **XLSX_DOC)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """导出社区工单指标（Excel）/ Export a community's KPIs for a period (.xlsx)"""
        community = readable_community(community_id)
        period = _period(args)
        figures = kpis.compute(period, [community.id])
        return xlsx_response(lambda out: export.write_kpis(out, figures, community.name),
                                    download_name("kpis-community", community.id, _span(period), ext="xlsx"),
                                    download_name("工单指标", community.name, f"{period.first}至{period.last}", ext="xlsx"))


@blp.route("/tickets/export.xlsx", endpoint="tickets_export_xlsx")
class TicketsExport(MethodView):
    @blp.arguments(ExportQuery, location="query")
    @blp.response(200, description="工单台账 Excel 表 / the tickets as an .xlsx workbook", **XLSX_DOC)
    @blp.alt_response(403, schema=ErrorSchema)
    def get(self, args):
        """导出工单（Excel）/ Export the tickets created in a period (.xlsx; one community or all readable)"""
        require_staff()
        if args.get("community_id") is not None:
            community = db.session.get(Community, args["community_id"])
            if community is None or not require_staff().can_read(community.id):
                invalid("community_id", N_("Does not exist."), location="query")
            ids, scope, ascii_scope = [community.id], community.name, f"community-{community.id}"
        else:
            ids, scope, ascii_scope = _readable_community_ids(), "全部社区", "all"
        period = _period(args)
        if export.count_tickets(period, ids) > export.MAX_EXPORT_ROWS:
            invalid("to", N_("Too many tickets to export at once; choose a shorter period."), location="query")
        record("tickets.exported", details={"from": str(period.first), "to": str(period.last), "communities": ids})
        return xlsx_response(lambda out: export.write_tickets(out, period, ids),
                                    download_name("tickets", ascii_scope, _span(period), ext="xlsx"),
                                    download_name("工单台账", scope, f"{period.first}至{period.last}", ext="xlsx"))
