"""Periodic work: SLA checks, auto-close, the outbox sweep, and plugins' schedules.

Production: `wuye worker --with-scheduler` runs rq's scheduler (delayed jobs and retries) and
rq's CronScheduler registrations below, enqueued by whichever worker holds a short Redis lock,
so several workers never double the schedule. Embedded default: a daemon thread in
`wuye serve` runs the same functions in-process.
"""

from __future__ import annotations

import logging
import threading
import time

from . import QUEUE, Periodic, registry

log = logging.getLogger(__name__)
LOCK = "wuye:scheduler:leader"


def periodic_work(app=None) -> list[Periodic]:
    """What the features and the plugins registered to run periodically (register_jobs)."""
    return list(registry(app).periodic)


def start_cron_thread(app, connection, tick: float = 5.0) -> threading.Thread:
    """Register the periodic work with rq's CronScheduler and enqueue it while we lead."""
    from rq.cron import CronScheduler

    cron = CronScheduler(connection=connection, name=f"wuye-{id(app):x}")
    for work in periodic_work(app):
        policy = registry(app).policy(work.job)
        cron.register(work.job, QUEUE, kwargs=dict(work.kwargs), interval=work.every_seconds,
                      job_timeout=policy.timeout, name=work.name)

    def loop():
        failing = False  # Redis away: say so once, not every tick, and say when it is back
        while True:
            try:
                if connection.set(LOCK, cron.name, nx=True, ex=int(tick * 3)) or \
                        connection.get(LOCK) == cron.name.encode():
                    connection.expire(LOCK, int(tick * 3))
                    cron.enqueue_jobs()
                if failing:
                    log.warning("scheduler ticks again")
                failing = False
            except Exception:
                if not failing:
                    log.warning("scheduler tick failed; retrying every %s s", tick, exc_info=True)
                failing = True
            time.sleep(tick)

    thread = threading.Thread(target=loop, name="wuye-cron", daemon=True)
    thread.start()
    return thread


def start_embedded_thread(app, tick: float = 15.0) -> threading.Thread:
    """No Redis: run the periodic work in this process."""
    due = {w.name: 0.0 for w in periodic_work(app)}

    def loop():
        while True:
            now = time.monotonic()
            for work in periodic_work(app):
                if now >= due[work.name]:
                    due[work.name] = now + work.every_seconds
                    with app.app_context():
                        try:
                            work.job(**dict(work.kwargs))
                        except Exception:
                            log.exception("periodic %s failed", work.name)
            time.sleep(tick)

    thread = threading.Thread(target=loop, name="wuye-embedded-scheduler", daemon=True)
    thread.start()
    return thread
