"""Which plugins a tenant, and each of its communities, has enabled — and with what config.

A plugin is enabled for a community when the tenant enabled it AND the community did.
Disabling keeps the rows and the plugin's data; enabling again brings everything back.
Every change of a community's plugin settings is kept as a ConfigRevision.

The API and `wuye tenants apply` (rollout/plan.py) both change enablement through
set_tenant_plugin / set_community_plugin; refusals raise DomainError, the caller commits.
"""

from __future__ import annotations

from datetime import datetime

from marshmallow import ValidationError
from sqlalchemy import JSON, Boolean, Integer, String, UniqueConstraint, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ..audit import record
from ..common.types import UTCDateTime
from ..config_history import ConfigRevision
from ..errors import Conflict, DomainError, Invalid
from ..extensions import db
from ..i18n import N_
from ..tenancy import TenantScoped, tenant_fk


class TenantPlugin(TenantScoped, db.Model):
    __tablename__ = "tenant_plugins"
    __extra_table_args__ = (UniqueConstraint("tenant_id", "plugin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plugin: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now(),
                                                 onupdate=func.now())


class CommunityPlugin(TenantScoped, db.Model):
    __tablename__ = "community_plugins"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        UniqueConstraint("tenant_id", "community_id", "plugin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    plugin: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now(),
                                                 onupdate=func.now())


def bump_version() -> None:
    """Every change of enablement or plugin config bumps the tenant's plugins_version (same transaction)."""
    from ..tenancy import Tenant, require_tenant_id

    db.session.execute(update(Tenant).where(Tenant.id == require_tenant_id())
                       .values(plugins_version=Tenant.plugins_version + 1))


def tenant_enabled() -> set[str]:
    return set(db.session.scalars(select(TenantPlugin.plugin).where(TenantPlugin.enabled.is_(True))))


def community_enabled(community_id: int) -> set[str]:
    """Plugins on for the community and for its tenant: one query."""
    rows = db.session.scalars(
        select(CommunityPlugin.plugin)
        .join(TenantPlugin, (TenantPlugin.plugin == CommunityPlugin.plugin) & TenantPlugin.enabled.is_(True))
        .where(CommunityPlugin.community_id == community_id, CommunityPlugin.enabled.is_(True)))
    return set(rows)


def enabled_in_every_tenant() -> dict[str, list[tuple[str, int]]]:
    """Platform view (`wuye plugins list`): for each plugin, the tenants that enabled it, as
    (slug, how many of its communities enabled it), tenant by tenant in its own context."""
    from ..tenancy import Tenant, tenant_context

    enabled: dict[str, list[tuple[str, int]]] = {}
    for tenant_id, slug in db.session.execute(select(Tenant.id, Tenant.slug).order_by(Tenant.slug)).all():
        with tenant_context(tenant_id):
            communities = dict(db.session.execute(select(CommunityPlugin.plugin, func.count()).where(
                CommunityPlugin.enabled.is_(True)).group_by(CommunityPlugin.plugin)).all())
            for name in tenant_enabled():
                enabled.setdefault(name, []).append((slug, communities.get(name, 0)))
    return enabled


def set_tenant_plugin(name: str, enabled: bool, actor: str) -> TenantPlugin:
    row = db.session.scalar(select(TenantPlugin).where(TenantPlugin.plugin == name))
    if row is None:
        row = TenantPlugin(plugin=name)
        db.session.add(row)
    if bool(row.enabled) != enabled:  # a change (a new row is off), not the same setting again: into the audit trail
        record("plugin.enabled" if enabled else "plugin.disabled", target_type="plugin", target_id=name,
               system_name=actor)
    row.enabled = enabled
    row.updated_by = actor
    bump_version()
    db.session.flush()
    return row


def load_config(plugin, config: dict | None) -> dict:
    """The plugin's config with defaults filled in; Invalid (422) naming each bad field."""
    if plugin.config_schema is None:
        if config:
            raise Invalid("config", N_("This plugin takes no configuration."))
        return {}
    try:
        return plugin.config_schema().load(config or {})
    except ValidationError as exc:
        raise DomainError(errors={"json": {"config": exc.messages}}) from exc


def _dumpable(config: dict) -> dict:
    """Config as JSON-storable values (dates and decimals become strings)."""
    import json

    return json.loads(json.dumps(config, default=str))


def community_plugin_state(plugin, community_id: int) -> dict:
    row = db.session.scalar(select(CommunityPlugin).where(
        CommunityPlugin.community_id == community_id, CommunityPlugin.plugin == plugin.name))
    stored = row.config if row else {}
    try:
        config = _dumpable(plugin.config_schema().load(stored or {})) if plugin.config_schema else {}
    except ValidationError:
        config = stored  # saved under an older, looser schema: show it as it is
    return {
        "plugin": plugin.name,
        "enabled": bool(row and row.enabled and plugin.name in tenant_enabled()),
        "enabled_for_tenant": plugin.name in tenant_enabled(),
        "config": config,
        "version": row.version if row else 0,
    }


def community_configs(host, community_id: int) -> dict[str, dict]:
    """Every installed plugin's config for a community, defaults filled in: one query."""
    stored = dict(db.session.execute(select(CommunityPlugin.plugin, CommunityPlugin.config).where(
        CommunityPlugin.community_id == community_id)).all())
    configs = {}
    for name, plugin in host.plugins.items():
        if plugin.config_schema is None:
            configs[name] = {}
            continue
        try:
            configs[name] = _dumpable(plugin.config_schema().load(stored.get(name) or {}))
        except ValidationError:
            configs[name] = stored.get(name) or {}
    return configs


def set_community_plugin(plugin, community_id: int, enabled: bool, config: dict | None, actor: str,
                         version: int | None = None) -> dict:
    if enabled and plugin.name not in tenant_enabled():
        raise Conflict(N_("Enable this plugin for the tenant first."),
                       {"json": {"enabled": [N_("The plugin is not enabled for the tenant.")]}})
    loaded = _dumpable(load_config(plugin, config))
    row = db.session.scalar(select(CommunityPlugin).where(
        CommunityPlugin.community_id == community_id, CommunityPlugin.plugin == plugin.name))
    if row is None:
        row = CommunityPlugin(community_id=community_id, plugin=plugin.name, version=0)
        db.session.add(row)
    if version is not None and version != row.version:
        raise Conflict(N_("The config was changed by someone else; reload and try again."),
                       {"json": {"version": [f"current version is {row.version}"]}})
    changed = sorted(k for k in set(row.config or {}) | set(loaded) if (row.config or {}).get(k) != loaded.get(k))
    was_on = bool(row.enabled)  # a new row: off
    if was_on != enabled or changed:  # into the audit trail: the fields that changed, not their values
        action = "plugin.config_changed" if was_on == enabled else \
            "plugin.community_enabled" if enabled else "plugin.community_disabled"
        record(action, target_type="plugin", target_id=plugin.name, system_name=actor,
               details={"community_id": community_id, "version": row.version + 1, "changed": changed})
    row.enabled = enabled
    row.config = loaded
    row.version += 1
    row.updated_by = actor
    db.session.add(ConfigRevision(community_id=community_id, scope=plugin.name, version=row.version,
                                  enabled=enabled, config=loaded, changed_by=actor))
    bump_version()
    db.session.flush()
    return community_plugin_state(plugin, community_id)
