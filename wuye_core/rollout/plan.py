"""What applying a tenant file would change, and applying it in one transaction.

Plugins are enabled and configured through the same services as the API (host/enablement.py:
config validated by the plugin's schema, a revision per change, plugins_version bumped); a
refusal raises DomainError. The caller (`wuye tenants apply`, `wuye demo`) commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..audit import record
from ..config_history import ConfigRevision
from ..extensions import db
from ..host import enablement
from ..host.dispatch import host
from ..host.enablement import CommunityPlugin, TenantPlugin
from ..households.community_config import record_config_change
from ..households.models import Community, Site, SiteKind
from ..tenancy import Tenant, TenantKind
from ..tenancy.context import enter_tenant, reset_tenant
from .document import DesiredState

CREATE, CHANGE, UNCHANGED, REMOVE = "create", "change", "unchanged", "remove"
SYMBOL = {CREATE: "+", CHANGE: "~", UNCHANGED: "=", REMOVE: "-"}


@dataclass
class Change:
    action: str
    path: str  # e.g. "communities[daoxiang].sites[张家湾]"
    detail: str = ""
    before: Any = None
    after: Any = None

    def line(self, prune: bool = False) -> str:
        text = f"{SYMBOL[self.action]} {self.path}"
        if self.detail:
            text += f": {self.detail}"
        if self.action == REMOVE and not prune:
            text += "  (would be removed with --prune / 加 --prune 才会删除)"
        return text


def _site_values(site) -> dict:
    if isinstance(site, dict):
        return {"kind": SiteKind(site["kind"]).value, "address": site.get("address"), "area_m2": site.get("area_m2")}
    return {"kind": site.kind.value, "address": site.address,
            "area_m2": None if site.area_m2 is None else round(float(site.area_m2), 2)}


def _diff(before: dict, after: dict) -> str:
    keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return ", ".join(f"{k}: {before.get(k)!r} → {after.get(k)!r}" for k in keys)


class Rollout:
    """Compares a DesiredState with the database; `apply()` performs the changes it found."""

    def __init__(self, desired: DesiredState, actor: str = "tenants apply"):
        self.desired = desired
        self.actor = f"{actor} ({desired.file})"[:64]
        self.changes: list[Change] = []

    # -- planning ---------------------------------------------------------------------------------

    def plan(self) -> list[Change]:
        """Read-only. Enters the tenant's context if the tenant exists; the caller resets it."""
        d = self.desired
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == d.slug))
        self.changes = []
        if tenant is None:
            self.changes.append(Change(CREATE, f"tenant[{d.slug}]", f"{d.name} ({d.kind.value})"))
            for name, on in sorted(d.tenant_plugins.items()):
                self.changes.append(Change(CREATE, f"plugins[{name}]", "enabled" if on else "disabled"))
            for c in d.communities:
                self._plan_new_community(c)
            return self.changes
        enter_tenant(tenant.id)
        current = {"name": tenant.name, "kind": tenant.kind.value}
        wanted = {"name": d.name, "kind": d.kind.value}
        self.changes.append(Change(CHANGE if current != wanted else UNCHANGED, f"tenant[{d.slug}]",
                                   _diff(current, wanted)))
        rows = {r.plugin: r for r in db.session.scalars(select(TenantPlugin))}
        for name, on in sorted(d.tenant_plugins.items()):
            row = rows.get(name)
            action = CREATE if row is None else (UNCHANGED if row.enabled == on else CHANGE)
            self.changes.append(Change(action, f"plugins[{name}]", "enabled" if on else "disabled"))
        for name, row in sorted(rows.items()):
            if name not in d.tenant_plugins and row.enabled:
                self.changes.append(Change(REMOVE, f"plugins[{name}]", "would be disabled"))
        existing = {c.code: c for c in db.session.scalars(select(Community))}
        for c in d.communities:
            community = existing.get(c.code)
            if community is None:
                self._plan_new_community(c)
            else:
                self._plan_community(c, community)
        for code in sorted(set(existing) - {c.code for c in d.communities}):
            self.changes.append(Change(REMOVE, f"communities[{code}]", existing[code].name))
        return self.changes

    def _plan_new_community(self, c) -> None:
        self.changes.append(Change(CREATE, f"communities[{c.code}]", c.name))
        for site in c.sites:
            self.changes.append(Change(CREATE, f"communities[{c.code}].sites[{site['name']}]", site["kind"].value
                                       if isinstance(site["kind"], SiteKind) else str(site["kind"])))
        for name, setting in c.plugins.items():
            self.changes.append(Change(CREATE, f"communities[{c.code}].plugins[{name}]",
                                       "enabled" if setting["enabled"] else "disabled"))

    def _plan_community(self, c, community: Community) -> None:
        base = f"communities[{c.code}]"
        current = {"name": community.name, "address": community.address}
        wanted = {"name": c.name, "address": c.address}
        self.changes.append(Change(CHANGE if current != wanted else UNCHANGED, base, _diff(current, wanted)))
        stored = community.config or {}
        for section in sorted(c.config):
            action = UNCHANGED if stored.get(section) == c.config[section] else CHANGE
            self.changes.append(Change(action, f"{base}.config.{section}",
                                       _diff(stored.get(section) or {}, c.config[section]) if action == CHANGE else ""))
        sites = {s.name: s for s in db.session.scalars(select(Site).where(Site.community_id == community.id))}
        for site in c.sites:
            row = sites.get(site["name"])
            path = f"{base}.sites[{site['name']}]"
            if row is None:
                self.changes.append(Change(CREATE, path, str(SiteKind(site["kind"]).value)))
            else:
                before, after = _site_values(row), _site_values(site)
                self.changes.append(Change(CHANGE if before != after else UNCHANGED, path, _diff(before, after)))
        for name in sorted(set(sites) - {s["name"] for s in c.sites}):
            self.changes.append(Change(REMOVE, f"{base}.sites[{name}]"))
        rows = {r.plugin: r for r in db.session.scalars(
            select(CommunityPlugin).where(CommunityPlugin.community_id == community.id))}
        for name, setting in sorted(c.plugins.items()):
            row = rows.get(name)
            path = f"{base}.plugins[{name}]"
            if row is None:
                self.changes.append(Change(CREATE, path, "enabled" if setting["enabled"] else "disabled"))
            else:
                before = {"enabled": row.enabled, "config": row.config or {}}
                self.changes.append(Change(UNCHANGED if before == setting else CHANGE, path, _diff(before, setting)))
        for name, row in sorted(rows.items()):
            if name not in c.plugins and row.enabled:
                self.changes.append(Change(REMOVE, f"{base}.plugins[{name}]", "would be disabled"))

    # -- applying ---------------------------------------------------------------------------------

    def apply(self, prune: bool = False) -> list[Change]:
        """Plan, then perform every change in the current transaction, flushed; the caller
        commits it (events/edge.py unit_of_work) or, on any error, rolls it all back."""
        try:
            changes = self.plan()
            if any(ch.action in (CREATE, CHANGE) for ch in changes) or (prune and any(
                    ch.action == REMOVE for ch in changes)):
                self._write(prune)
            return changes
        finally:
            reset_tenant()

    def _write(self, prune: bool) -> None:
        d = self.desired
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == d.slug))
        if tenant is None:
            tenant = Tenant(slug=d.slug, name=d.name, kind=TenantKind(d.kind), active=True)
            db.session.add(tenant)
            db.session.flush()
            record("tenant.created", target_type="tenant", target_id=tenant.id, platform=True, system_name=self.actor,
                   details={"slug": d.slug, "name": d.name, "kind": TenantKind(d.kind).value})
            enter_tenant(tenant.id)
        elif tenant.name != d.name:
            record("tenant.renamed", target_type="tenant", target_id=tenant.id, platform=True, system_name=self.actor,
                   details={"from": tenant.name, "to": d.name})
        tenant.name, tenant.kind = d.name, TenantKind(d.kind)
        plugin_rows = {r.plugin: r for r in db.session.scalars(select(TenantPlugin))}
        for name, on in d.tenant_plugins.items():
            row = plugin_rows.get(name)
            if row is None or row.enabled != on:
                enablement.set_tenant_plugin(name, on, self.actor)
        if prune:
            for name, row in plugin_rows.items():
                if name not in d.tenant_plugins and row.enabled:
                    enablement.set_tenant_plugin(name, False, self.actor)
        existing = {c.code: c for c in db.session.scalars(select(Community))}
        for c in d.communities:
            community = existing.get(c.code)
            if community is None:
                community = Community(code=c.code, name=c.name, address=c.address, config={}, config_version=1)
                db.session.add(community)
                db.session.flush()
            community.name, community.address = c.name, c.address
            if (community.config or {}) != c.config:
                before, community.config = community.config or {}, c.config
                community.config_version = (community.config_version or 1) + 1
                record_config_change(community.id, community.config_version, before, c.config, self.actor)
                db.session.add(ConfigRevision(community_id=community.id, scope="core", version=community.config_version,
                                              config=c.config, changed_by=self.actor))
            self._write_sites(c, community, prune)
            self._write_plugins(c, community, prune)
        if prune:
            for code in set(existing) - {c.code for c in d.communities}:
                db.session.delete(existing[code])  # refused by the database while it still has data
        db.session.flush()

    def _write_sites(self, c, community: Community, prune: bool) -> None:
        sites = {s.name: s for s in db.session.scalars(select(Site).where(Site.community_id == community.id))}
        for spec in c.sites:
            row = sites.get(spec["name"]) or Site(community_id=community.id, name=spec["name"])
            row.kind, row.address, row.area_m2 = SiteKind(spec["kind"]), spec.get("address"), spec.get("area_m2")
            db.session.add(row)
        if prune:
            for name in set(sites) - {s["name"] for s in c.sites}:
                db.session.delete(sites[name])

    def _write_plugins(self, c, community: Community, prune: bool) -> None:
        rows = {r.plugin: r for r in db.session.scalars(
            select(CommunityPlugin).where(CommunityPlugin.community_id == community.id))}
        for name, setting in c.plugins.items():
            row = rows.get(name)
            if row is None or row.enabled != setting["enabled"] or (row.config or {}) != setting["config"]:
                enablement.set_community_plugin(host().get(name), community.id, setting["enabled"],
                                                setting["config"], self.actor)
        if prune:
            for name, row in rows.items():
                plugin = host().get(name)
                if name not in c.plugins and row.enabled and plugin is not None:  # an uninstalled one is off anyway
                    enablement.set_community_plugin(plugin, community.id, False, row.config, self.actor)
