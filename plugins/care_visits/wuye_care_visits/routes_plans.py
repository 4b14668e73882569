"""走访计划 / visit plans: monthly or quarterly from the register and levels, extra weather rounds,
who is due or overdue, assignment to staff."""

from __future__ import annotations

from flask.views import MethodView

from wuye_core.plugins import (
    ErrorSchema,
    current_identity,
    page_schema,
    paginate,
)

from . import listing, service
from . import schemas as s
from .access import CareBlueprint, audit, audited, care_community, care_object
from .models import CarePlanItem

blp = CareBlueprint(
    "care_visits_plans", __name__, url_prefix="", description="走访关爱 · 走访计划 / Care visits: visit plans"
)


@blp.route("/communities/<int:community_id>/plans")
class Plans(MethodView):
    @audited("list_plans")
    @blp.arguments(s.PlanQuery, location="query")
    @blp.response(200, page_schema(s.PlanItemOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """计划中的走访：应访、逾期、已完成（默认最新在前；`sort=due_on` 按应访日期）/ Planned visits: due, overdue,
        done (newest first; `sort=due_on`: by due date)"""
        care_community(community_id)
        page = paginate(listing.plans_query(community_id, args), CarePlanItem, args)
        page["items"] = listing.plan_items_out(page["items"])
        audit(community_id)
        return page


@blp.route("/communities/<int:community_id>/plans/generate")
class PlanGenerate(MethodView):
    @audited("generate_plan")
    @blp.arguments(s.PlanGenerateIn)
    @blp.response(201, s.CountOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, data, community_id):
        """按分级生成月度/季度计划（可重复调用）/ Generate a month's or quarter's plan (idempotent)"""
        care_community(community_id)
        audit(community_id, commit=False)  # generate_plan commits it with the plan
        return {"created": service.generate_plan(community_id, data["period"])}


@blp.route("/communities/<int:community_id>/plans/weather")
class WeatherRound(MethodView):
    @audited("weather_round")
    @blp.arguments(s.WeatherRoundIn)
    @blp.response(201, s.CountOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, data, community_id):
        """极端天气加访（指定分级）/ An extra round for extreme weather, for chosen levels"""
        care_community(community_id)
        audit(community_id, commit=False)  # weather_round commits it with the round
        return {
            "created": service.weather_round(
                community_id, data["levels"], data["reason"], data["due_on"], current_identity().username
            )
        }


@blp.route("/plan-items/<int:plan_item_id>")
class PlanItem(MethodView):
    @audited("assign_plan_item")
    @blp.arguments(s.PlanItemPatch)
    @blp.response(200, s.PlanItemOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def patch(self, data, plan_item_id):
        """指派走访人员（须有关爱角色）/ Assign to a staff user who holds a care role there"""
        item = care_object(CarePlanItem, plan_item_id, lock=True)  # gone if erased meanwhile: 404
        service.assign_plan_item(  # the access-log row commits the change with it
            item, data["assignee_id"], audit=lambda i: audit(i.community_id, i.person_id, "plan_item", i.id))
        return listing.plan_items_out([item])[0]

