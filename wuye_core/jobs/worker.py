"""`wuye worker`: an rq worker whose jobs run inside the app that the command built, and that
rides out Redis and PostgreSQL going away.

rq forks a work horse per job; each job gets a fresh app context there (its own `g`, its own
session, removed afterwards), so job functions never build an app of their own.

Outages (README, operations):
- Redis: rq's own loop retries a lost connection only while it waits for a job; anywhere else
  (after a job, in its maintenance, at start) it quits, and its teardown then raises, which ended
  the process. `run()` supervises it: whenever the loop ends without a stop being asked for, it
  waits for Redis with exponential backoff and jitter (1 s doubling to 30 s), then starts a new
  rq worker — under a new name, so it never collides with the registration the lost one may have
  left in Redis (which is retired once Redis answers again) — and rq's scheduler with it.
  A lost connection while waiting for a job is handed to the same path (`RedisLost`).
- PostgreSQL: the main process never holds a database connection (its status thread opens one
  per check); each job runs in a freshly forked horse with an empty pool, so a job that runs
  while PostgreSQL is away fails and is retried per its policy, and the next one connects anew.
- SIGTERM (or Ctrl-C) stops it warmly at any point: the running job finishes, a wait ends.
- SIGUSR1 writes every thread's stack to the log (stderr) and goes on: for an operator (or a
  test) asking what a worker that does not stop is waiting for.
"""

from __future__ import annotations

import faulthandler
import gc
import logging
import os
import random
import signal
import time

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Worker
from rq.exceptions import StopRequested

from ..extensions import db
from .status import WorkerStatus, describe_error

log = logging.getLogger(__name__)

FIRST_WAIT = 1.0  # seconds before the first reconnection attempt
MAX_WAIT = 30.0  # the backoff's cap
# rq's idle wait for a job (BLPOP) is worker_ttl - 15 s: 45 s, so the loop turns (and reports
# itself alive, status.py) at least that often; rq's default, 420, would be 405 s between turns.
WORKER_TTL = 60
# rq's maintenance (its registries; restarting its scheduler if that process died) every minute
# rather than every ten: after an outage, a scheduler lock left behind expires within ~61 s.
MAINTENANCE_INTERVAL = 60


class RedisLost(StopRequested):
    """Redis went away while rq's loop waited for a job: end this rq worker (rq treats a
    StopRequested as a quiet end of its loop) and let `run()` reconnect."""


def backoff(attempt: int, first: float = FIRST_WAIT, cap: float = MAX_WAIT) -> float:
    """Seconds to wait before reconnection attempt `attempt` (0, 1, …): doubling from `first`,
    capped, with ±20 % jitter so that many workers do not knock at the same instant."""
    return min(cap, first * 2 ** min(attempt, 16)) * random.uniform(0.8, 1.2)


class AppWorker(Worker):
    wuye_app = None  # set by run()
    wuye_status: WorkerStatus | None = None
    wuye_stopping = None  # () -> bool: the supervisor was asked to stop
    max_connection_wait_time = MAX_WAIT  # rq's own backoff, while it waits for a job

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.wuye_stop_requested = False
        self.wuye_lost: BaseException | None = None

    def perform_job(self, *args, **kwargs):
        with self.wuye_app.app_context():
            try:
                return super().perform_job(*args, **kwargs)
            finally:
                db.session.remove()

    def check_for_suspension(self, burst: bool):
        """Where rq's loop begins each turn: a SIGTERM that came while this worker was being set up
        (our handler's, before rq installed its own) stops it here, through rq's teardown."""
        if self.wuye_stopping is not None and self.wuye_stopping():
            self.wuye_stop_requested = True
            raise StopRequested()
        return super().check_for_suspension(burst)

    def request_stop(self, signum, frame):
        self.wuye_stop_requested = True
        if self.wuye_status is not None:
            self.wuye_status.state = "stopping"
        super().request_stop(signum, frame)

    def heartbeat(self, timeout=None, pipeline=None):
        """rq's heartbeat, which its loop sends before each wait for a job (and retries there
        without end when Redis is gone): a lost Redis ends this worker instead (`RedisLost`)."""
        if self.wuye_status is not None:
            self.wuye_status.loop_alive()
        try:
            return super().heartbeat(timeout, pipeline)
        except (RedisConnectionError, RedisTimeoutError) as exc:
            if self.is_horse:
                raise
            self.wuye_lost = exc
            raise RedisLost() from exc

    def subscribe(self):
        """rq's subscription to its worker channel, its listening thread waking every second
        instead of every 60: rq 3.0 asks for 60, and when it stops that thread (unsubscribe(), at
        every shutdown) redis-py 8.2 waits for its current wait to end — a SIGTERM took up to a
        minute to stop a worker (bench/README.md, "Issue #18: delivery"; a stack in
        tests/test_outages.py's report), past Kubernetes' grace period."""
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(sleep_time=1, daemon=True,
                                                       exception_handler=self._pubsub_exception_handler)

    def teardown(self):
        """rq's teardown, tolerant of Redis being gone: its registration of death cannot be
        written then (the next worker retires it), and its pubsub thread is stopped regardless."""
        if self.is_horse:
            return
        if self.scheduler:
            try:
                self.stop_scheduler()
            except Exception:
                log.warning("could not stop rq's scheduler process", exc_info=True)
        try:
            self.register_death()
        except RedisError as exc:
            log.info("worker %s: its death could not be registered (%s); retired later", self.name, exc)
        try:
            self.unsubscribe()
        except RedisError:
            if self.pubsub_thread:
                self.pubsub_thread.stop(timeout=5)


def _retire(previous: AppWorker | None) -> None:
    """Mark a worker lost with Redis as dead in Redis (its key, the workers set), if it is still there."""
    if previous is None:
        return
    try:
        previous.register_death()
    except RedisError:
        log.info("could not retire worker %s yet", previous.name)


class _Supervisor:
    """Signals between two rq workers: SIGTERM/SIGINT end the wait, then the process."""

    def __init__(self, status: WorkerStatus):
        self.status = status
        self.stop = False

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum, _frame):
        log.info("signal %s: stopping", signum)
        self.stop = True

    def sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stop and time.monotonic() < deadline:
            self.status.loop_alive()
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    def wait_for_horse(self, worker: AppWorker) -> None:
        """A job whose monitoring broke off (Redis gone under it) still runs in its horse: let it
        finish (its own timeout bounds it) before another worker takes jobs."""
        while worker.horse_pid:
            try:
                done, _ = os.waitpid(worker.horse_pid, os.WNOHANG)
            except ChildProcessError:
                return
            if done:
                return
            self.status.loop_alive()
            time.sleep(0.5)


def _new_worker(app, connection, queues: list[str], status: WorkerStatus,
                supervisor: _Supervisor | None = None) -> AppWorker:
    worker = AppWorker(queues, connection=connection, worker_ttl=WORKER_TTL,
                       maintenance_interval=MAINTENANCE_INTERVAL)  # names itself to Redis (CLIENT SETNAME)
    worker.wuye_app, worker.wuye_status = app, status
    if supervisor is not None:
        worker.wuye_stopping = lambda: supervisor.stop
    return worker


def _freeze_the_app() -> None:
    """Take what the app and its imports built (~290,000 objects) out of the garbage collector's
    sight, once, before the first work horse is forked (gc.freeze).

    Why: each horse is a fork of this process and inherits its collector's counters; since #18's
    modules, those counters made every horse run a full collection during its job, walking this
    whole inherited heap (~0.13 G instructions, and a write to every object's header, which copies
    its page) — per job, not per event, and nothing to do with the job (bench/README.md, "Outbox
    relay: where #18's worker CPU went"). Frozen objects are never collected; they live as long as
    this process anyway. Garbage is collected first so none is frozen; what this process and its
    horses create later is collected as before."""
    gc.collect()
    gc.freeze()


def run(app, connection, queues: list[str], *, with_scheduler: bool, burst: bool, status: WorkerStatus) -> None:
    """Work until stopped through Redis outages; with `burst`, one pass over the queue (a Redis
    lost during it raises its ConnectionError: the command exits with an error)."""
    _freeze_the_app()
    if burst:
        worker = _new_worker(app, connection, queues, status)
        worker.work(with_scheduler=with_scheduler, burst=True)
        if worker.wuye_lost is not None:
            raise worker.wuye_lost
        return
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    supervisor = _Supervisor(status)
    supervisor.install()
    previous: AppWorker | None = None
    attempt = 0
    while not supervisor.stop:
        worker = None
        try:
            if attempt:
                connection.ping()  # Redis back? (raises while it is not)
            worker = _new_worker(app, connection, queues, status, supervisor)
            _retire(previous)
            if attempt:
                log.warning("Redis answers again after %d attempts: worker %s takes over from %s",
                            attempt, worker.name, previous.name if previous else "-")
            previous, attempt = None, 0
            status.set(state="working", worker=worker.name, redis="ok")
            worker.work(with_scheduler=with_scheduler)
        except StopRequested:  # a signal in the instant between rq's handlers and ours
            supervisor.stop = True
        except (RedisConnectionError, RedisTimeoutError) as exc:
            if worker is not None:
                worker.wuye_lost = exc
            elif not attempt:
                log.warning("Redis cannot be reached (%s): waiting for it", exc)
            status.set(redis=describe_error(exc))
        except Exception:  # anything else that ended rq's loop: log it, and start again
            log.exception("the rq worker stopped on an error; starting a new one")
        supervisor.install()  # rq's handlers were the ended worker's
        if worker is not None:
            if worker.wuye_stop_requested:
                break
            supervisor.wait_for_horse(worker)
            previous = previous or worker
            if worker.wuye_lost is not None:
                log.warning("worker %s lost Redis (%s): reconnecting", worker.name, worker.wuye_lost)
                status.set(redis=describe_error(worker.wuye_lost))
        if supervisor.stop:
            break
        wait = backoff(attempt)
        attempt += 1
        status.set(state="reconnecting")
        log.warning("next try to reach Redis and start a worker in %.1f s (attempt %d)", wait, attempt)
        supervisor.sleep(wait)
    status.set(state="stopped")
