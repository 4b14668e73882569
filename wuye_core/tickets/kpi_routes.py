"""HTTP endpoints of ticket KPIs and Excel exports (definitions: tickets/kpis.py).

    GET /api/v1/communities/<id>/kpis?from=&to=         one community's KPIs (JSON)
    GET /api/v1/kpis?from=&to=                          tenant-wide: the communities the user can read,
                                                        in all and community by community
    GET /api/v1/communities/<id>/kpis.xlsx?from=&to=    one community's KPIs as a workbook
    GET /api/v1/kpis.xlsx?from=&to=                     tenant-wide, with a sheet of one row per community
    GET /api/v1/tickets/export.xlsx?from=&to=[&community_id=]   the period's tickets as a workbook

`from` and `to` are Beijing dates, both included, at most three years apart, both optional:
this month (the 1st to today) when both are left out (common/periods.py); the response's
`period` says which period was used. Whether an open
ticket's deadline has passed (SLA figures) is judged at the time of the request; the JSON leaves
that instant out so that the same data always gives the same answer (the workbook shows it).
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..common.fields import Count, Id, Minutes, Rate, Satisfaction
from ..common.periods import PeriodArgs
from ..common.spreadsheets import XLSX_DOC
from ..errors import ErrorSchema
from ..households.access import readable_community
from . import exporting, kpis

blp = Blueprint("ticket_kpis", __name__, url_prefix="/api/v1",
                description="工单指标与 Excel 导出 / Ticket KPIs and Excel exports")

PeriodQuery = PeriodArgs  # the one period schema of every figure endpoint (common/periods.py)


class ExportQuery(PeriodQuery):
    community_id = Id(metadata={"description": "只导出这个社区 / only this community"})


class PeriodOut(Schema):
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    start = fields.DateTime(metadata={"description": "起点（含）/ start instant, included"})
    end = fields.DateTime(metadata={"description": "终点（不含）/ end instant, excluded"})
    timezone = fields.String()


class RateOut(Schema):
    value = Rate(metadata={"description": "numerator / denominator"})
    numerator = Count()
    denominator = Count()


class DurationOut(Schema):
    count = Count(metadata={"description": "有该时间的工单数 / tickets with the timestamp"})
    p50_minutes = Minutes(metadata={"description": "中位数 / median"})
    p90_minutes = Minutes(metadata={"description": "P90"})


class SatisfactionOut(Schema):
    average = Satisfaction()
    rated = Count(metadata={"description": "有评分的工单 / rated tickets"})


def _counts(description: str):
    return fields.Dict(keys=fields.String(), values=Count(), metadata={"description": description})


class KpiFigures(Schema):
    """The figures of some communities' tickets in a period (units: README, "API conventions")."""

    total = Count(metadata={"description": "期间提交的工单 / tickets created in the period"})
    open = Count(metadata={"description": "未办结 / still open"})
    by_kind = _counts("按类型 / by kind")
    by_category = _counts("按类别 / by category")
    by_status = _counts("按状态 / by status")
    by_priority = _counts("按优先级 / by priority")
    response = fields.Nested(DurationOut, metadata={"description": "受理时长 / accepted_at − created_at"})
    resolution = fields.Nested(DurationOut, metadata={"description": "办结时长 / resolved_at − created_at"})
    completion_rate = fields.Nested(RateOut, metadata={"description": "办结率 / completion"})
    complaint_closure_rate = fields.Nested(RateOut, metadata={"description": "投诉办结率 / complaints closed"})
    resolve_sla_rate = fields.Nested(RateOut, metadata={"description": "办结时限达标率 / resolve deadlines met"})
    arrive_sla_rate = fields.Nested(RateOut, metadata={"description": "到场时限达标率 / arrive deadlines met"})
    satisfaction = fields.Nested(SatisfactionOut, metadata={"description": "平均满意度 / average rating"})
    reopened_rate = fields.Nested(RateOut, metadata={"description": "重开率 / reopened"})


class CommunityKpiOut(KpiFigures):
    community_id = fields.Integer()
    name = fields.String(metadata={"description": "社区名称 / the community's name"})


class KpiOut(KpiFigures):
    community_id = fields.Integer(allow_none=True, metadata={"description": "全租户时为 null / null tenant-wide"})
    community_ids = fields.List(fields.Integer(), metadata={"description": "计入的社区 / communities included"})
    period = fields.Nested(PeriodOut, metadata={"description": "所用的统计期间（含默认的本月）/ the period used "
                                                               "(this month when none was asked)"})


class TenantKpiOut(KpiOut):
    communities = fields.List(fields.Nested(CommunityKpiOut), metadata={
        "description": "按社区：当前用户可读的每个社区，数字同上，计数之和等于合计 / by community: each community the "
                       "user can read, the same figures; their counts add up to the totals"})



def _period(args) -> kpis.Period:
    return kpis.Period(args["first"], args["last"])


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
    @blp.response(200, TenantKpiOut)
    @blp.alt_response(403, schema=ErrorSchema)
    def get(self, args):
        """全租户工单指标（合计与按社区）/ Ticket KPIs of every community the user can read, in all and by community"""
        return exporting.tenant_kpis(_period(args))


@blp.route("/kpis.xlsx", endpoint="tenant_kpis_xlsx")
class TenantKpisXlsx(MethodView):
    @blp.arguments(PeriodQuery, location="query")
    @blp.response(200, description="全租户工单指标 Excel 表（含按社区）/ the tenant's KPIs as an .xlsx workbook, "
                                   "with a sheet of one row per community", **XLSX_DOC)
    @blp.alt_response(403, schema=ErrorSchema)
    def get(self, args):
        """导出全租户工单指标（Excel，含按社区）/ Export the KPIs of every readable community (.xlsx)"""
        return exporting.tenant_kpis_xlsx(_period(args))


@blp.route("/communities/<int:community_id>/kpis.xlsx", endpoint="community_kpis_xlsx")
class CommunityKpisXlsx(MethodView):
    @blp.arguments(PeriodQuery, location="query")
    @blp.response(200, description="工单指标 Excel 表 / the KPIs as an .xlsx workbook", **XLSX_DOC)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """导出社区工单指标（Excel）/ Export a community's KPIs for a period (.xlsx)"""
        return exporting.community_kpis_xlsx(readable_community(community_id), _period(args))


@blp.route("/tickets/export.xlsx", endpoint="tickets_export_xlsx")
class TicketsExport(MethodView):
    @blp.arguments(ExportQuery, location="query")
    @blp.response(200, description="工单台账 Excel 表 / the tickets as an .xlsx workbook", **XLSX_DOC)
    @blp.alt_response(403, schema=ErrorSchema)
    def get(self, args):
        """导出工单（Excel）/ Export the tickets created in a period (.xlsx; one community or all readable)"""
        return exporting.tickets_xlsx(_period(args), args.get("community_id"))
