"""Background jobs: rq on Redis in production, in-process in the embedded default.

Jobs are named by dotted path and carry keyword arguments of plain values (ids, strings),
never ORM objects; the tenant travels as `tenant_id` and in the job's meta. The job function
re-enters the tenant's context itself (tasks.py).

Policies: every job type has an explicit timeout and retry schedule (POLICIES). Failed jobs
stay in rq's failed registry: `wuye jobs failed`, `wuye jobs retry`.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass

from flask import current_app

log = logging.getLogger(__name__)

QUEUE = "wuye"


@dataclass(frozen=True)
class Policy:
    timeout: int  # seconds a run may take before rq kills it
    retries: tuple[int, ...]  # waits between attempts, seconds


POLICIES = {
    "wuye_core.jobs.tasks.deliver_outbox_event": Policy(timeout=60, retries=(5, 30, 120, 600, 1800)),
    "wuye_core.jobs.tasks.deliver_pending_events": Policy(timeout=300, retries=(5, 30, 120, 600, 1800)),
    "wuye_core.jobs.tasks.check_sla": Policy(timeout=300, retries=(30,)),
    "wuye_core.jobs.tasks.auto_close": Policy(timeout=300, retries=(60,)),
    "wuye_core.jobs.tasks.sweep_outbox": Policy(timeout=120, retries=()),
    "wuye_core.jobs.tasks.sweep_imports": Policy(timeout=120, retries=()),
    "wuye_core.jobs.tasks.run_plugin_job": Policy(timeout=600, retries=(30, 120, 600)),
    # 100,000 rows take about a minute; a retry after a crash re-imports (idempotent).
    "wuye_core.imports.tasks.run_household_import": Policy(timeout=1800, retries=(60,)),
}
DEFAULT_POLICY = Policy(timeout=300, retries=(30, 120))


def redis_connection():
    """The app's Redis client (one connection pool per app and process), or None without Redis."""
    url = current_app.config["WUYE"].redis_url
    if not url:
        return None
    clients = current_app.extensions.setdefault("wuye_redis", {})
    if url not in clients:
        from redis import Redis

        clients[url] = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30)
    return clients[url]


def get_queue():
    """The rq queue, or None in the embedded default (no WUYE_REDIS_URL)."""
    connection = redis_connection()
    if connection is None:
        return None
    from rq import Queue

    return Queue(QUEUE, connection=connection, is_async=not current_app.config["WUYE"].jobs_synchronous)


def resolve(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def enqueue(path: str, job_id: str | None = None, **kwargs) -> bool:
    """Queue a job after the current transaction committed. False if Redis could not take it
    (the outbox sweep will try again); in the embedded default the job runs right here."""
    queue = get_queue()
    if queue is None:
        from .tasks import run_inline

        run_inline(path, **kwargs)
        return True
    from redis.exceptions import RedisError
    from rq import Retry

    policy = POLICIES.get(path, DEFAULT_POLICY)
    retry = Retry(max=len(policy.retries), interval=list(policy.retries)) if policy.retries else None
    try:
        queue.enqueue(path, kwargs=kwargs, job_id=job_id, job_timeout=policy.timeout, retry=retry,
                      meta={"tenant_id": kwargs.get("tenant_id")}, failure_ttl=90 * 24 * 3600)
        return True
    except RedisError as exc:
        log.warning("could not enqueue %s (%s); it stays for the next sweep", path, exc)
        return False
