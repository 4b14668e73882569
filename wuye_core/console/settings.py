"""Settings (tenant admins): which plugins the tenant and each of its communities use, and each
plugin's per-community config through a form generated from its config schema (schema_forms.py).
Changes go through the same service as the API's PUT /api/v1/plugins/<name> and
PUT /api/v1/communities/<id>/plugins/<name> (host/enablement.py: the same checks, versions,
revisions and audit records)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..api.access import require_tenant_admin
from ..extensions import db
from ..host import enablement
from ..host.dispatch import forget_enablement, host
from ..households.access import readable_community
from ..households.models import Community
from ..i18n import translate_message
from .blueprint import bp
from .forms import GENERAL, domain_errors
from .schema_forms import describe, read


def _plugin_or_404(name: str):
    plugin = host().get(name)
    if plugin is None:
        abort(404)
    return plugin


def _title(plugin) -> str:
    return plugin.info.title_en if str(get_locale()) == "en" else plugin.info.title_zh


def _whole(exc: Exception, errors: dict) -> list[str]:
    """A refusal's message about the whole form, then its messages by field."""
    message = getattr(exc, "message", None)
    return ([translate_message(message)] if message else []) + [m for messages in errors.values() for m in messages]


@bp.route("/settings")
def settings():
    """插件设置：本租户与各社区启用哪些插件。"""
    require_tenant_admin()
    return _index({})


def _index(errors: dict):
    plugins = sorted(host().plugins.values(), key=lambda p: p.name)
    on_for_tenant = enablement.tenant_enabled()
    communities = db.session.execute(select(Community.id, Community.name).order_by(Community.id)).all()
    rows = db.session.execute(select(enablement.CommunityPlugin.community_id, enablement.CommunityPlugin.plugin,
                                     enablement.CommunityPlugin.enabled)).all()
    on_in_community = {(cid, name) for cid, name, enabled in rows if enabled}
    return render_template("console/settings/index.html", current="settings", plugins=plugins, title=_title,
                           on_for_tenant=on_for_tenant, communities=communities, on_in_community=on_in_community,
                           errors=errors)


@bp.route("/settings/plugins/<string:name>", methods=["POST"])
def settings_tenant_plugin(name):
    """为本租户启用或停用插件（与 PUT /api/v1/plugins/<name> 相同）。"""
    identity = require_tenant_admin()
    plugin = _plugin_or_404(name)
    enabled = request.form.get("enabled") == "1"
    enablement.set_tenant_plugin(plugin.name, enabled, identity.username)
    forget_enablement()
    flash(_("%(plugin)s is now enabled for the tenant.", plugin=_title(plugin)) if enabled
          else _("%(plugin)s is now disabled for the tenant.", plugin=_title(plugin)), "success")
    return redirect(url_for("console.settings"))


@bp.route("/settings/communities/<int:community_id>/plugins/<string:name>/enabled", methods=["POST"])
def settings_community_enabled(community_id, name):
    """在一个社区启用或停用插件，配置保持不变。"""
    community = readable_community(community_id)
    identity = require_tenant_admin()
    plugin = _plugin_or_404(name)
    state = enablement.community_plugin_state(plugin, community.id)
    enabled = request.form.get("enabled") == "1"
    try:
        enablement.set_community_plugin(plugin, community.id, enabled, state["config"], identity.username,
                                        state["version"])
    except Exception as exc:
        errors = domain_errors(exc)
        if errors is None:
            raise
        db.session.rollback()  # nothing of the refused change is kept; the page is drawn afresh
        status = getattr(exc, "status", None) or getattr(exc, "code", None) or 422
        return _index({GENERAL: _whole(exc, errors)}), status
    forget_enablement()
    flash(_("%(plugin)s is now enabled in %(community)s.", plugin=_title(plugin), community=community.name)
          if enabled else _("%(plugin)s is now disabled in %(community)s.", plugin=_title(plugin),
                            community=community.name), "success")
    return redirect(url_for("console.settings"))


@bp.route("/settings/communities/<int:community_id>/plugins/<string:name>", methods=["GET", "POST"])
def settings_community_plugin(community_id, name):
    """一个插件在一个社区的设置：启用与否，以及按插件配置 schema 生成的配置表单。"""
    community = readable_community(community_id)
    identity = require_tenant_admin()
    plugin = _plugin_or_404(name)
    state = enablement.community_plugin_state(plugin, community.id)
    schema = plugin.config_schema() if plugin.config_schema is not None else None
    errors: dict = {}
    values, enabled = state["config"], state["enabled"]
    if request.method == "POST":
        enabled = request.form.get("enabled") in ("1", "on")
        values = read(schema, request.form) if schema is not None else {}
        version = request.form.get("version", type=int)
        try:
            enablement.set_community_plugin(plugin, community.id, enabled, values, identity.username, version)
        except Exception as exc:
            errors = domain_errors(exc)
            if errors is None:
                raise
            db.session.rollback()  # nothing of a refused form is kept
            if "version" in errors or set(errors) <= {GENERAL, "enabled"}:  # about the whole form: say why
                errors.pop("version", None)
                errors[GENERAL] = _whole(exc, {})
        else:
            forget_enablement()
            flash(_("The settings of %(plugin)s in %(community)s are saved.", plugin=_title(plugin),
                    community=community.name), "success")
            return redirect(url_for("console.settings_community_plugin", community_id=community.id, name=plugin.name))
    inputs = describe(schema, values) if schema is not None else []
    page = render_template("console/settings/community_plugin.html", current="settings", plugin=plugin,
                           title=_title(plugin), community=community, state=state, enabled=enabled, inputs=inputs,
                           errors=errors)
    return (page, 422) if errors else page
