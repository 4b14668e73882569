"""Plugins in the console (hook `wuye_console`, host/types.ConsolePart): each plugin's console
blueprint is mounted under /console/plugins/<name>, behind the same gate as its API routes (404
where it is off for the caller: host/gate.py), and its dashboard panels are drawn where it is
enabled. A panel that fails is left out and counted, like any contained hook."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, current_app, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from ..host.gate import plugin_communities
from ..i18n import domain_gettext

log = logging.getLogger(__name__)


def mount(app: Flask) -> None:
    owners = app.extensions.setdefault("wuye_plugin_blueprints", {})
    for plugin in app.extensions["wuye_plugins"].plugins.values():
        part = plugin.console
        if part is None or part.blueprint is None:
            continue
        name = f"console_{plugin.name}"
        app.register_blueprint(part.blueprint, name=name,
                               url_prefix=f"/console/plugins/{plugin.name}{part.blueprint.url_prefix or ''}")
        owners[name] = plugin.name  # the gate covers it: host/gate.gate_plugin_routes


def _plugin_of_request() -> str | None:
    blueprint = (request.blueprint or "").split(".")[0]
    return current_app.extensions["wuye_plugin_blueprints"].get(blueprint)


def render_page(template: str, plugin: str | None = None, **context) -> str:
    """Render a plugin's console template (which extends "console/base.html"). Its own words go
    through `t(...)`, the plugin's catalog (`_` stays the core's, for the layout around it); the
    menu entry of the page's view is marked current. `plugin` defaults to the plugin whose
    blueprint serves the request (give it when rendering a panel)."""
    name = plugin or _plugin_of_request()
    context.setdefault("t", domain_gettext(name) if name else domain_gettext(""))
    if name and "current" not in context and request.endpoint:
        host = current_app.extensions["wuye_plugins"]
        part = host.plugins[name].console if name in host.plugins else None
        view = request.endpoint.rsplit(".", 1)[-1]
        for entry in part.menu if part is not None else ():
            if entry.endpoint == view:
                context["current"] = f"{name}.{entry.key}"
    return render_template(template, **context)


@dataclass(frozen=True)
class DrawnPanel:
    plugin: str
    key: str
    title: str
    html: Markup


def panels(community_ids: set[int] | None = None) -> list[DrawnPanel]:
    """The plugins' dashboard panels for the communities shown (None: every one the user reads),
    each given only the communities where its plugin is enabled."""
    host = current_app.extensions["wuye_plugins"]
    english = str(get_locale()) == "en"
    drawn = []
    for plugin in host.plugins.values():
        part = plugin.console
        if part is None or not part.panels:
            continue
        enabled = plugin_communities(plugin.name)
        if community_ids is not None:
            enabled &= set(community_ids)
        if not enabled:
            continue
        for panel in part.panels:
            try:
                html = Markup(panel.render(sorted(enabled)))
            except Exception:  # contained: the rest of the dashboard is drawn
                log.exception("console panel %s.%s failed", plugin.name, panel.key)
                host.hook_errors[(plugin.name, "wuye_console.panel")] += 1
                continue
            if not html.strip():  # nothing to show these readers (e.g. no role of the plugin's)
                continue
            drawn.append(DrawnPanel(plugin.name, panel.key, panel.title_en if english else panel.title_zh, html))
    return drawn
