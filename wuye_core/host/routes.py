"""Plugin endpoints: what is installed, tenant and community enablement with config, and the
single gate that makes a disabled plugin's routes answer 404."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import fields
from sqlalchemy import select

from ..api.access import current_identity, require_staff, require_tenant_admin
from ..common.schemas import StrictSchema
from ..errors import ErrorSchema
from ..extensions import db
from ..households.access import readable_community
from ..households.models import Community, ConfigRevision
from . import enablement
from .dispatch import enabled_names, forget_enablement, host
from .manager import COMMUNITY_PARAM

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

_NOT_GATED = object()  # g's value outside a plugin route: route_community() refuses to guess


def gate_plugin_routes() -> None:
    """404 for every route of a plugin where it is off for the caller (one place, not per view).

    Checked before the view (and before its arguments are parsed), in this order: the caller is
    staff; the plugin is enabled for the tenant; each path parameter the plugin declared as an
    object (wuye_route_objects) names a row of the tenant; the community of the URL — the
    `community_id` parameter, or the objects' community — exists in the tenant, is readable by
    the caller and has the plugin enabled; all of them name the same community. A row whose
    community_id is NULL belongs to the tenant: only the tenant's enablement applies to it.
    The community found is kept for the view: route_community()."""
    owners = current_app.extensions["wuye_plugin_blueprints"]
    blueprint = (request.blueprint or "").split(".")[0]
    plugin_name = owners.get(blueprint)
    if plugin_name is None:
        return
    identity = require_staff()
    if not _enabled(plugin_name):
        abort(404)
    community_id = None
    args = request.view_args or {}
    if args:
        objects = host().plugins[plugin_name].route_objects
        # the session's identity map holds rows weakly: keep them for the request, so the view's
        # db.session.get(Model, id) finds them without a second query
        g.wuye_route_rows = rows = []
        for name, value in args.items():
            if value is None:  # a rule's default (`defaults={"thing_id": None}`), not from the URL
                continue
            if name == COMMUNITY_PARAM:
                if db.session.get(Community, value) is None:
                    abort(404)
                found = value
            elif (model := objects.get(name)) is not None:
                row = db.session.get(model, value)  # tenant-scoped, like every ORM query
                if row is None:
                    abort(404)
                rows.append(row)
                found = row.community_id
                if found is None:  # the tenant's own row (e.g. a tenant-wide report)
                    continue
            else:
                continue  # declared as addressing nothing in a community (or an older plugin's, see manager)
            if community_id is not None and found != community_id:
                abort(404)  # /communities/1/things/5 with thing 5 in community 2: no such thing here
            community_id = found
        if community_id is not None and (not identity.can_read(community_id)
                                         or not _enabled(plugin_name, community_id)):
            abort(404)
    g.wuye_route_community = community_id


def route_community() -> int | None:
    """In a plugin's view: the community its URL addresses, as the gate checked it (from the
    `community_id` path parameter or the community of the object an id names), or None for a
    tenant-wide route (no community in the URL, or a tenant-wide object)."""
    found = g.get("wuye_route_community", _NOT_GATED)
    if found is _NOT_GATED:
        raise RuntimeError("route_community() is only known inside a plugin's route")
    return found


def plugin_communities(plugin_name: str) -> set[int]:
    """Ids of the current tenant's communities where `plugin_name` is enabled (for the tenant and
    the community) and, in a request, the caller may read: what a tenant-wide view (a route
    with no community and no object in its path) must restrict its rows to. One query."""
    CommunityPlugin, TenantPlugin = enablement.CommunityPlugin, enablement.TenantPlugin
    if plugin_name not in enabled_names():
        return set()
    ids = set(db.session.scalars(
        select(CommunityPlugin.community_id)
        .join(TenantPlugin, (TenantPlugin.plugin == CommunityPlugin.plugin) & TenantPlugin.enabled.is_(True))
        .where(CommunityPlugin.plugin == plugin_name, CommunityPlugin.enabled.is_(True))))
    if has_request_context():
        readable = current_identity().readable_communities()
        if readable is not None:
            ids &= readable
    return ids


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
