"""The gate in front of every plugin route: 404 where the plugin is not enabled for the caller,
in one place instead of in every view; and the mounting of plugins' blueprints under
/api/v1/plugins/<name>."""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import abort

from ..api.access import require_staff
from ..extensions import db
from ..households.models import Community
from .dispatch import enabled_names, forget_enablement

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
