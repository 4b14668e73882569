"""HTTP endpoints of the housing register: CRUD of each level, and community config."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..api.pagination import page_schema, paginate
from ..config_history import ConfigRevision
from ..errors import ErrorSchema
from . import schemas as s
from .access import readable_community
from .community_config import change_config, effective_config, history_statement
from .levels import RESOURCES
from .models import Community
from .resources import register_crud


def build_blueprints() -> list[Blueprint]:
    blueprints = []
    for resource in RESOURCES:
        blp = Blueprint(resource.name, __name__, url_prefix=f"/api/v1/{resource.name}",
                        description=resource.description)
        register_crud(blp, resource)
        if resource.model is Community:
            _add_config_routes(blp)
        blueprints.append(blp)
    return blueprints


def _add_config_routes(blp: Blueprint) -> None:
    @blp.route("/<int:community_id>/config", endpoint="community_config")
    class CommunityConfig(MethodView):
        @blp.response(200, s.CommunityConfigOut)
        @blp.alt_response(404, schema=ErrorSchema)
        def get(self, community_id):
            """社区配置 / A community's config (with defaults)"""
            community = readable_community(community_id)
            return {"version": community.config_version, "config": effective_config(community)}

        @blp.arguments(s.CommunityConfigIn)
        @blp.response(200, s.CommunityConfigOut)
        @blp.alt_response(404, schema=ErrorSchema)
        @blp.alt_response(409, schema=ErrorSchema, description="版本冲突 / version conflict")
        def put(self, data, community_id):
            """修改社区配置（需当前版本号）/ Replace a community's config (send the version you edited)"""
            community = change_config(community_id, data["version"], data["config"])
            return {"version": community.config_version, "config": effective_config(community)}

    @blp.route("/<int:community_id>/config/history", endpoint="community_config_history")
    class CommunityConfigHistory(MethodView):
        @blp.arguments(s.ConfigRevisionQuery, location="query")
        @blp.response(200, page_schema(s.ConfigRevisionOut))
        @blp.alt_response(404, schema=ErrorSchema)
        def get(self, args, community_id):
            """配置历史（默认最新在前）/ Config history, newest first"""
            community = readable_community(community_id)
            return paginate(history_statement(community), ConfigRevision, args)
