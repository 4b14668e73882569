"""Plugin discovery and validation: installed once per process, refused one by one.

Plugins are found through the entry-point group `wuye.plugins` — the plugins in this
repository exactly like a third party's. A plugin that fails to import, targets an
incompatible API, misspells a hook or breaks a contribution rule is refused and reported
(`wuye plugins list`, start-up log); the rest of the app runs.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pluggy

from ..tenancy import TenantScoped
from . import hookspecs
from .boundary import private_imports
from .types import PluginInfo, Role, Schedule

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "wuye.plugins"
CORE = "core"  # the core's own hook implementations: always enabled
NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class PluginRefused(Exception):
    """A plugin broke a rule of the hook API; the message says which."""


@dataclass
class LoadedPlugin:
    name: str
    info: PluginInfo
    distribution: str | None = None
    blueprints: list = field(default_factory=list)
    models: list = field(default_factory=list)
    migrations: Path | None = None
    config_schema: type | None = None
    roles: list[Role] = field(default_factory=list)
    cli_commands: list = field(default_factory=list)
    jobs: dict[str, Any] = field(default_factory=dict)
    schedules: list[Schedule] = field(default_factory=list)
    # wuye_core modules it imports outside the facade (deprecated since hook API 1.3: boundary.py)
    private_imports: list[str] = field(default_factory=list)


@dataclass
class PluginFailure:
    entry_point: str
    distribution: str | None
    error: str


def api_compatible(wanted: str, offered: str = hookspecs.HOOK_API_VERSION) -> bool:
    try:
        w_major, w_minor = (int(x) for x in wanted.split(".")[:2])
        o_major, o_minor = (int(x) for x in offered.split(".")[:2])
    except ValueError:
        return False
    return w_major == o_major and w_minor <= o_minor


class PluginHost:
    """The process's pluggy manager plus what each accepted plugin contributed."""

    def __init__(self):
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, LoadedPlugin] = {}
        self.failures: list[PluginFailure] = []
        self.hook_errors: Counter = Counter()  # (plugin, hook) -> contained exceptions
        self.core_names: set[str] = set()
        # (tenant, community, tenant.plugins_version) -> enabled plugin names; see dispatch.py
        self.enabled_cache: dict[tuple, frozenset[str]] = {}
        # (tenant, community, plugin, tenant.plugins_version) -> its config; see services.plugin_config
        self.config_cache: dict[tuple, dict] = {}

    # -- discovery --------------------------------------------------------------------------------

    def discover(self, entry_points=None) -> None:
        if entry_points is None:
            entry_points = metadata.entry_points(group=ENTRY_POINT_GROUP)
        for ep in sorted(entry_points, key=lambda e: e.name):
            dist = getattr(getattr(ep, "dist", None), "name", None)
            try:
                module = ep.load()
            except Exception as exc:
                self._refuse(ep.name, dist, f"import failed: {type(exc).__name__}: {exc}")
                continue
            try:
                self.add(module, ep.name, dist)
            except PluginRefused as exc:
                self._refuse(ep.name, dist, str(exc))

    def add_core(self, module, name: str = CORE) -> None:
        """The core's own hook implementations (default behaviour as a plugin): always enabled."""
        self.pm.register(module, name=name)
        self.core_names.add(name)

    def _refuse(self, entry_point: str, dist: str | None, error: str) -> None:
        log.error("plugin %s (%s) refused / 插件被拒绝: %s", entry_point, dist or "?", error)
        self.failures.append(PluginFailure(entry_point, dist, error))

    # -- validation -------------------------------------------------------------------------------

    def add(self, module, entry_point: str, dist: str | None = None) -> LoadedPlugin:
        try:
            self.pm.register(module, name=entry_point)
        except (pluggy.PluginValidationError, ValueError) as exc:
            raise PluginRefused(f"invalid hook implementation: {exc}") from exc
        try:
            plugin = self._validate(module, entry_point, dist)
        except PluginRefused:
            self.pm.unregister(module)
            raise
        except Exception as exc:
            self.pm.unregister(module)
            raise PluginRefused(f"a contribution hook failed: {type(exc).__name__}: {exc}") from exc
        plugin.private_imports = private_imports(module)
        if plugin.private_imports:
            message = (f"plugin {plugin.name} imports {', '.join(plugin.private_imports)}: private since hook API 1.3, "
                       f"import from wuye_core.plugins instead (docs/plugins.md §3) / 请改为从 wuye_core.plugins 导入")
            log.warning(message)
            warnings.warn(message, DeprecationWarning, stacklevel=2)
        self.plugins[plugin.name] = plugin
        return plugin

    def _own(self, hook_name: str, module):
        """Call `module`'s implementation of a contribution hook; None if it has none."""
        for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
            if impl.plugin is module:
                return impl.function()
        return None

    def _validate(self, module, entry_point: str, dist: str | None) -> LoadedPlugin:
        for caller in self.pm.get_hookcallers(module) or []:
            if caller.spec is None:
                raise PluginRefused(f"unknown hook {caller.name!r} (misspelled?) / 未知的钩子")
        info = self._own("wuye_plugin_info", module)
        if not isinstance(info, PluginInfo):
            raise PluginRefused("wuye_plugin_info must return a PluginInfo")
        if not NAME.match(info.name) or info.name == CORE or info.name in self.core_names:
            raise PluginRefused(f"invalid plugin name {info.name!r}: use [a-z][a-z0-9_]*")
        if info.name != entry_point:
            raise PluginRefused(f"entry point {entry_point!r} must be named like the plugin, {info.name!r}")
        if info.name in self.plugins:
            raise PluginRefused(f"a plugin named {info.name!r} is already installed")
        if not api_compatible(info.api_version):
            raise PluginRefused(
                f"targets hook API {info.api_version}, this wuye offers {hookspecs.HOOK_API_VERSION} / 接口版本不兼容"
            )
        plugin = LoadedPlugin(name=info.name, info=info, distribution=dist)
        plugin.blueprints = list(self._own("wuye_blueprints", module) or [])
        plugin.models = list(self._own("wuye_models", module) or [])
        for model in plugin.models:
            table = getattr(model, "__tablename__", "")
            if not (isinstance(model, type) and issubclass(model, TenantScoped)):
                raise PluginRefused(f"model {model!r} must subclass TenantScoped")
            if not table.startswith(f"{info.name}_"):
                raise PluginRefused(f"table {table!r} must be named {info.name}_…")
        migrations = self._own("wuye_migrations", module)
        if migrations is not None:
            plugin.migrations = Path(migrations)
            if not plugin.migrations.is_dir():
                raise PluginRefused(f"migrations directory {migrations} does not exist")
        plugin.config_schema = self._own("wuye_config_schema", module)
        plugin.roles = list(self._own("wuye_roles", module) or [])
        taken = {r.name for p in self.plugins.values() for r in p.roles}
        from ..auth.roles import TENANT_ROLES

        for role in plugin.roles:
            if role.name in taken or role.name in TENANT_ROLES:
                raise PluginRefused(f"role {role.name!r} is already defined")
        plugin.cli_commands = list(self._own("wuye_cli_commands", module) or [])
        plugin.jobs = dict(self._own("wuye_jobs", module) or {})
        plugin.schedules = list(self._own("wuye_schedules", module) or [])
        for schedule in plugin.schedules:
            if schedule.job not in plugin.jobs:
                raise PluginRefused(f"schedule {schedule.name!r} names unknown job {schedule.job!r}")
        return plugin

    # -- lookups ----------------------------------------------------------------------------------

    def get(self, name: str) -> LoadedPlugin | None:
        return self.plugins.get(name)

    def impls(self, hook_name: str):
        """Hook implementations in call order (pluggy's: last registered first)."""
        return getattr(self.pm.hook, hook_name).get_hookimpls()[::-1]
