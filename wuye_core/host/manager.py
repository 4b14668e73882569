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
from .types import ConsolePart, PluginInfo, ResidentNavEntry, ResidentPart, Role, Schedule, Webhook

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
    # path parameter -> the model whose row it addresses (None: nothing in a community); see
    # wuye_route_objects and gate.gate_plugin_routes
    route_objects: dict[str, type | None] = field(default_factory=dict)
    # what it adds to the web console (API 1.7): a ConsolePart, or None
    console: Any = None
    # what it adds to the residents' phone pages (API 1.12): a ResidentPart, or None
    resident_pages: Any = None
    # its inbound webhooks by name (API 1.13, host/webhooks.py)
    webhooks: dict[str, Webhook] = field(default_factory=dict)


@dataclass
class PluginFailure:
    entry_point: str
    distribution: str | None
    error: str


WEBHOOK_NAME = re.compile(r"^[a-z0-9_-]{1,40}$")


def _webhooks(declared) -> dict[str, Webhook]:
    """`wuye_webhooks`' tuple by name; anything else refuses the plugin."""
    found: dict[str, Webhook] = {}
    for webhook in declared or ():
        if not isinstance(webhook, Webhook) or not callable(webhook.handler):
            raise PluginRefused("wuye_webhooks must return Webhook(name, handler) values")
        if not isinstance(webhook.name, str) or not WEBHOOK_NAME.match(webhook.name) or webhook.name in found:
            raise PluginRefused(f"webhook name {webhook.name!r}: use [a-z0-9_-], 1-40 characters, once")
        found[webhook.name] = webhook
    return found


COMMUNITY_PARAM = "community_id"  # the gate checks this path parameter itself
ROUTE_OBJECTS_SINCE = "1.3"  # from this hook API version, every path parameter must be declared
def _route_target(param: str, target, core_objects: dict[str, type]) -> type | None:
    """A declared route object, checked: None, a core object's name, or a tenant-scoped model
    with one integer primary key and a `community_id` attribute the gate can read."""
    if target is None:
        return None
    if isinstance(target, str):
        if target not in core_objects:
            raise PluginRefused(f"route object {param!r}: unknown core object {target!r} (known: {tuple(core_objects)})")
        return core_objects[target]
    if not (isinstance(target, type) and issubclass(target, TenantScoped)):
        raise PluginRefused(f"route object {param!r}: {target!r} is not a tenant-scoped model")
    from sqlalchemy import inspect as sa_inspect

    mapper = sa_inspect(target)
    keys = mapper.primary_key
    try:
        integer = len(keys) == 1 and keys[0].type.python_type is int
    except NotImplementedError:  # a column type that names no Python type
        integer = False
    if not integer:
        raise PluginRefused(f"route object {param!r}: {target.__name__} needs one integer primary key")
    if COMMUNITY_PARAM not in mapper.attrs.keys():
        raise PluginRefused(f"route object {param!r}: {target.__name__} has no community_id column or property")
    return target


_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")  # <converter(args):name> or <name>


def _route_params(plugin: LoadedPlugin):
    """(rule, {parameter: converter}) of every route of the plugin's blueprints, read from a
    scratch app before the plugin is accepted (a blueprint knows its rules only once registered)."""
    from flask import Flask

    scratch = Flask(f"wuye_routes_of_{plugin.name}")
    for index, blueprint in enumerate(plugin.blueprints):
        scratch.register_blueprint(blueprint, name=f"p{index}", url_prefix=f"/api/v1/plugins/{plugin.name}"
                                   f"{blueprint.url_prefix or ''}")
    console = plugin.console.blueprint if plugin.console is not None else None
    if console is not None:  # the console's pages are gated like the API's routes
        scratch.register_blueprint(console, name="console", url_prefix=f"/console/plugins/{plugin.name}"
                                   f"{console.url_prefix or ''}")
    for rule in scratch.url_map.iter_rules():
        if rule.endpoint != "static":
            yield rule.rule, {name: converter or "default" for converter, name in _PARAM.findall(rule.rule)}


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
        # core objects a plugin route may address by name ("ticket"), registered by the features
        # that own them before plugins are loaded (the host sits below the features)
        self.core_objects: dict[str, type] = {}

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
        plugin.console = self._own("wuye_console", module)
        if plugin.console is not None and not isinstance(plugin.console, ConsolePart):
            raise PluginRefused("wuye_console must return a ConsolePart")
        plugin.resident_pages = self._own("wuye_resident_pages", module)
        if plugin.resident_pages is not None and not isinstance(plugin.resident_pages, ResidentPart):
            raise PluginRefused("wuye_resident_pages must return a ResidentPart")
        if plugin.resident_pages is not None and not all(isinstance(e, ResidentNavEntry)
                                                         for e in plugin.resident_pages.nav):
            raise PluginRefused("ResidentPart.nav must hold ResidentNavEntry values")
        plugin.webhooks = _webhooks(self._own("wuye_webhooks", module))
        plugin.route_objects = self._route_objects(plugin, self._own("wuye_route_objects", module))
        return plugin

    def _route_objects(self, plugin: LoadedPlugin, declared) -> dict[str, type | None]:
        """Check `wuye_route_objects` against the path parameters of the plugin's routes.

        Fail closed: from API 1.3, a path parameter (other than community_id) that is not declared
        refuses the plugin, so no route can reach the gate with an id it cannot check. An older
        plugin still loads; its undeclared parameters are gated by the tenant only, and each is
        named in a deprecation warning at start-up."""
        if declared is None:
            declared = {}
        if not isinstance(declared, dict):
            raise PluginRefused("wuye_route_objects must return a dict: path parameter -> model, 'ticket' or None")
        objects: dict[str, type | None] = {}
        for param, target in declared.items():
            if param == COMMUNITY_PARAM:
                raise PluginRefused(f"{COMMUNITY_PARAM!r} is the core's own path parameter: do not declare it")
            objects[param] = _route_target(param, target, self.core_objects)
        strict = api_compatible(ROUTE_OBJECTS_SINCE, plugin.info.api_version)  # targets 1.3 or later
        for rule, params in _route_params(plugin):
            for param, converter in params.items():
                if param == COMMUNITY_PARAM:
                    continue
                if param not in objects:
                    if strict:
                        raise PluginRefused(
                            f"route {rule}: path parameter {param!r} is not declared in wuye_route_objects "
                            f"/ 路由参数未声明")
                    message = (f"plugin {plugin.name} (API {plugin.info.api_version}): route {rule}: path parameter "
                               f"{param!r} is not declared in wuye_route_objects, so only the tenant's enablement is "
                               f"checked for it; declare it (required from hook API 1.3)")
                    log.warning(message)
                    warnings.warn(message, DeprecationWarning, stacklevel=2)
                    objects[param] = None
                elif objects[param] is not None and converter != "int":
                    raise PluginRefused(f"route {rule}: {param!r} addresses a model, use <int:{param}>")
        return objects

    # -- lookups ----------------------------------------------------------------------------------

    def get(self, name: str) -> LoadedPlugin | None:
        return self.plugins.get(name)

    def impls(self, hook_name: str):
        """Hook implementations in call order (pluggy's: last registered first)."""
        return getattr(self.pm.hook, hook_name).get_hookimpls()[::-1]
