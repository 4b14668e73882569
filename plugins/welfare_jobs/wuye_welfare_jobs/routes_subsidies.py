"""API of the monthly subsidies (月度补贴) and the claim sheet (实名制花名册): roster manager only.

    POST /communities/<id>/subsidies/<YYYY-MM>/compute      (re)compute the draft
    POST /communities/<id>/subsidies/<YYYY-MM>/submit       the draft is claimed: final
    GET  /communities/<id>/subsidies/<YYYY-MM>              its state, totals and rows (paged)
    GET  /communities/<id>/subsidies/<YYYY-MM>/roster.xlsx  the claim sheet (full ID numbers; audited)

Money is integer fen. The rules are in subsidies.py, the sheet in subsidy_roster.py.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from wuye_core.plugins import (
    XLSX_DOC,
    Conflict,
    ErrorSchema,
    PageArgs,
    Sort,
    StrictSchema,
    page_schema,
    paginate,
    staff_names,
)

from . import subsidies
from .access import require_manager
from .i18n import N_
from .models import Subsidy
from .months import MONTH_PATTERN
from .subsidy_roster import roster_download

blp = Blueprint("welfare_jobs_subsidies", __name__,
                description="公益岗位 · 月度补贴与实名制花名册 / Public-welfare jobs: monthly subsidies and the claim roster")


class SubsidyRowOut(StrictSchema):
    id = fields.Integer(dump_only=True)
    worker_id = fields.Integer(dump_only=True)
    worker_name = fields.String(dump_only=True, allow_none=True)
    id_number_masked = fields.String(dump_only=True, allow_none=True,
                                     metadata={"description": "身份证号（脱敏）/ the ID number, masked"})
    placement_id = fields.Integer(dump_only=True)
    post_id = fields.Integer(dump_only=True)
    post_name = fields.String(dump_only=True, allow_none=True)
    days_required = fields.Integer(dump_only=True, metadata={"description": "满勤天数 / days for the full subsidy"})
    days_counted = fields.Integer(dump_only=True, metadata={"description": "出勤＋带薪假天数 / present + paid leave"})
    minimum_wage_fen = fields.Integer(dump_only=True, metadata={"description": "计算时的最低工资（分）/ as computed"})
    insurance_base_fen = fields.Integer(dump_only=True, metadata={"description": "计算时的缴费基数（分）"})
    insurance_rate_bp = fields.Integer(dump_only=True, metadata={"description": "计算时的补贴比例（万分之）"})
    post_subsidy_fen = fields.Integer(dump_only=True, metadata={"description": "岗位补贴（分）/ post subsidy"})
    insurance_subsidy_fen = fields.Integer(dump_only=True, metadata={"description": "社保补贴（分）/ insurance subsidy"})
    total_fen = fields.Integer(dump_only=True, metadata={"description": "合计（分）/ total"})


class SubsidyQuery(PageArgs):
    sort = Sort("id", "days_counted", "post_subsidy_fen", default="id",
                descriptions={"id": "花名册顺序：按岗位、姓名 / the roster's order: by post, then name"})


class MonthOut(StrictSchema):
    id = fields.Integer(dump_only=True, allow_none=True)
    community_id = fields.Integer(dump_only=True)
    month = fields.String(dump_only=True, metadata={"description": "YYYY-MM"})
    status = fields.String(dump_only=True, metadata={
        "description": "not_computed 未计算 / draft 草稿（可重新计算）/ submitted 已申报（不可再改）"})
    people = fields.Integer(dump_only=True)
    post_total_fen = fields.Integer(dump_only=True)
    insurance_total_fen = fields.Integer(dump_only=True)
    total_fen = fields.Integer(dump_only=True)
    computed_at = fields.DateTime(dump_only=True, allow_none=True)
    computed_by = fields.String(dump_only=True, allow_none=True)
    computed_by_name = fields.String(dump_only=True, allow_none=True)
    submitted_on = fields.Date(dump_only=True, allow_none=True)
    submitted_by = fields.String(dump_only=True, allow_none=True)
    submitted_by_name = fields.String(dump_only=True, allow_none=True)
    rows = fields.Nested(page_schema(SubsidyRowOut), dump_only=True)


# the path's month, documented (flask-smorest documents a path parameter from the rule; a
# parameter of the same name and location given to `route` completes it)
MONTH_PARAMETER = [{"in": "path", "name": "month", "required": True, "schema": {
    "type": "string", "pattern": MONTH_PATTERN, "example": "2026-11"},
    "description": "月份 YYYY-MM，已开始的月份 / the month, YYYY-MM (one that has begun)"}]
DEFAULT_PAGE = {"page": 1, "per_page": 20, "sort": (("id", False),)}


def month_out(community_id: int, first, args: dict | None = None) -> dict:
    """The month's state with one page of its rows (the API's and the pages' shape)."""
    state = subsidies.month_state(community_id, first)
    page = paginate(subsidies.rows_statement(state["id"]), Subsidy, args or DEFAULT_PAGE)
    page["items"] = subsidies.rows_out(page["items"])
    names = staff_names([n for n in (state["computed_by"], state["submitted_by"]) if n])
    state["computed_by_name"] = names.get(state["computed_by"]) if state["computed_by"] else None
    state["submitted_by_name"] = names.get(state["submitted_by"]) if state["submitted_by"] else None
    state["rows"] = page
    return state


@blp.route("/communities/<int:community_id>/subsidies/<month>", parameters=MONTH_PARAMETER)
class Month(MethodView):
    @blp.arguments(SubsidyQuery, location="query")
    @blp.response(200, MonthOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, args, community_id, month):
        """一个月的补贴：状态、合计、每人一行（分页，身份证号脱敏）/ A month's subsidies: state, totals,
        one row per worker (paged, ID numbers masked)"""
        require_manager(community_id)
        return month_out(community_id, subsidies.parse_month(month), args)


@blp.route("/communities/<int:community_id>/subsidies/<month>/compute", parameters=MONTH_PARAMETER)
class Compute(MethodView):
    @blp.response(200, MonthOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self, community_id, month):
        """计算（重新计算）月度补贴草稿：按在岗安置、出勤和当前配置；已申报的月份 409 / (Re)compute the
        month's draft from the placements, the attendance and the config; a submitted month is a 409"""
        identity = require_manager(community_id)
        first = subsidies.parse_month(month)
        subsidies.compute_month(community_id, first, identity.username)
        return month_out(community_id, first)


@blp.route("/communities/<int:community_id>/subsidies/<month>/submit", parameters=MONTH_PARAMETER)
class Submit(MethodView):
    @blp.response(200, MonthOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self, community_id, month):
        """申报：草稿变为已申报（不可再计算）；未计算、无人或已申报 409 / Submit the draft to the office (final);
        never computed, empty or submitted already: 409"""
        identity = require_manager(community_id)
        first = subsidies.parse_month(month)
        subsidies.submit_month(community_id, first, identity.username)
        return month_out(community_id, first)


def computed_month(community_id: int, first):
    """The month's row for its claim sheet; 409 when it was never computed."""
    found = subsidies.find_month(community_id, first)
    if found is None:
        raise Conflict(N_("Compute the month before downloading its roster."), {"status": "not_computed"})
    return found


@blp.route("/communities/<int:community_id>/subsidies/<month>/roster.xlsx", parameters=MONTH_PARAMETER)
class Roster(MethodView):
    @blp.response(200, description="实名制花名册及补贴申报表 / the claim roster (.xlsx)", **XLSX_DOC)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, community_id, month):
        """实名制花名册及补贴申报表（Excel，完整身份证号和银行账号，记入审计；草稿在标题上注明）/ The
        month's real-name roster and subsidy claim (.xlsx: full ID numbers and bank accounts, audited;
        a draft says so in its title)"""
        require_manager(community_id)
        return roster_download(computed_month(community_id, subsidies.parse_month(month)))
