"""Plugins in the console (hook `wuye_console`, host/types.ConsolePart): each plugin's console
blueprint is mounted under /console/plugins/<name>, behind the same gate as its API routes (404
where it is off for the caller: host/gate.py), and its dashboard panels are drawn where it is
enabled. A panel that fails is left out and counted, like any contained hook."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, current_app
from flask_babel import get_locale
from markupsafe import Markup

from ..host.gate import plugin_communities

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
            drawn.append(DrawnPanel(plugin.name, panel.key, panel.title_en if english else panel.title_zh, html))
    return drawn
