"""A tenant administrator's view of plugin deliveries that gave up, and a way to retry one.

    GET  /api/v1/plugin-deliveries?state=parked      the tenant's deliveries in that state
    POST /api/v1/plugin-deliveries/<id>/retry        one more try of a parked delivery

Scoped to the caller's tenant by the framework like every route; another tenant's delivery
is a 404. Platform operators read no tenant data: they use `wuye jobs failed` / `retry`.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from ..api.access import require_tenant_admin
from ..api.pagination import PageArgs, Sort, page_schema, paginate
from ..common.schemas import StrictSchema
from ..errors import ErrorSchema
from ..extensions import db
from .deliveries import DeliveryState, PluginDelivery, parked_query
from .outbox import OutboxEvent
from .relay import retry_parked

blp = Blueprint("plugin_deliveries", __name__, url_prefix="/api/v1/plugin-deliveries",
                description="插件事件投递 / Plugin event deliveries")


class DeliveryQuery(PageArgs):
    state = fields.String(load_default=DeliveryState.parked.value,
                          validate=validate.OneOf([s.value for s in DeliveryState]),
                          metadata={"description": "pending / delivered / parked（默认）/ skipped"})
    sort = Sort("id", "created_at", "updated_at", "next_attempt_at")


class DeliveredEventOut(StrictSchema):
    id = fields.String(metadata={"description": "事件 id / event id"})
    name = fields.String()
    community_id = fields.Integer(allow_none=True)
    object_id = fields.Integer(allow_none=True)
    occurred_at = fields.DateTime()


class DeliveryOut(StrictSchema):
    id = fields.Integer()
    plugin = fields.String()
    state = fields.String()
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime(allow_none=True)
    event = fields.Nested(DeliveredEventOut)


def _out(delivery: PluginDelivery, event: OutboxEvent) -> dict:
    return {"id": delivery.id, "plugin": delivery.plugin, "state": delivery.state.value,
            "attempts": delivery.attempts, "next_attempt_at": delivery.next_attempt_at,
            "last_error": delivery.last_error, "created_at": delivery.created_at, "updated_at": delivery.updated_at,
            "event": {"id": event.event_id, "name": event.name, "community_id": event.community_id,
                      "object_id": event.object_id, "occurred_at": event.occurred_at}}


@blp.route("", endpoint="deliveries_collection")
class Deliveries(MethodView):
    @blp.arguments(DeliveryQuery, location="query")
    @blp.response(200, page_schema(DeliveryOut))
    @blp.alt_response(403, schema=ErrorSchema)
    def get(self, args):
        """本租户的插件投递（默认：已搁置）/ The tenant's plugin deliveries (default: parked)"""
        require_tenant_admin()
        state = DeliveryState(args["state"])
        page = paginate(parked_query(state), PluginDelivery, args)
        page["items"] = [_out(d, e) for d, e in page["items"]]
        return page


@blp.route("/<int:delivery_id>/retry", endpoint="delivery_retry")
class DeliveryRetry(MethodView):
    @blp.response(200, DeliveryOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def post(self, delivery_id):
        """重试一次已搁置的投递 / Try a parked delivery once more"""
        require_tenant_admin()
        retry_parked(delivery_id)
        delivery = db.session.get(PluginDelivery, delivery_id, populate_existing=True)  # delivered in-process?
        return _out(delivery, db.session.get(OutboxEvent, delivery.outbox_id))
