"""Per-tenant dispatch: a hook call reaches only the plugins enabled where it happens.

The set of enabled plugins is read once per request (and per community) and kept on `g`, so
every worker process sees a change at its next request without a cross-process cache bus.
Plugins never check enablement themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from typing import Any

from flask import current_app, g, has_request_context

from ..common.caches import cache, declare
from ..errors import DomainError
from ..extensions import db
from ..i18n import N_
from ..tenancy import require_tenant_id
from . import enablement, lazy_savepoint
from .manager import PluginHost
from .types import Event, PluginVeto

log = logging.getLogger(__name__)


def host() -> PluginHost:
    return current_app.extensions["wuye_plugins"]


def declare_caches(app) -> None:
    """The host's caches (common/caches.py), keyed by the tenant's plugins_version, which every
    change of enablement or plugin config bumps in the same transaction."""
    declare(app, "plugin_enablement", seconds=None, keyed_by_version=True, max_entries=20_000,
            why="which plugins a hook call reaches, on every plugin route and hook call")
    declare(app, "plugin_config", seconds=None, keyed_by_version=True, max_entries=20_000,
            why="a plugin's config in a community, for plugins that read it on every ticket (SLA hook)")


def request_plugins_version() -> int | None:
    """The current tenant's plugins_version as this request's authentication read it, or None
    (outside a request, or when the unit of work runs for ANOTHER tenant than the caller's: an
    in-process job of a partner tenant — a hand-off's delivery — must not key its lookups by the
    caller's version, which would find the other tenant's entry of that number, stale)."""
    if not has_request_context():
        return None
    version, identity = g.get("plugins_version"), g.get("identity")
    if version is None or identity is None or identity.tenant_id != require_tenant_id():
        return None
    return version


def enabled_names(community_id: int | None = None) -> frozenset[str]:
    """Installed plugins enabled for the current tenant (and community, if given), plus the core.

    Cached per process under (tenant, community, tenant.plugins_version): the version comes with
    the authentication, so a request costs no query here, and any change bumps the version. The
    process that made the change sees it at its next request, other workers within
    `auth_cache_seconds` (their cached identity carries the version; plugin routes re-check
    before a 404, so an enabled plugin is reachable at once). Outside requests (jobs) the
    database is asked each time.
    """
    version = request_plugins_version()
    key = None if version is None else (require_tenant_id(), community_id, version)
    if key is not None and (found := cache("plugin_enablement").get(key)) is not None:
        return found
    names = enablement.tenant_enabled() if community_id is None else enablement.community_enabled(community_id)
    found = frozenset(n for n in names if n in host().plugins) | host().core_names
    if key is not None:
        cache("plugin_enablement").put(key, found)
    return found


def forget_enablement() -> None:
    """Call after changing enablement within a request: the rest of it reads the database."""
    if has_request_context():
        g.plugins_version = None


def _calls(hook: str, community: int | None, kwargs: dict, per_plugin: Callable[[str], dict] | None,
           skip: frozenset[str] = frozenset()):
    enabled = enabled_names(community)
    for impl in host().impls(hook):
        if impl.plugin_name not in enabled or impl.plugin_name in skip:
            continue
        available = dict(kwargs)
        if per_plugin is not None:
            available.update(per_plugin(impl.plugin_name))
        yield impl, {name: available[name] for name in impl.argnames}


def _contain(impl, hook: str, exc: Exception) -> None:
    tenant = require_tenant_id()
    host().hook_errors[(impl.plugin_name, hook)] += 1
    log.error("plugin %s failed in %s for tenant %s: %s", impl.plugin_name, hook, tenant, exc,
              exc_info=exc, extra={"plugin": impl.plugin_name, "tenant_id": tenant, "hook": hook})


# Hooks that return a value (or veto) and are not meant to write: their savepoint opens only if
# they run SQL (lazy_savepoint.py), so a hook that touches no table costs no SQLAlchemy
# transaction bookkeeping (~30 µs per plugin and call). Every other contained hook (events, and
# any hook added later) gets the eager `savepoint()`.
VALUE_HOOKS = frozenset({"wuye_dashboard_figures", "wuye_report_sections", "wuye_ticket_links",
                         "wuye_ticket_sla_policy", "wuye_validate_resident", "wuye_sms_send",
                         "wuye_resident_personal_data"})
lazy_savepoint.install()


def contained(hook: str, plugin: str | None = None):
    """The containment for one call of `hook` by `plugin`: a context manager (see VALUE_HOOKS).
    The core's own value hooks (its dashboard figures) run bare: they are the core's code, not a
    plugin's, and a savepoint around their queries cost every dashboard two round trips."""
    if hook in VALUE_HOOKS:
        if plugin is not None and plugin in host().core_names:
            return nullcontext()
        return lazy_savepoint.LazySavepoint(db.session())
    return savepoint()


@contextmanager
def savepoint():
    """Run a plugin's hook so that, if it raises, its writes are undone and nothing else is.

    A SAVEPOINT (`begin_nested`), opening the transaction first if none is open. SQLAlchemy
    emits it at the hook's first statement: a hook that touches no table costs nothing, one
    that does costs SAVEPOINT and RELEASE (two round trips on PostgreSQL). A hook that
    commits on its own ends the savepoint: what it committed stays, a later failure rolls back
    only what it wrote since. SQLite: pysqlite opens its transaction only at the first write,
    and a SAVEPOINT outside one would be the transaction itself (its RELEASE would commit the
    hook's writes on the spot). So while the driver has no transaction, nothing is uncommitted
    but what the hook writes: a plain rollback undoes exactly that."""
    session = db.session()
    session.flush()  # the core's pending changes go before the savepoint, not into it
    if session.get_bind().dialect.name == "sqlite" and \
            not session.connection().connection.driver_connection.in_transaction:
        try:
            yield
        except BaseException:
            session.rollback()
            raise
        return
    nested = session.begin_nested()
    try:
        yield
    except BaseException:
        if session.get_nested_transaction() is nested:
            nested.rollback()
        else:  # the hook committed (or rolled back) itself: undo what is left of its work
            session.rollback()
        raise
    if session.get_nested_transaction() is nested:
        try:
            nested.commit()  # RELEASE SAVEPOINT, after flushing what the hook left pending
        except BaseException:  # that flush failed: the hook's failure, its savepoint rolled back
            if session.get_nested_transaction() is nested:
                nested.rollback()
            raise


def call_contained(hook: str, community: int | None = None, per_plugin=None, skip: frozenset[str] = frozenset(),
                   **kwargs) -> list[tuple[str, Any]]:
    """Call `hook` on the plugins enabled for the tenant (and `community`), each in its own
    savepoint (lazy for VALUE_HOOKS); a plugin that raises has its writes rolled back and is
    logged, counted and skipped. `per_plugin(name)` adds arguments that differ by plugin (its config);
    the plugins named in `skip` are not called."""
    results = []
    for impl, args in _calls(hook, community, kwargs, per_plugin, skip):
        try:
            with contained(hook, impl.plugin_name):
                result = impl.function(**args)
            results.append((impl.plugin_name, result))
        except Exception as exc:
            _contain(impl, hook, exc)
    return results


def call_every_installed(hook: str, **kwargs) -> tuple[list[tuple[str, Any]], list[str]]:
    """Call `hook` on EVERY installed plugin that implements it, enabled for the tenant or not,
    each contained as `call_contained` does; (results, names of the plugins that raised). For the
    residents' rights (API 1.10): disabling a plugin keeps its data, and a resident's copy of their
    data, or its erasure, must reach it all the same. Still in the current tenant's context."""
    results, failed = [], []
    for impl in host().impls(hook):
        try:
            with contained(hook, impl.plugin_name):
                results.append((impl.plugin_name, impl.function(**{name: kwargs[name] for name in impl.argnames})))
        except Exception as exc:
            _contain(impl, hook, exc)
            failed.append(impl.plugin_name)
    return results, failed


class PluginFailed(DomainError):
    """409: a plugin could not do its part of an all-or-nothing change (`call_all_or_nothing`):
    nothing of the change is kept; names the plugin."""

    status = 409

    def __init__(self, plugin: str, hook: str):
        super().__init__(N_("A plugin could not do its part; nothing was changed. Try again, or ask the operator."),
                         {"plugin": plugin, "hook": hook})
        self.plugin = plugin


def call_all_or_nothing(hook: str, **kwargs) -> list[tuple[str, Any]]:
    """Call `hook` on every installed plugin that implements it (as `call_every_installed`), each
    in a savepoint; the first that raises is logged and ends it all with `PluginFailed` (the
    caller's unit of work rolls back: nothing of the change stays). For a change the law wants
    whole — a resident's erasure."""
    results = []
    for impl in host().impls(hook):
        try:
            with savepoint():
                results.append((impl.plugin_name, impl.function(**{name: kwargs[name] for name in impl.argnames})))
        except Exception as exc:
            _contain(impl, hook, exc)
            raise PluginFailed(impl.plugin_name, hook) from exc
    return results


def call_uncontained(hook: str, community: int | None = None, per_plugin=None, **kwargs) -> list[tuple[str, Any]]:
    """Call `hook` on the enabled plugins and let exceptions through (for commands such as
    `wuye demo`, where a failing plugin should stop the command and say why)."""
    return [(impl.plugin_name, impl.function(**args)) for impl, args in _calls(hook, community, kwargs, per_plugin)]


class Vetoed(DomainError):
    """422: an enabled plugin's validation hook refused the change (`PluginVeto`); names the plugin,
    its title and the field. The API, imports and plugins get this same error for the same veto."""

    def __init__(self, plugin: str, title: str, field: str | None, message: str):
        super().__init__(N_("Refused by a plugin."), {"plugin": plugin, "plugin_title": title,
                                                      "json": {field or "_schema": [message]}})
        self.plugin, self.plugin_title, self.field, self.reason = plugin, title, field, message


def veto_checker(hook: str, community: int | None = None) -> Callable[..., None] | None:
    """check_veto with the enabled implementations looked up once, for a caller that checks many
    rows of one community (an import); `None` when no enabled plugin implements the hook."""
    enabled = enabled_names(community)
    impls = [impl for impl in host().impls(hook) if impl.plugin_name in enabled]
    if not impls:
        return None

    def check(**kwargs) -> None:
        for impl in impls:
            try:
                with contained(hook):  # a validator that writes and then fails keeps nothing
                    impl.function(**{name: kwargs[name] for name in impl.argnames})
            except PluginVeto as veto:
                plugin = host().get(impl.plugin_name)
                title = plugin.info.title_zh if plugin else impl.plugin_name
                raise Vetoed(impl.plugin_name, title, veto.field, veto.message) from veto
            except Exception as exc:
                _contain(impl, hook, exc)

    return check


def check_veto(hook: str, community: int | None = None, **kwargs) -> None:
    """Call a validation hook; `PluginVeto` from any enabled plugin raises `Vetoed` (a 422 naming it)."""
    check = veto_checker(hook, community)
    if check is not None:
        check(**kwargs)


def event_hook(event: Event) -> str:
    """The hook an event is delivered to: a core event to `wuye_<event.name>`, a plugin's event
    (`<plugin>.<name>`) to `wuye_plugin_event`."""
    return "wuye_plugin_event" if "." in event.name else f"wuye_{event.name}"


def event_recipients(event: Event) -> list[str]:
    """The plugins (core included) that get `event`: enabled for its community, implementing its hook."""
    return [impl.plugin_name for impl, _ in _calls(event_hook(event), event.community_id, {"event": event}, None)]


def event_filters(hook: str, plugins) -> dict[str, Callable[[Event], bool]]:
    """The core's implementations of `hook` among `plugins` that look at an event before it is
    theirs (`wants_event(event)` on the registered object): the relay neither calls them nor
    records a delivery for an event they do not want. Hand-offs follow only the tickets that are
    part of one: every other ticket event costs them a dict lookup, no savepoint and no delivery
    row (handoffs/progress.py). Plugins do not get this: each of their deliveries is tracked."""
    found = {}
    for impl in host().impls(hook):
        wants = getattr(impl.plugin, "wants_event", None)
        if wants is not None and impl.plugin_name in plugins and impl.plugin_name in host().core_names:
            found[impl.plugin_name] = wants
    return found


def deliver_to(event: Event, plugin: str) -> Exception | None:
    """Call one plugin's hook for `event` in a savepoint. Returns its exception (its writes rolled
    back, logged and counted) or None. The plugin's enablement is the caller's business."""
    hook = event_hook(event)
    for impl in host().impls(hook):
        if impl.plugin_name == plugin:
            try:
                with savepoint():
                    impl.function(**{name: event for name in impl.argnames})
            except Exception as exc:
                _contain(impl, hook, exc)
                return exc
            return None
    return None


def deliver_event(event: Event) -> None:
    """Call every enabled plugin's hook for `event` at once, each contained (no delivery record:
    the outbox's per-plugin delivery is events/relay.py)."""
    call_contained(event_hook(event), event.community_id, event=event)
