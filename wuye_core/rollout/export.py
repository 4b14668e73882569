"""The current state of a tenant as a tenant file (so config can live in git), and of one
community with every default filled in (`wuye tenants export`, `wuye tenants show`)."""

from __future__ import annotations

import yaml
from sqlalchemy import select

from ..errors import NotFound
from ..extensions import db
from ..host.enablement import CommunityPlugin, TenantPlugin, community_plugin_state
from ..households.community_config import effective_config
from ..households.models import Community, Site
from ..i18n import N_
from ..tenancy import tenant_context
from ..tenants.service import tenant_by_slug


def export_document(slug: str) -> dict:
    """The tenant file of the tenant `slug` (NotFound if there is none)."""
    tenant = tenant_by_slug(slug)
    doc = {"tenant": {"slug": tenant.slug, "name": tenant.name, "kind": tenant.kind.value}}
    with tenant_context(tenant.id):
        community_plugins = list(db.session.scalars(select(CommunityPlugin).order_by(CommunityPlugin.plugin)))
        used = {row.plugin for row in community_plugins}
        switches = {r.plugin: r.enabled for r in db.session.scalars(select(TenantPlugin).order_by(TenantPlugin.plugin))}
        doc["plugins"] = {name: on for name, on in switches.items() if name not in used or not on}
        communities = []
        for community in db.session.scalars(select(Community).order_by(Community.code)):
            sites = db.session.scalars(select(Site).where(Site.community_id == community.id).order_by(Site.id))
            communities.append({
                "code": community.code, "name": community.name, "address": community.address,
                "config": effective_config(community),
                "plugins": {row.plugin: {"enabled": row.enabled, "config": row.config or {}}
                            for row in community_plugins if row.community_id == community.id},
                "sites": [{"name": s.name, "kind": s.kind.value, "address": s.address,
                           "area_m2": None if s.area_m2 is None else float(s.area_m2)} for s in sites],
            })
        doc["communities"] = communities
    return doc


def community_document(slug: str, code: str, host) -> dict:
    """A community's effective config (its own over the tenant's defaults over the platform's)
    and each installed plugin's state there. NotFound if the tenant or the community is not there."""
    tenant = tenant_by_slug(slug)
    with tenant_context(tenant.id):
        community = db.session.scalar(select(Community).where(Community.code == code))
        if community is None:
            raise NotFound(N_("No such community: %(code)s", code=code))
        plugins = {name: community_plugin_state(p, community.id) for name, p in sorted(host.plugins.items())}
        return {"tenant": slug, "community": code, "name": community.name, "config": effective_config(community),
                "plugins": {n: {"enabled": s["enabled"], "config": s["config"]} for n, s in plugins.items()}}


def to_yaml(doc: dict) -> str:
    header = "# 由 `wuye tenants export` 生成 / written by `wuye tenants export`\n"
    return header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)
