"""Reading and validating a tenant file, with error paths like `communities[2].plugins.x.y`."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from marshmallow import ValidationError, fields, validate

from ..common.schemas import StrictSchema
from ..households.community_config import check_config
from ..households.schemas import CODE, CommunityCreate, SiteUpdate
from ..tenancy.models import TenantKind
from ..tenants.routes import SLUG


class PluginSetting(StrictSchema):
    enabled = fields.Boolean(load_default=True)
    config = fields.Dict(load_default=dict)


class SiteSpec(SiteUpdate):
    pass


class CommunitySpec(CommunityCreate):
    code = fields.String(required=True, validate=[validate.Length(min=1, max=40), CODE])
    config = fields.Dict(load_default=dict, metadata={"description": "社区配置覆盖 / this community's overrides"})
    plugins = fields.Dict(keys=fields.String(), values=fields.Nested(PluginSetting), load_default=dict)
    sites = fields.List(fields.Nested(SiteSpec), load_default=list)


class TenantSpec(StrictSchema):
    slug = fields.String(required=True, validate=[validate.Length(min=2, max=64), SLUG])
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.Enum(TenantKind, by_value=True, required=True)


class Defaults(StrictSchema):
    config = fields.Dict(load_default=dict, metadata={"description": "所有社区共用的配置 / config for every community"})
    plugins = fields.Dict(keys=fields.String(), values=fields.Nested(PluginSetting), load_default=dict)


class TenantFile(StrictSchema):
    tenant = fields.Nested(TenantSpec, required=True)
    plugins = fields.Dict(keys=fields.String(), values=fields.Boolean(), load_default=dict,
                          metadata={"description": "租户级开关（不涉及具体社区）/ tenant-level switches"})
    defaults = fields.Nested(Defaults, load_default=lambda: {"config": {}, "plugins": {}})
    # each community is loaded on its own (validate_document), so one bad community does not
    # hide the problems of the others
    communities = fields.List(fields.Dict(), load_default=list)


class DocumentError(Exception):
    """Everything wrong with a file, as `(path, reason)` pairs."""

    def __init__(self, file: str, problems: list[tuple[str, str]]):
        self.file = file
        self.problems = problems
        super().__init__("\n".join(f"{file}: {path}: {reason}" for path, reason in problems))


@dataclass
class CommunityState:
    code: str
    name: str
    address: str | None
    config: dict  # validated, defaults filled
    plugins: dict[str, dict]  # name -> {"enabled", "config" (validated)}
    sites: list[dict] = field(default_factory=list)


@dataclass
class DesiredState:
    file: str
    slug: str
    name: str
    kind: TenantKind
    tenant_plugins: dict[str, bool]
    communities: list[CommunityState]


def flatten(messages, prefix: str = "") -> list[tuple[str, str]]:
    """marshmallow's nested error dict → [("communities[2].sites[0].kind", "…"), …]."""
    out = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if isinstance(key, int):
                path = f"{prefix}[{key}]"
            elif key == "_schema":
                path = prefix
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            out += flatten(value, path)
    elif isinstance(messages, list):
        for item in messages:
            out += flatten(item, prefix) if isinstance(item, dict | list) else [(prefix, str(item))]
    else:
        out.append((prefix, str(messages)))
    return out


def deep_merge(base: dict, override: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def read(path: str | Path) -> dict:
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(yaml)"
        raise DocumentError(str(path), [(where, f"YAML syntax error: {getattr(exc, 'problem', exc)}")]) from exc
    if not isinstance(data, dict):
        raise DocumentError(str(path), [("(top)", "the file must hold a mapping with `tenant:`")])
    return data


def _load_plugin_config(plugin, config: dict, path: str, problems: list) -> dict:
    """The plugin's config as enabling it through the API would load it (the same function), or
    its problems listed under `path`, so a file reports all of them before anything is written."""
    from ..errors import DomainError
    from ..host.enablement import _dumpable, load_config

    try:
        return _dumpable(load_config(plugin, config))
    except DomainError as exc:
        problems += flatten(exc.errors["json"]["config"], f"{path}.config")
        return {}


def validate_document(data: dict, file: str, host) -> DesiredState:
    """Validate with the same schemas the API uses; raise DocumentError listing every problem."""
    problems: list[tuple[str, str]] = []
    try:
        doc = TenantFile().load(data)
    except ValidationError as exc:
        problems += flatten(exc.messages)
        doc = {k: v for k, v in (exc.valid_data or {}).items()}
        if "tenant" not in doc:
            raise DocumentError(file, problems) from exc
        doc.setdefault("defaults", {"config": {}, "plugins": {}})
        doc.setdefault("plugins", {})
        doc.setdefault("communities", [])
        doc["defaults"].setdefault("config", {})
        doc["defaults"].setdefault("plugins", {})
    defaults = doc["defaults"]
    seen_codes: dict[str, int] = {}
    communities = []
    tenant_plugins: dict[str, bool] = {}
    for name in defaults["plugins"]:
        if host.get(name) is None:
            problems.append((f"defaults.plugins.{name}", "no such plugin is installed"))
    for name, on in doc["plugins"].items():
        if host.get(name) is None:
            problems.append((f"plugins.{name}", "no such plugin is installed"))
        else:
            tenant_plugins[name] = on
    for i, raw in enumerate(doc["communities"]):
        path = f"communities[{i}]"
        try:
            spec = CommunitySpec().load(raw)
        except ValidationError as exc:
            problems += flatten(exc.messages, path)
            spec = exc.valid_data or {}
            if "code" not in spec:
                continue
            spec.setdefault("name", spec["code"])
            spec.setdefault("config", {})
            spec.setdefault("plugins", {})
            spec["sites"] = [s for s in spec.get("sites", []) if isinstance(s, dict) and "name" in s]
        if spec["code"] in seen_codes:
            problems.append((f"{path}.code", f"duplicate of communities[{seen_codes[spec['code']]}]"))
        seen_codes.setdefault(spec["code"], i)
        config, errors = check_config(deep_merge(defaults["config"], spec["config"]))
        problems += flatten(errors, f"{path}.config")
        plugins = {}
        for name in sorted(set(defaults["plugins"]) | set(spec["plugins"])):
            plugin = host.get(name)
            where = f"{path}.plugins.{name}" if name in spec["plugins"] else f"defaults.plugins.{name}"
            if plugin is None:
                if name in spec["plugins"]:
                    problems.append((where, "no such plugin is installed"))
                continue
            setting = deep_merge(defaults["plugins"].get(name, {}), spec["plugins"].get(name, {}))
            plugins[name] = {"enabled": setting.get("enabled", True),
                             "config": _load_plugin_config(plugin, setting.get("config", {}), where, problems)}
            tenant_plugins[name] = tenant_plugins.get(name, False) or plugins[name]["enabled"]
        site_names: dict[str, int] = {}
        for j, site in enumerate(spec["sites"]):
            if site["name"] in site_names:
                problems.append((f"{path}.sites[{j}].name", f"duplicate of sites[{site_names[site['name']]}]"))
            site_names.setdefault(site["name"], j)
            site.setdefault("address", None)
            site.setdefault("area_m2", None)
        communities.append(CommunityState(spec["code"], spec["name"], spec.get("address"), config, plugins,
                                          spec["sites"]))
    for name, setting in defaults["plugins"].items():
        if host.get(name) is not None:
            tenant_plugins[name] = tenant_plugins.get(name, False) or setting.get("enabled", True)
    if problems:
        raise DocumentError(file, problems)
    tenant = doc["tenant"]
    return DesiredState(file, tenant["slug"], tenant["name"], tenant["kind"], tenant_plugins, communities)


def load(path: str | Path, host) -> DesiredState:
    return validate_document(read(path), str(path), host)


