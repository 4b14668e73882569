"""The gate in front of every plugin route: 404 where the plugin is not enabled for the caller,
in one place instead of in every view; and the mounting of plugins' blueprints under
/api/v1/plugins/<name>."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request
from flask_smorest import abort
from sqlalchemy import select

from ..api.access import current_identity, require_staff
from ..extensions import db
from . import enablement
from .dispatch import enabled_names, forget_enablement, host
from .manager import COMMUNITY_PARAM

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
                found = value  # exists in the tenant only if the plugin is enabled there (checked below)
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
