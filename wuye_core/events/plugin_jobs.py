"""Plugins' background work: a plugin's job run for one tenant (`services.enqueue_job`), and its
schedules (`wuye_schedules`) run for every tenant where the plugin is enabled."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..host import enablement
from ..jobs import JobRegistry, Policy, enqueue
from ..tenancy import Tenant, tenant_context
from .edge import unit_of_work

log = logging.getLogger(__name__)


def run_plugin_job(tenant_id: int, plugin: str, job: str, **kwargs):
    """A plugin's job, for one tenant, only while the plugin is still enabled there; one unit of work."""
    loaded = current_app.extensions["wuye_plugins"].get(plugin)
    with tenant_context(tenant_id), unit_of_work():
        if loaded is None or job not in loaded.jobs or plugin not in enablement.tenant_enabled():
            log.info("skipping %s.%s for tenant %s: plugin not installed or not enabled", plugin, job, tenant_id)
            return None
        return loaded.jobs[job](tenant_id=tenant_id, **kwargs)


def run_plugin_schedule(plugin: str, job: str) -> int:
    """Periodic: a plugin's scheduled job, queued once per tenant where the plugin is enabled."""
    count = 0
    for tenant_id in db.session.scalars(select(Tenant.id).where(Tenant.active.is_(True)).order_by(Tenant.id)).all():
        with tenant_context(tenant_id):
            on = plugin in enablement.tenant_enabled()
        if on:
            enqueue(run_plugin_job, tenant_id=tenant_id, plugin=plugin, job=job)
            count += 1
    return count


def register_jobs(jobs: JobRegistry, host) -> None:
    jobs.register(run_plugin_job, Policy(timeout=600, retries=(30, 120, 600)))
    for plugin in host.plugins.values():
        for schedule in plugin.schedules:
            jobs.every(schedule.every_seconds, run_plugin_schedule, name=f"{plugin.name}.{schedule.name}",
                       policy=Policy(timeout=300, retries=(30, 120)), plugin=plugin.name, job=schedule.job)
