"""The console's menu: the core's entries, each shown to the roles it serves, then the plugins'
(MenuEntry, hook `wuye_console`), each shown where its plugin is enabled for a community the user
can read — or, for an entry given `roles`, where it is enabled for a community the user holds one
of them in, though the role does not read the register (API 1.11). An entry whose page is not
installed is left out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, g
from flask_babel import get_locale

from ..auth.roles import Identity
from ..host.dispatch import enabled_names
from ..host.gate import plugin_communities


@dataclass(frozen=True)
class Item:
    """What a template draws: a label, where it leads, and the key the page marks as current."""

    key: str
    label: str
    endpoint: str


@dataclass(frozen=True)
class CoreEntry:
    key: str
    label_zh: str
    label_en: str
    endpoint: str
    shown: Callable[[Identity], bool]


def _staff(identity: Identity) -> bool:
    return not identity.is_operator


def _reader(identity: Identity) -> bool:
    return not identity.is_operator and identity.readable_communities() != set()


def _writer(identity: Identity) -> bool:
    return not identity.is_operator and identity.writable_communities() != set()


def _handoff_reader(identity: Identity) -> bool:
    """A reader of a tenant with a service link in force (or hand-offs already made)."""
    if not _reader(identity):
        return False
    from .handoffs import has_handoffs

    return has_handoffs()


def _admin(identity: Identity) -> bool:
    return not identity.is_operator and identity.is_tenant_admin


def _supervisor(identity: Identity) -> bool:
    from .supervision import shows_supervision

    return shows_supervision(identity)


def _operator(identity: Identity) -> bool:
    return identity.is_operator


CORE: tuple[CoreEntry, ...] = (
    CoreEntry("home", "首页", "Home", "console.home", lambda identity: True),
    CoreEntry("tickets", "工单", "Tickets", "console.tickets", _staff),
    CoreEntry("window", "一站式窗口", "One-stop window", "console.window", _writer),
    CoreEntry("register", "房屋档案", "Register", "console.register", _reader),
    CoreEntry("notices", "公告", "Notices", "console.notices", _reader),
    CoreEntry("notifications", "通知", "Notifications", "console.notifications", _staff),
    CoreEntry("links", "服务关系", "Service links", "console.links", _reader),
    CoreEntry("supervision", "属地监管", "Supervision", "console.supervision", _supervisor),
    CoreEntry("street_figures", "街道汇总", "Street-wide figures", "console.supervision_street_figures", _supervisor),
    CoreEntry("handoffs", "转办", "Hand-offs", "console.handoffs", _handoff_reader),
    CoreEntry("disclosures", "公示", "Disclosures", "console.disclosures", _reader),
    CoreEntry("downloads", "报表下载", "Downloads", "console.downloads", _reader),
    CoreEntry("deletion_requests", "删除申请", "Deletion requests", "console.deletion_requests", _admin),
    CoreEntry("users", "用户与角色", "Users and roles", "console.users", _admin),
    CoreEntry("settings", "设置", "Settings", "console.settings", _admin),
    CoreEntry("tenants", "租户", "Tenants", "console.tenants", _operator),
)


def _label(zh: str, en: str) -> str:
    return en if str(get_locale()) == "en" else zh


def menu_for(identity: Identity) -> list[Item]:
    """The menu of the signed-in user (computed once per request)."""
    cached = g.get("wuye_console_menu")
    if cached is not None:
        return cached
    views = current_app.view_functions
    items = [Item(e.key, _label(e.label_zh, e.label_en), e.endpoint) for e in CORE
             if e.endpoint in views and e.shown(identity)]
    if not identity.is_operator:
        items += _plugin_items(identity, views)
    g.wuye_console_menu = items
    return items


def _holds_where_enabled(identity: Identity, roles: tuple[str, ...] | None, plugin_name: str) -> bool:
    """API 1.11: the user holds one of an entry's `roles` for a community where the plugin is
    enabled (a tenant-wide grant: where it is enabled for the tenant) — a role that does not read the
    register (a plugin's `Role(can_read=False)`, e.g. a worker's own phone page) still gets the
    entries made for it."""
    if roles is None:
        return False
    held = {community_id for role, community_id in identity.grants if role in roles}
    if not held:
        return False
    if None in held:
        return plugin_name in enabled_names()
    return any(plugin_name in enabled_names(community_id) for community_id in held)


def _plugin_items(identity: Identity, views) -> list[Item]:
    entries = []
    for plugin in current_app.extensions["wuye_plugins"].plugins.values():
        part = plugin.console
        if part is None or not part.menu:
            continue
        shown = [e for e in part.menu
                 if e.roles is None or identity.is_tenant_admin or any(role in e.roles for role, _ in identity.grants)]
        if not shown:
            continue
        if not plugin_communities(plugin.name):  # none the user reads: only the entries of roles they hold there
            shown = [e for e in shown if _holds_where_enabled(identity, e.roles, plugin.name)]
        for entry in shown:
            endpoint = f"console_{plugin.name}.{entry.endpoint}"
            if endpoint in views:
                entries.append((entry.order, Item(f"{plugin.name}.{entry.key}", _label(entry.label_zh, entry.label_en),
                                                  endpoint)))
    return [item for _, item in sorted(entries, key=lambda pair: pair[0])]
