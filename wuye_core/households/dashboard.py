"""A community's dashboard and report: the core's figures plus those of its enabled plugins.

The core contributes through the same hooks as any plugin (it is registered as the always-on
plugin "core"), so the dashboard has one code path.
"""

from __future__ import annotations

from datetime import date

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError, fields, validates_schema
from sqlalchemy import func, select

from ..common.schemas import StrictSchema
from ..errors import ErrorSchema
from ..extensions import db
from ..host import enablement
from ..host.dispatch import call_contained, host
from ..host.hookspecs import hookimpl
from ..host.types import Figure, ReportSection
from ..i18n import N_
from .access import readable_community
from .models import Building, Household, Resident, Site

blp = Blueprint("dashboards", __name__, url_prefix="/api/v1/communities", description="看板与报告 / Dashboards and reports")


class FigureOut(StrictSchema):
    plugin = fields.String()
    key = fields.String()
    label_zh = fields.String()
    label_en = fields.String()
    value = fields.Raw(allow_none=True)
    unit = fields.String()


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
    period_start = fields.Date()
    period_end = fields.Date()
    sections = fields.List(fields.Nested(SectionOut))


class PeriodArgs(StrictSchema):
    start = fields.Date(data_key="from", required=True, metadata={"description": "首日（含）/ first day; from ≤ to"})
    end = fields.Date(data_key="to", required=True, metadata={"description": "末日（含）/ last day; from ≤ to"})

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data["start"] > data["end"]:
            raise ValidationError(N_("The start of the period is after its end."), "from")


def _plugin_config(community_id: int):
    """Each plugin's config for the community, read in one query for all of them (not one per plugin)."""
    configs = enablement.community_configs(host(), community_id)

    def config_for(plugin_name: str) -> dict:
        return {"config": configs.get(plugin_name, {})}

    return config_for


@blp.route("/<int:community_id>/dashboard", endpoint="community_dashboard")
class Dashboard(MethodView):
    @blp.response(200, DashboardOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, community_id):
        """社区看板 / A community's dashboard figures (core and enabled plugins)"""
        community = readable_community(community_id)
        results = call_contained("wuye_dashboard_figures", community.id, per_plugin=_plugin_config(community.id),
                                 tenant_id=community.tenant_id, community_id=community.id)
        figures = [{"plugin": name, **vars(f)} for name, figs in results for f in (figs or [])]
        return {"community_id": community.id, "figures": figures}


@blp.route("/<int:community_id>/report", endpoint="community_report")
class Report(MethodView):
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, ReportOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, period, community_id):
        """社区报告 / A community's report for a period (sections from core and enabled plugins)"""
        community = readable_community(community_id)
        results = call_contained("wuye_report_sections", community.id, per_plugin=_plugin_config(community.id),
                                 tenant_id=community.tenant_id, community_id=community.id,
                                 period_start=period["start"], period_end=period["end"])
        sections = [{"plugin": name, **vars(s)} for name, secs in results for s in (secs or [])]
        return {"community_id": community.id, "period_start": period["start"], "period_end": period["end"],
                "sections": sections}


# --- the core as the always-on plugin ------------------------------------------------------------


class CoreFigures:
    """Register counts, contributed through the public hooks like any plugin."""

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
        ]

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
