"""API of insurance and coverage: a worker's policies (list, add), one policy (read, correct,
delete a mistaken one), the community's insurance alerts, and the coverage figures.

Reading: anyone who reads the community (the core's gate); writing: the roster manager."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from wuye_core.plugins import Count, ErrorSchema, Rate, StrictSchema, current_identity, db

from . import figures, insurance
from .access import routed
from .models import Policy, Worker

blp = Blueprint("welfare_jobs_insurance", __name__, url_prefix="",
                description="公益岗位 · 保险与覆盖 / Public-welfare jobs: insurance and coverage")


class PolicyExpiringOut(StrictSchema):
    policy_id = fields.Integer()
    worker_id = fields.Integer()
    worker_name = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    insurer = fields.String()
    policy_no = fields.String(allow_none=True)
    ends_on = fields.Date()
    days_left = fields.Integer()


class UninsuredOut(StrictSchema):
    worker_id = fields.Integer()
    worker_name = fields.String()
    missing = fields.List(fields.String(), metadata={"description": "缺少的险种 / kinds lacking today"})
    missing_labels = fields.List(fields.String())


class InsuranceAlertsOut(StrictSchema):
    day = fields.Date()
    alert_days = fields.Integer()
    required = fields.List(fields.String())
    expiring = fields.List(fields.Nested(PolicyExpiringOut))
    uninsured = fields.List(fields.Nested(UninsuredOut))


class WelfareCoverageQuery(StrictSchema):
    day = fields.Date(metadata={"description": "哪一天（默认今天）/ the day (today by default)"})


class WelfareCoverageOut(StrictSchema):
    day = fields.Date()
    people_on_post = Count()
    posts = Count()
    headcount = Count()
    vacancies = Count()
    insured = Count()
    uninsured = Count()
    insured_rate = Rate()
    checks_year = fields.Integer()
    checks_done = Count()
    checks_due = Count()
    checks_overdue = Count()
    checked_rate = Rate()
    policies_expiring = Count()
    vacancy_reports_overdue = Count()
    placements_ending = Count()


@blp.route("/workers/<int:worker_id>/policies")
class WorkerPolicies(MethodView):
    @blp.response(200, insurance.InsurancePolicyOut(many=True))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, worker_id):
        """一名人员的保单（按险种）/ A worker's policies, by kind"""
        worker = routed(Worker, worker_id)
        return insurance.policies_of(worker.id)

    @blp.arguments(insurance.InsurancePolicyIn)
    @blp.response(201, insurance.InsurancePolicyOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="同一险种期间重叠 / overlaps a policy of the same kind")
    def post(self, data, worker_id):
        """登记保单（公益岗管理员）/ Add a policy (the roster manager)"""
        routed(Worker, worker_id)
        return insurance.add_policy(worker_id, data, current_identity().username)


@blp.route("/policies/<int:policy_id>")
class PolicyItem(MethodView):
    @blp.response(200, insurance.InsurancePolicyOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, policy_id):
        """一份保单 / A policy"""
        return routed(Policy, policy_id)

    @blp.arguments(insurance.InsurancePolicyPatch)
    @blp.response(200, insurance.InsurancePolicyOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def patch(self, data, policy_id):
        """更正保单（记入审计）/ Correct a policy (audited)"""
        routed(Policy, policy_id)
        return insurance.change_policy(policy_id, data)

    @blp.response(204)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def delete(self, policy_id):
        """删除误录的保单（公益岗管理员，记入审计）/ Delete a policy entered by mistake (the roster manager, audited)"""
        routed(Policy, policy_id)
        insurance.delete_policy(policy_id)
        db.session.flush()


@blp.route("/communities/<int:community_id>/policies/expiring")
class Expiring(MethodView):
    @blp.response(200, InsuranceAlertsOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, community_id):
        """保险提醒：在岗人员即将到期的保单，今天缺少必备险种的在岗人员 / Insurance alerts: policies of workers
        on post ending within the alert days, and workers on post lacking a required kind today"""
        return insurance.alerts(community_id)


@blp.route("/communities/<int:community_id>/coverage")
class Coverage(MethodView):
    @blp.arguments(WelfareCoverageQuery, location="query")
    @blp.response(200, WelfareCoverageOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """覆盖情况：在岗、空岗、参保率、体检、即将到期与逾期（只有数字）/ Coverage figures: on post, vacancies,
        insured rate, health checks, what expires or is overdue (counts only)"""
        return figures.coverage(community_id, args.get("day"))
