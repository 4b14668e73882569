"""Background jobs: rq on Redis in production, in-process in the embedded default.

A job is a module-level function that takes keyword arguments of plain values (ids, strings),
never ORM objects; the tenant travels as `tenant_id` and in the job's meta, and the function
re-enters the tenant's context itself. Each feature registers its jobs with the app's registry,
by function, from a `register_jobs(jobs)` that app.py calls — nothing registers on import:

    jobs.register(deliver_pending_events, Policy(timeout=300, retries=(5, 30, 120)))
    jobs.every(60, check_sla)
    enqueue(deliver_pending_events, tenant_id=7)   # refused if the function was never registered

Every job type has an explicit timeout and retry schedule. Jobs run inside an app context:
the one of the request that enqueued them (embedded default, tests), or the one `wuye worker`
builds (jobs/worker.py). Failed jobs stay in rq's failed registry: `wuye jobs failed`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

log = logging.getLogger(__name__)

QUEUE = "wuye"


@dataclass(frozen=True)
class Policy:
    timeout: int  # seconds a run may take before rq kills it
    retries: tuple[int, ...]  # waits between attempts, seconds


DEFAULT_POLICY = Policy(timeout=300, retries=(30, 120))


@dataclass(frozen=True)
class Periodic:
    """Run `job(**kwargs)` every `every_seconds` (once, whichever worker leads: schedule.py)."""

    name: str
    job: Callable
    every_seconds: int
    kwargs: tuple = ()


def job_name(fn: Callable) -> str:
    """How rq names (and a worker imports) a job: its module and name."""
    return f"{fn.__module__}.{fn.__qualname__}"


class JobRegistry:
    """The jobs and periodic work of one app, registered by the features that own them."""

    def __init__(self):
        self.policies: dict[str, Policy] = {}
        self.periodic: list[Periodic] = []

    def register(self, fn: Callable, policy: Policy = DEFAULT_POLICY) -> Callable:
        if "<locals>" in fn.__qualname__:
            raise ValueError(f"job {fn.__qualname__} must be a module-level function (a worker imports it)")
        self.policies[job_name(fn)] = policy
        return fn

    def every(self, seconds: int, fn: Callable, *, name: str | None = None, policy: Policy | None = None,
              **kwargs) -> None:
        self.register(fn, policy or Policy(timeout=min(300, seconds * 4), retries=()))
        self.periodic.append(Periodic(name or fn.__name__, fn, seconds, tuple(sorted(kwargs.items()))))

    def policy(self, fn: Callable) -> Policy:
        try:
            return self.policies[job_name(fn)]
        except KeyError:
            raise ValueError(f"job {job_name(fn)} is not registered (register_jobs)") from None


def registry(app=None) -> JobRegistry:
    return (app or current_app).extensions["wuye_jobs"]


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


def run_inline(fn: Callable, **kwargs) -> None:
    """The embedded default: run a job now, in this process; a failure is logged, not raised
    (the outbox keeps the event, so nothing is lost)."""
    try:
        fn(**kwargs)
    except Exception:
        log.exception("in-process job %s failed", job_name(fn))


def enqueue(fn: Callable, job_id: str | None = None, **kwargs) -> bool:
    """Queue a registered job after the current transaction committed. False if Redis could not
    take it (the outbox sweep will try again); in the embedded default the job runs right here."""
    policy = registry().policy(fn)
    queue = get_queue()
    if queue is None:
        run_inline(fn, **kwargs)
        return True
    from redis.exceptions import RedisError
    from rq import Retry

    retry = Retry(max=len(policy.retries), interval=list(policy.retries)) if policy.retries else None
    try:
        queue.enqueue(fn, kwargs=kwargs, job_id=job_id, job_timeout=policy.timeout, retry=retry,
                      meta={"tenant_id": kwargs.get("tenant_id")}, failure_ttl=90 * 24 * 3600)
        return True
    except RedisError as exc:
        log.warning("could not enqueue %s (%s); it stays for the next sweep", job_name(fn), exc)
        return False
