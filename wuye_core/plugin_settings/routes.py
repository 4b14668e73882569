"""Plugin settings: what is installed, and which plugins a tenant and each of its communities
use, with their config and its history. The rules live in the host (host/enablement.py); the
gate in front of the plugins' own routes is host/gate.py."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import fields
from sqlalchemy import select

from ..api.access import current_identity, require_tenant_admin
from ..api.pagination import PageArgs, Sort, page_schema, paginate
from ..common.schemas import StrictSchema
from ..config_history import ConfigRevision
from ..errors import ErrorSchema
from ..host import enablement
from ..host.dispatch import forget_enablement, host
from ..households.access import readable_community

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


class RevisionQuery(PageArgs):
    sort = Sort("id", "version", "changed_at")


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
    @blp.arguments(RevisionQuery, location="query")
    @blp.response(200, page_schema(PluginRevisionOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id, plugin_name):
        """插件配置历史（默认最新在前）/ Who changed a plugin's settings in a community, and when (newest first)"""
        readable_community(community_id)
        plugin = _plugin_or_404(plugin_name)
        return paginate(select(ConfigRevision).where(
            ConfigRevision.community_id == community_id, ConfigRevision.scope == plugin.name,
        ), ConfigRevision, args)
