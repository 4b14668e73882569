"""A community's dashboard figures: the core's and those of its enabled plugins (hook
`wuye_dashboard_figures`), gathered in one place for every page that shows them: the API's
community dashboard (households/dashboard.py) and the console's home page."""

from __future__ import annotations

from collections.abc import Callable

from ..host import enablement
from ..host.dispatch import call_contained, enabled_names, host


def plugin_config(community_id: int) -> Callable[[str], dict]:
    """Each plugin's config for the community, read in one query for all of them (not one per
    plugin), as the `config` argument of its hook implementations."""
    configs = enablement.community_configs(host(), community_id)

    def config_for(plugin_name: str) -> dict:
        return {"config": configs.get(plugin_name, {})}

    return config_for


def dashboard_figures(community_id: int, tenant_id: int, *, plugins_only: bool = False) -> list[dict]:
    """The figures of the community's dashboard, each `{"plugin", "key", "label_zh", "label_en",
    "value", "unit"}`, the core's first (plugin "core"). `plugins_only`: the enabled plugins'
    alone (a page that shows the core's figures its own way); no query when none is enabled."""
    skip = host().core_names if plugins_only else frozenset()
    if plugins_only and not (enabled_names(community_id) - skip):
        return []
    results = call_contained("wuye_dashboard_figures", community_id, per_plugin=plugin_config(community_id),
                             skip=skip, tenant_id=tenant_id, community_id=community_id)
    return [{"plugin": name, **vars(f)} for name, figs in results for f in (figs or [])]


__all__ = ["dashboard_figures", "plugin_config"]
