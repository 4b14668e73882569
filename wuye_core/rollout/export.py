"""The current state of a tenant as a tenant file (so config can live in git)."""

from __future__ import annotations

import yaml
from sqlalchemy import select

from ..extensions import db
from ..host.enablement import CommunityPlugin, TenantPlugin
from ..households.community_config import effective_config
from ..households.models import Community, Site
from ..tenancy import Tenant, tenant_context


def export_document(slug: str) -> dict | None:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        return None
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


def to_yaml(doc: dict) -> str:
    header = "# 由 `wuye tenants export` 生成 / written by `wuye tenants export`\n"
    return header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)
