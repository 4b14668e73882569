"""Job functions. Each runs inside an app context and re-enters the tenant's context itself.
A job is an edge: it commits what the services it called changed (events/edge.py), once per
tenant, and a job that raises leaves nothing of that tenant's work written.

In a worker the app is created once per process (`worker_app`); in the embedded default
jobs run inline, inside the app that enqueued them.
"""

from __future__ import annotations

import logging

from flask import current_app, has_app_context
from sqlalchemy import select

from ..events.edge import unit_of_work
from ..extensions import db
from ..tenancy import Tenant, tenant_context

log = logging.getLogger(__name__)
_worker_app = None


def worker_app():
    global _worker_app
    if _worker_app is None:
        from ..app import create_app

        _worker_app = create_app()
    return _worker_app


def _in_app(fn, **kwargs):
    if has_app_context():
        return fn(**kwargs)
    with worker_app().app_context():
        try:
            return fn(**kwargs)
        finally:
            db.session.remove()


def run_inline(path: str, **kwargs) -> None:
    """The embedded default: run a job now, in this process; a failure is logged, not raised
    (the outbox keeps the event, so nothing is lost)."""
    from . import resolve

    try:
        resolve(path)(**kwargs)
    except Exception:
        log.exception("in-process job %s failed", path)


def _tenants() -> list[int]:
    return list(db.session.scalars(select(Tenant.id).where(Tenant.active.is_(True)).order_by(Tenant.id)))


# --- jobs ---------------------------------------------------------------------------------------


def deliver_outbox_event(tenant_id: int, outbox_id: int) -> bool:
    def run():
        from ..events.relay import deliver

        with tenant_context(tenant_id):
            return deliver(outbox_id)

    return _in_app(run)


def deliver_pending_events(tenant_id: int) -> int:
    def run():
        from ..events.relay import deliver_pending

        with tenant_context(tenant_id):
            return deliver_pending()

    return _in_app(run)


def _in_every_tenant(path: str) -> int:
    """Run the function at `path` once in each active tenant's context; the sum of what it returns."""

    def run():
        from . import resolve

        fn = resolve(path)
        total = 0
        for tenant_id in _tenants():
            with tenant_context(tenant_id), unit_of_work():
                total += fn()
        return total

    return _in_app(run)


def check_sla() -> int:
    """Periodic: mark missed deadlines in every tenant (each one once)."""
    return _in_every_tenant("wuye_core.tickets.service.mark_sla_breaches")


def auto_close() -> int:
    """Periodic: close resolved tickets nobody rated in time."""
    return _in_every_tenant("wuye_core.tickets.service.auto_close")


def sweep_imports() -> int:
    """Periodic: imports whose worker died while they ran are marked failed (they would say
    "running" for ever otherwise)."""
    return _in_every_tenant("wuye_core.imports.tasks.fail_interrupted")


def sweep_outbox() -> int:
    """Periodic: enqueue events that were committed but never reached the queue."""

    def run():
        from ..events.relay import sweep

        return sweep()

    return _in_app(run)


def run_plugin_job(tenant_id: int, plugin: str, job: str, **kwargs):
    """A plugin's job, for one tenant, only while the plugin is still enabled there."""

    def run():
        from ..host import enablement

        host = current_app.extensions["wuye_plugins"]
        loaded = host.get(plugin)
        with tenant_context(tenant_id), unit_of_work():
            if loaded is None or job not in loaded.jobs or plugin not in enablement.tenant_enabled():
                log.info("skipping %s.%s for tenant %s: plugin not installed or not enabled", plugin, job, tenant_id)
                return None
            return loaded.jobs[job](tenant_id=tenant_id, **kwargs)

    return _in_app(run)


def run_plugin_schedule(plugin: str, job: str) -> int:
    """Periodic: a plugin's scheduled job, queued once per tenant where the plugin is enabled."""

    def run():
        from ..host.enablement import TenantPlugin
        from . import enqueue

        count = 0
        for tenant_id in _tenants():
            with tenant_context(tenant_id):
                on = db.session.scalar(select(TenantPlugin.id).where(TenantPlugin.plugin == plugin,
                                                                     TenantPlugin.enabled.is_(True)))
            if on:
                enqueue("wuye_core.jobs.tasks.run_plugin_job", tenant_id=tenant_id, plugin=plugin, job=job)
                count += 1
        return count

    return _in_app(run)
