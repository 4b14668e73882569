"""/api/v1/supervision: the street reads, read-only, how the companies linked to it serve its sites.

    GET /api/v1/supervision/providers                                   the companies and their links
    GET /api/v1/supervision/providers/<provider_id>/tickets             their tickets of the linked sites
    GET /api/v1/supervision/providers/<provider_id>/tickets/<ticket_id> one, with history and ratings
    GET /api/v1/supervision/providers/<provider_id>/kpis?from=&to=      the core's KPIs of those tickets
    GET /api/v1/supervision/street-figures?from=&to=                    by community and organisation
    GET /api/v1/supervision/street-figures.xlsx?from=&to=               the same as a workbook

Who: staff who read the link's client community (a field worker: 403; another community's clerk:
404, as for a company with no link). Each read of a company's data is one grant (grant.py) and is
recorded in that company's audit trail, committed with the answer.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..api.access import require_staff
from ..api.pagination import page_schema
from ..auth.roles import Identity
from ..common.spreadsheets import XLSX_DOC
from ..errors import ErrorSchema
from ..i18n import N_
from ..tickets import kpis
from . import figures, streetwide, tickets
from . import schemas as s

blp = Blueprint("supervision", __name__, url_prefix="/api/v1/supervision",
                description="属地监管（只读）/ Supervision of linked companies, read-only")


def supervisor() -> Identity:
    """Staff who read some community (a field worker reads no register: 403)."""
    identity = require_staff()
    if identity.readable_communities() == set():
        abort(403, message=N_("Your role does not allow this."))
    return identity


def _period(args) -> kpis.Period:
    return kpis.Period(args["first"], args["last"])


@blp.route("/providers", endpoint="providers")
class Providers(MethodView):
    @blp.arguments(s.ProvidersQuery(), location="query")
    @blp.response(200, page_schema(s.ProviderOut))
    @blp.alt_response(403, schema=ErrorSchema)
    def get(self, args):
        """为本方小区服务的企业及服务关系 / The companies serving our sites through links in force"""
        found = tickets.providers(supervisor())
        for field, descending in reversed(tuple(args["sort"]) + (("id", False),)):
            found.sort(key=lambda p, f=field: p[f], reverse=descending)
        start = (args["page"] - 1) * args["per_page"]
        return {"items": found[start:start + args["per_page"]], "total": len(found), "page": args["page"],
                "per_page": args["per_page"]}


@blp.route("/providers/<int:provider_id>/tickets", endpoint="tickets")
class ProviderTickets(MethodView):
    @blp.arguments(s.SupervisedTicketQuery(), location="query")
    @blp.response(200, page_schema(s.SupervisedTicketOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, provider_id):
        """服务企业在本方小区的工单（只读，报事人脱敏）/ The company's tickets of our linked sites (read-only,
        reporter masked)

        筛选与工单列表相同；`site_id` 是本方小区。每次查阅记入对方的审计日志。/ The ticket list's filters;
        `site_id` is our site. Every read is recorded in the company's audit trail."""
        return tickets.ticket_page(provider_id, supervisor(), args)


@blp.route("/providers/<int:provider_id>/tickets/<int:ticket_id>", endpoint="ticket")
class ProviderTicket(MethodView):
    @blp.response(200, s.SupervisedTicketDetail)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, provider_id, ticket_id):
        """查看服务企业的一张工单（含流转记录与评价）/ One of the company's tickets, with its history and ratings"""
        return tickets.ticket_detail(provider_id, ticket_id, supervisor())


@blp.route("/providers/<int:provider_id>/kpis", endpoint="kpis")
class ProviderKpis(MethodView):
    @blp.arguments(s.SupervisedKpiQuery(), location="query")
    @blp.response(200, s.SupervisedKpiOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, provider_id):
        """服务企业在本方小区的工单指标（与工单指标定义相同）/ The company's KPIs over our linked sites (the
        core's definitions)"""
        return tickets.provider_kpis(provider_id, supervisor(), _period(args), args.get("site_id"))


@blp.route("/street-figures", endpoint="street_figures")
class StreetFigures(MethodView):
    @blp.arguments(s.PeriodArgs(), location="query")
    @blp.response(200, s.StreetFiguresOut)
    @blp.alt_response(403, schema=ErrorSchema)
    def get(self, args):
        """街道汇总：按社区、按服务单位（本单位与各服务企业）的工单指标 / Street-wide figures by community and by
        serving organisation (ours and each linked company's)"""
        return figures.street_figures(supervisor(), _period(args))


@blp.route("/street-figures.xlsx", endpoint="street_figures_xlsx")
class StreetFiguresXlsx(MethodView):
    @blp.arguments(s.PeriodArgs(), location="query")
    @blp.response(200, description="街道汇总 Excel 表 / the comparison as an .xlsx workbook", **XLSX_DOC)
    @blp.alt_response(403, schema=ErrorSchema)
    def get(self, args):
        """导出街道汇总（Excel）/ Export the street-wide comparison (.xlsx)"""
        return streetwide.street_figures_xlsx(supervisor(), _period(args))
