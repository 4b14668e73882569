"""A community's dashboard and report: the core's figures plus those of its enabled plugins.

The core contributes through the same hooks as any plugin (it is registered as the always-on
plugin "core"), so the dashboard has one code path.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import func, select

from ..common.fields import FIGURE_VALUE_DOC
from ..common.periods import PeriodArgs
from ..common.schemas import StrictSchema
from ..errors import ErrorSchema
from ..extensions import db
from ..host.hookspecs import hookimpl
from ..host.types import Figure, ReportSection
from .access import readable_community
from .figures import dashboard_figures
from .models import Building, Household, Resident, Site
from .reports import community_report

blp = Blueprint("dashboards", __name__, url_prefix="/api/v1/communities", description="看板与报告 / Dashboards and reports")


class FigureOut(StrictSchema):
    plugin = fields.String()
    key = fields.String()
    label_zh = fields.String()
    label_en = fields.String()
    value = fields.Raw(allow_none=True, metadata={"description": FIGURE_VALUE_DOC})
    unit = fields.String(metadata={"description": "显示在计数后面的量词（人、件、次）；比率为空 / the word shown after "
                                                  "a count (人, 件, 次); empty for a rate"})


class DashboardOut(StrictSchema):
    community_id = fields.Integer()
    figures = fields.List(fields.Nested(FigureOut))


class SectionOut(StrictSchema):
    plugin = fields.String()
    key = fields.String()
    title_zh = fields.String()
    title_en = fields.String()
    rows = fields.List(fields.Dict())
    text = fields.String()


class ReportOut(StrictSchema):
    community_id = fields.Integer()
    period_start = fields.Date(metadata={"description": "所用期间的首日（不填为本月 1 日）/ the first day used "
                                                        "(the 1st of this month when none was asked)"})
    period_end = fields.Date(metadata={"description": "所用期间的末日（含；不填为今天）/ the last day used, "
                                                      "included (today when none was asked)"})
    sections = fields.List(fields.Nested(SectionOut))


@blp.route("/<int:community_id>/dashboard", endpoint="community_dashboard")
class Dashboard(MethodView):
    @blp.response(200, DashboardOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, community_id):
        """社区看板 / A community's dashboard figures (core and enabled plugins)"""
        community = readable_community(community_id)
        return {"community_id": community.id, "figures": dashboard_figures(community.id, community.tenant_id)}


@blp.route("/<int:community_id>/report", endpoint="community_report")
class Report(MethodView):
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, ReportOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """社区报告 / A community's report for a period (sections from core and enabled plugins; this month by default)"""
        community = readable_community(community_id)
        return community_report(community, args["first"], args["last"])


# --- the core as the always-on plugin ------------------------------------------------------------


class CoreFigures:
    """Register counts, contributed through the public hooks like any plugin; the core's features
    above this package (tickets) add theirs with `contribute` (app.py wires them), so they come
    under the plugin name "core" in the same hook call and the same savepoint."""

    def __init__(self):
        self.contributors: list[Callable[[int], list[Figure]]] = []

    def contribute(self, figures: Callable[[int], list[Figure]]) -> None:
        """Add `figures(community_id)` to the core's dashboard figures (once, however many apps)."""
        if figures not in self.contributors:
            self.contributors.append(figures)

    @hookimpl
    def wuye_dashboard_figures(self, community_id):
        def count(model):
            return db.session.scalar(select(func.count(model.id)).where(model.community_id == community_id))

        households = db.session.scalar(select(func.count(Household.id)).where(
            Household.community_id == community_id, Household.moved_out_on.is_(None)))
        return [
            Figure("sites", "小区/村湾", "Sites", count(Site)),
            Figure("buildings", "楼栋", "Buildings", count(Building)),
            Figure("households", "在住户数", "Households living here", households),
            Figure("residents", "居民", "Residents", count(Resident)),
        ] + [figure for contributor in self.contributors for figure in contributor(community_id)]

    @hookimpl
    def wuye_report_sections(self, community_id, period_start: date, period_end: date):
        moved_in = db.session.scalar(select(func.count(Household.id)).where(
            Household.community_id == community_id, Household.moved_in_on.between(period_start, period_end)))
        moved_out = db.session.scalar(select(func.count(Household.id)).where(
            Household.community_id == community_id, Household.moved_out_on.between(period_start, period_end)))
        return [ReportSection("register", "住户变动", "Register changes", rows=[
            {"label_zh": "迁入户数", "label_en": "Households moved in", "value": moved_in},
            {"label_zh": "迁出户数", "label_en": "Households moved out", "value": moved_out},
        ])]


core_plugin = CoreFigures()
