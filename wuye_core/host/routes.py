"""Plugin endpoints: what is installed, tenant and community enablement with config, and the
single gate that makes a disabled plugin's routes answer 404."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import fields
from sqlalchemy import select

from ..api.access import current_identity, require_staff, require_tenant_admin
from ..common.schemas import StrictSchema
from ..config_history import ConfigRevision
from ..errors import ErrorSchema
from ..extensions import db
from ..households.access import readable_community
from ..households.models import Community
from . import enablement
from .dispatch import enabled_names, forget_enablement, host

blp = Blueprint("plugins", __name__, url_prefix="/api/v1", description="插件 / Plugins")


class PluginOut(StrictSchema):
    name = fields.String()
    version = fields.String()
    title_zh = fields.String()
    title_en = fields.String()
    description = fields.String()
    api_version = fields.String()
    roles = fields.List(fields.String())
    enabled_for_tenant = fields.Boolean(allow_none=True, metadata={"description": "平台管理员看到 null"})


class PluginFailureOut(StrictSchema):
    entry_point = fields.String()
    distribution = fields.String(allow_none=True)
    error = fields.String()


class PluginListOut(StrictSchema):
    plugins = fields.List(fields.Nested(PluginOut))
    failures = fields.List(fields.Nested(PluginFailureOut),
                           metadata={"description": "加载失败的插件（仅平台管理员）/ refused plugins (operators only)"})


class TenantPluginIn(StrictSchema):
    enabled = fields.Boolean(required=True)


class CommunityPluginIn(StrictSchema):
    enabled = fields.Boolean(required=True)
    config = fields.Dict(load_default=dict, metadata={"description": "插件配置，按插件的 schema 校验"})
    version = fields.Integer(metadata={"description": "可选：当前版本（乐观锁）/ optional optimistic lock"})


class CommunityPluginOut(StrictSchema):
    plugin = fields.String()
    enabled = fields.Boolean()
    enabled_for_tenant = fields.Boolean()
    config = fields.Dict()
    version = fields.Integer()


class PluginRevisionOut(StrictSchema):
    version = fields.Integer()
    enabled = fields.Boolean(allow_none=True)
    config = fields.Dict()
    changed_by = fields.String(allow_none=True)
    changed_at = fields.DateTime()


def _plugin_or_404(plugin_name: str):
    plugin = host().get(plugin_name)
    if plugin is None:
        abort(404)
    return plugin


@blp.route("/plugins", endpoint="plugins_collection")
class Plugins(MethodView):
    @blp.response(200, PluginListOut)
    def get(self):
        """已安装的插件 / Installed plugins (and, for tenant users, whether the tenant enabled them)"""
        identity = current_identity()
        enabled = None if identity.is_operator else enablement.tenant_enabled()
        plugins = [{
            **vars(p.info), "roles": [r.name for r in p.roles],
            "enabled_for_tenant": None if enabled is None else p.name in enabled,
        } for p in sorted(host().plugins.values(), key=lambda p: p.name)]
        failures = [vars(f) for f in host().failures] if identity.is_operator else []
        return {"plugins": plugins, "failures": failures}


@blp.route("/plugins/<string:plugin_name>", endpoint="tenant_plugin")
class TenantPluginView(MethodView):
    @blp.arguments(TenantPluginIn)
    @blp.response(200, PluginOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def put(self, data, plugin_name):
        """为本租户启用/停用插件 / Enable or disable a plugin for the tenant"""
        identity = require_tenant_admin()
        plugin = _plugin_or_404(plugin_name)
        enablement.set_tenant_plugin(plugin.name, data["enabled"], identity.username)
        forget_enablement()
        return {**vars(plugin.info), "roles": [r.name for r in plugin.roles], "enabled_for_tenant": data["enabled"]}


@blp.route("/communities/<int:community_id>/plugins/<string:plugin_name>", endpoint="community_plugin")
class CommunityPluginView(MethodView):
    @blp.response(200, CommunityPluginOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, community_id, plugin_name):
        """社区的插件设置 / A plugin's state and config in a community"""
        readable_community(community_id)
        return enablement.community_plugin_state(_plugin_or_404(plugin_name), community_id)

    @blp.arguments(CommunityPluginIn)
    @blp.response(200, CommunityPluginOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="租户未启用或版本冲突 / not enabled for the tenant, or stale")
    def put(self, data, community_id, plugin_name):
        """为社区启用/停用插件并设置配置 / Enable or disable a plugin in a community, with its config"""
        readable_community(community_id)
        identity = require_tenant_admin()
        plugin = _plugin_or_404(plugin_name)
        state = enablement.set_community_plugin(plugin, community_id, data["enabled"], data["config"],
                                                identity.username, data.get("version"))
        forget_enablement()
        return state


@blp.route("/communities/<int:community_id>/plugins/<string:plugin_name>/history", endpoint="community_plugin_history")
class CommunityPluginHistory(MethodView):
    @blp.response(200, PluginRevisionOut(many=True))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, community_id, plugin_name):
        """插件配置历史 / Who changed a plugin's settings in a community, and when"""
        readable_community(community_id)
        plugin = _plugin_or_404(plugin_name)
        return db.session.scalars(select(ConfigRevision).where(
            ConfigRevision.community_id == community_id, ConfigRevision.scope == plugin.name,
        ).order_by(ConfigRevision.version.desc())).all()


# --- the gate ------------------------------------------------------------------------------------


def gate_plugin_routes() -> None:
    """404 for every route of a plugin that is not enabled for the caller (one place, not per view)."""
    owners = current_app.extensions["wuye_plugin_blueprints"]
    blueprint = (request.blueprint or "").split(".")[0]
    plugin_name = owners.get(blueprint)
    if plugin_name is None:
        return
    identity = require_staff()
    if not _enabled(plugin_name):
        abort(404)
    community_id = (request.view_args or {}).get("community_id")
    if community_id is not None:
        community = db.session.get(Community, community_id)
        if community is None or not identity.can_read(community.id) or not _enabled(plugin_name, community_id):
            abort(404)


def _enabled(plugin_name: str, community_id: int | None = None) -> bool:
    if plugin_name in enabled_names(community_id):
        return True
    # Enabled a moment ago through another worker? This one may know an older plugins_version
    # for a few seconds (auth/identity_cache.py): ask the database before answering 404.
    forget_enablement()
    return plugin_name in enabled_names(community_id)


def mount_plugin_blueprints(app, api) -> None:
    owners = app.extensions.setdefault("wuye_plugin_blueprints", {})
    for plugin in app.extensions["wuye_plugins"].plugins.values():
        for blp_ in plugin.blueprints:
            registered = f"plugin_{plugin.name}_{blp_.name}"
            api.register_blueprint(blp_, url_prefix=f"/api/v1/plugins/{plugin.name}{blp_.url_prefix or ''}",
                                   name=registered)
            owners[registered] = plugin.name
    app.before_request(gate_plugin_routes)
