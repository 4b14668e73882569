"""Background work against a real Redis and real rq workers (run on the PostgreSQL + Redis backend).

Each test starts its own redis-server on a free port, so it can stop it without disturbing
anything else, and runs `wuye worker` as a real process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from wuye_core.app import create_app
from wuye_core.events.outbox import OutboxEvent
from wuye_core.extensions import db
from wuye_core.tenancy import tenant_context
from wuye_core.testing import login, settings_for

from .private_servers import PrivateRedis

ROOT = Path(__file__).resolve().parents[1]
WUYE = str(Path(sys.executable).with_name("wuye"))


@pytest.fixture
def redis_server(wuye_backend, tmp_path):
    if not wuye_backend.is_postgresql or not PrivateRedis.available():
        pytest.skip("needs the PostgreSQL + Redis backend and redis-server")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def async_app(wuye_backend, wuye_app, redis_server, wuye_plugin_entry_points):
    """The app with a real asynchronous queue on the private Redis."""
    # login limits stay on the suite's Redis (the limiter is one per process)
    return create_app(settings_for(wuye_backend, redis_url=redis_server.url, jobs_synchronous=False,
                                   rate_limit_storage_url=wuye_backend.redis_url),
                      plugin_entry_points=wuye_plugin_entry_points)


def _worker_env(wuye_backend, wuye_app, redis_url):
    settings = wuye_app.config["WUYE"]
    return {**os.environ, "WUYE_DATABASE_URL": wuye_backend.app_url, "WUYE_REDIS_URL": redis_url,
            "WUYE_SECRET_KEY": settings.secret_key, "WUYE_LOG_LEVEL": "WARNING",
            "WUYE_STORAGE_URL": settings.storage_url or "", "PYTHONPATH": str(ROOT),
            "WUYE_RATE_LIMIT_PREFIX": settings.rate_limit_prefix}  # the same config as the app (wake-ups)


def _burst(wuye_backend, wuye_app, redis_url):
    result = subprocess.run([WUYE, "worker", "--burst"], env=_worker_env(wuye_backend, wuye_app, redis_url),
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]


def _outbox(wuye_app, tenant_id):
    with wuye_app.app_context(), tenant_context(tenant_id):
        return [(row.name, row.delivered_at is not None)
                for row in db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))]


def _new_ticket(admin, ids):
    r = admin.post("/api/v1/tickets", json={"community_id": ids["community"], "site_id": ids["site"],
                                            "channel": "phone", "kind": "repair", "category": "电梯", "title": "电梯停运"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_events_go_through_the_queue_to_a_worker(async_app, wuye_make_tenant, wuye_register, wuye_backend, redis_server):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    admin = login(async_app, "acme", "admin", "admin-pass-123")
    _new_ticket(admin, ids)
    assert ("ticket_created", False) in _outbox(async_app, t.id)  # queued, not yet delivered
    _burst(wuye_backend, async_app, redis_server.url)
    assert all(delivered for _, delivered in _outbox(async_app, t.id))


def test_with_redis_down_tickets_still_work_and_events_arrive_later(async_app, wuye_make_tenant, wuye_register, wuye_backend,
                                                                      redis_server):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    admin = login(async_app, "acme", "admin", "admin-pass-123")
    redis_server.stop()  # Redis goes away
    ticket = _new_ticket(admin, ids)
    assert admin.get(f"/api/v1/tickets/{ticket['id']}").status_code == 200
    assert async_app.test_client().get("/readyz").status_code == 503
    pending = [name for name, delivered in _outbox(async_app, t.id) if not delivered]
    assert "ticket_created" in pending  # kept in the outbox, nothing lost

    redis_server.start()  # Redis is back: the periodic sweep enqueues what was missed
    from datetime import timedelta

    from wuye_core.events.relay import sweep

    with async_app.app_context():
        assert sweep(older_than=timedelta(0)) >= 1
    _burst(wuye_backend, async_app, redis_server.url)
    assert all(delivered for _, delivered in _outbox(async_app, t.id))


def test_a_job_of_a_killed_worker_is_retried(async_app, wuye_backend, redis_server, tmp_path):
    from redis import Redis
    from rq import Queue, Retry
    from rq.job import Job
    from rq.registry import StartedJobRegistry

    connection = Redis.from_url(redis_server.url)
    queue = Queue("wuye", connection=connection)
    job = queue.enqueue("tests.job_fixtures.slow_the_first_time", kwargs={"marker_dir": str(tmp_path)},
                        retry=Retry(max=2), job_timeout=120)
    worker = subprocess.Popen([WUYE, "worker"], env=_worker_env(wuye_backend, async_app, redis_server.url), cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(300):
            if (tmp_path / "attempt-1").exists():
                break
            time.sleep(0.1)
        assert (tmp_path / "attempt-1").exists(), "the worker never started the job"
        os.killpg(worker.pid, signal.SIGKILL)  # the worker dies mid-job
        worker.wait(10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    assert not (tmp_path / "done").exists()
    # rq's maintenance finds the abandoned job once its worker's lease runs out; fast-forward to then
    StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 3600)
    _burst(wuye_backend, async_app, redis_server.url)
    assert (tmp_path / "done").read_text() == "2"
    assert Job.fetch(job.id, connection=connection).get_status() == "finished"


def test_failed_jobs_are_listed_and_can_be_retried(async_app, wuye_backend, redis_server):
    from redis import Redis
    from rq import Queue

    queue = Queue("wuye", connection=Redis.from_url(redis_server.url))
    job = queue.enqueue("tests.job_fixtures.always_fails")
    _burst(wuye_backend, async_app, redis_server.url)
    env = _worker_env(wuye_backend, async_app, redis_server.url)
    listed = subprocess.run([WUYE, "jobs", "failed"], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert listed.returncode == 0 and job.id in listed.stdout and "always_fails" in listed.stdout
    retried = subprocess.run([WUYE, "jobs", "retry", "--all"], env=env, capture_output=True, text=True,
                             timeout=60, cwd=ROOT)
    assert retried.returncode == 0 and "1" in retried.stdout
    assert job.id in queue.get_job_ids()


def test_delivering_an_outbox_event_twice_has_one_effect(wuye_app, wuye_make_tenant, wuye_register):
    from wuye_core.events.relay import deliver

    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    t.admin.post("/api/v1/tickets", json={"community_id": ids["community"], "site_id": ids["site"],
                                          "channel": "phone", "kind": "repair", "category": "电梯", "title": "x"})
    with wuye_app.test_request_context(), tenant_context(t.id):
        row = db.session.scalars(select(OutboxEvent).where(OutboxEvent.name == "ticket_created")).one()
        assert row.delivered_at is not None  # the synchronous test queue delivered it already
        assert deliver(row.id) is False and deliver(row.id) is False
        assert db.session.get(OutboxEvent, row.id).attempts == 1


def test_a_woken_delivery_job_takes_what_nobody_holds(wuye_app, wuye_make_tenant):
    """An event another deliverer holds (its lease runs) is not taken a second time; one whose
    deliverer died (an attempt made, the lease expired) is taken again, like a fresh one."""
    from datetime import UTC, datetime, timedelta

    from wuye_core.events.relay import deliver_pending

    t = wuye_make_tenant("acme")
    now = datetime.now(UTC)
    with wuye_app.test_request_context(), tenant_context(t.id):
        for event_id, attempts, lease_until in (("held", 1, now + timedelta(minutes=1)),
                                                ("abandoned", 1, now - timedelta(seconds=1)), ("fresh", 0, None)):
            db.session.add(OutboxEvent(event_id=event_id, name="household_created", community_id=None, object_id=1,
                                       data={}, occurred_at=now, attempts=attempts, lease_until=lease_until))
        db.session.commit()
        assert deliver_pending() == 2
        rows = {row.event_id: row for row in db.session.scalars(select(OutboxEvent))}
        assert rows["fresh"].delivered_at is not None and rows["fresh"].attempts == 1
        assert rows["abandoned"].delivered_at is not None and rows["abandoned"].attempts == 2
        assert rows["abandoned"].lease_until is None
        assert rows["held"].delivered_at is None and rows["held"].attempts == 1


def test_a_wake_up_that_no_job_took_is_withdrawn(wuye_app, wuye_backend, wuye_make_tenant, monkeypatch):
    """If the delivery job could not be queued, the wake-up flag must not stay set for a minute
    (it would hold back the next commits' wake-ups): the next commit tries again. One job for
    the tenants woken meanwhile, which takes them all."""
    if not wuye_backend.redis_url:
        pytest.skip("needs Redis")
    from wuye_core.events import relay
    from wuye_core.jobs import redis_connection

    t = wuye_make_tenant("acme")
    with wuye_app.test_request_context(), tenant_context(t.id):
        connection = redis_connection()
        flag = relay._flag()
        connection.delete(flag, relay._tenants_key())
        monkeypatch.setattr(relay, "enqueue", lambda *args, **kwargs: False)  # as when Redis refuses the job
        relay.wake(connection, [t.id])
        assert not connection.exists(flag)
        queued = []
        monkeypatch.setattr(relay, "enqueue", lambda fn, **kwargs: queued.append(fn.__name__) or True)
        relay.wake(connection, [t.id])
        relay.wake(connection, [t.id + 1000])  # already woken: no second job
        assert connection.exists(flag) and queued == ["deliver_woken_events"]
        assert relay.take_woken(connection) == [t.id, t.id + 1000]
        assert not connection.exists(flag) and relay.take_woken(connection) == []
