"""API of the yearly health checks: schedule a year's, list them by state, read and record one.
Results and notes are health data: the roster manager's only (null for other readers; 403 to write)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from wuye_core.plugins import ErrorSchema, current_identity, page_schema, paginate

from . import health
from .access import routed
from .models import HealthCheck

blp = Blueprint("welfare_jobs_health", __name__, url_prefix="",
                description="公益岗位 · 年度体检 / Public-welfare jobs: yearly health checks")


@blp.route("/communities/<int:community_id>/health-checks/schedule")
class Schedule(MethodView):
    @blp.arguments(health.HealthScheduleIn)
    @blp.response(200, health.HealthScheduleOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, data, community_id):
        """排定年度体检：当年在岗、尚无当年体检的每名人员一条（可重复调用）/ Schedule the year's checks for
        everyone on post that year without one (idempotent)"""
        return {"year": data["year"], "created": health.schedule(community_id, data["year"])}


@blp.route("/communities/<int:community_id>/health-checks")
class Checks(MethodView):
    @blp.arguments(health.HealthCheckQuery, location="query")
    @blp.response(200, page_schema(health.HealthCheckOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """一年的体检（默认今年），可按状态筛选；“不适合本岗位”标出 / A year's checks by state; "unfit" flagged"""
        page = paginate(health.listed(community_id, args), HealthCheck, args)
        page["items"] = health.shown(page["items"], community_id)
        return page


@blp.route("/health-checks/<int:check_id>")
class Check(MethodView):
    @blp.response(200, health.HealthCheckOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, check_id):
        """一次体检 / A check"""
        check = routed(HealthCheck, check_id)
        return health.shown([check], check.community_id)[0]

    @blp.arguments(health.HealthCheckPatch)
    @blp.response(200, health.HealthCheckOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def patch(self, data, check_id):
        """记录体检结果（公益岗管理员；更正记入审计）/ Record a check's result (the roster manager; corrections
        audited)"""
        routed(HealthCheck, check_id)
        check = health.record(check_id, data, current_identity().username)
        return health.shown([check], check.community_id)[0]
