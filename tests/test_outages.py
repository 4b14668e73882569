"""Riding out outages: the web and `wuye worker` while PostgreSQL or Redis are killed and come back.

Each test takes down a server of its own (tests/private_servers.py: real servers on free ports,
SIGKILLed and restarted on the same port), never the suite's. They run on the PostgreSQL + Redis
backend (the suite's CI backend) and skip on SQLite; marked `outage` (`-m "not outage"` skips them
on a laptop), 15-20 s each.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from wuye_core.app import create_app
from wuye_core.extensions import db
from wuye_core.testing import BackendSettings, login, postgres_backend, settings_for

from .private_servers import PrivatePostgres, PrivateRedis

ROOT = Path(__file__).resolve().parents[1]
WUYE = str(Path(sys.executable).with_name("wuye"))
UNAVAILABLE_ZH = "暂时连不上数据库，请过几秒再试。"
UNAVAILABLE_EN = "The database cannot be reached at the moment; please try again in a few seconds."


def _needs(wuye_backend, *servers) -> None:
    if not wuye_backend.is_postgresql:
        pytest.skip("runs on the PostgreSQL + Redis backend")
    for server in servers:
        if not server.available():
            pytest.skip(f"needs {server.__name__}'s server binaries")


# --- the web while PostgreSQL is away -------------------------------------------------------------


@pytest.fixture
def private_pg_app(wuye_backend, wuye_plugin_entry_points):
    """An app on a PostgreSQL of the test's own (migrated as the owner, connected as the app role,
    like the suite's), jobs in-process; yields (app, server)."""
    _needs(wuye_backend, PrivatePostgres)
    server = PrivatePostgres()
    server.start()
    app = None
    try:
        backend = postgres_backend(BackendSettings(database_url=server.url, database_prefix="outage_"))
        # the login limiter is one per process: it stays on the suite's storage
        app = create_app(settings_for(backend, rate_limit_storage_url=wuye_backend.redis_url),
                         plugin_entry_points=wuye_plugin_entry_points)
        with app.app_context():
            from flask_migrate import upgrade

            upgrade(revision="heads")
        yield app, server
    finally:
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        server.kill()  # a throw-away cluster: no need for a clean shutdown
        server.cleanup()


def _tenant_admin(app):
    from wuye_core.tenancy.context import reset_tenant
    from wuye_core.tenants.service import create_tenant

    with app.app_context():
        create_tenant("acme", "acme", "company", admin_username="admin", admin_password="admin-pass-123")
        db.session.commit()
        db.session.remove()
    reset_tenant()
    return login(app, "acme", "admin", "admin-pass-123")


@pytest.mark.outage
def test_the_web_answers_503_while_postgresql_is_down_and_recovers_without_a_restart(private_pg_app):
    app, server = private_pg_app
    admin = _tenant_admin(app)
    assert admin.post("/api/v1/communities", json={"name": "东区", "code": "c1"}).status_code == 201

    server.kill()  # kill -9 of the postmaster and its backends
    anonymous = app.test_client()
    answers = {
        "GET": admin.get("/api/v1/communities"),
        "POST": admin.post("/api/v1/communities", json={"name": "西区", "code": "c2"}),
        "login": anonymous.post("/api/v1/auth/token",
                                json={"tenant": "acme", "username": "admin", "password": "admin-pass-123"}),
    }
    for what, r in answers.items():
        assert r.status_code == 503, (what, r.status_code, r.get_json())
        # the login route's limiter rewrites Retry-After as the later of its own reset and ours,
        # counted from its own clock (flask-limiter): 4 or more there, 5 elsewhere
        assert int(r.headers["Retry-After"]) >= 4 if what == "login" else r.headers["Retry-After"] == "5", what
        assert r.get_json() == {"code": 503, "status": "Service Unavailable", "message": UNAVAILABLE_ZH}, what
    english = admin.get("/api/v1/communities", headers={"Accept-Language": "en"})
    assert english.status_code == 503 and english.get_json()["message"] == UNAVAILABLE_EN
    ready = anonymous.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["checks"]["database"].startswith("error")

    server.start()  # the same port: the app's pool must find it again by itself
    listed = admin.get("/api/v1/communities")
    assert listed.status_code == 200, listed.get_json()
    assert [c["code"] for c in listed.get_json()["items"]] == ["c1"]  # the refused POST kept nothing
    assert admin.post("/api/v1/communities", json={"name": "西区", "code": "c2"}).status_code == 201
    assert anonymous.post("/api/v1/auth/token", json={"tenant": "acme", "username": "admin",
                                                      "password": "admin-pass-123"}).status_code == 200
    assert anonymous.get("/readyz").status_code == 200


# --- `wuye worker` while Redis or PostgreSQL is away ------------------------------------------------


@pytest.fixture
def private_redis(wuye_backend, tmp_path):
    _needs(wuye_backend, PrivateRedis)
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.kill()


class WorkerProcess:
    """`wuye worker` as a real process, and what an operator (or Kubernetes) sees of it."""

    def __init__(self, tmp_path: Path, database_url: str, redis_url: str, *args: str):
        self.status_file = tmp_path / "worker-status.json"
        self.log = tmp_path / "worker.log"
        self.env = {**os.environ, "WUYE_DATABASE_URL": database_url, "WUYE_REDIS_URL": redis_url,
                    "WUYE_WORKER_STATUS_FILE": str(self.status_file), "WUYE_LOG_LEVEL": "INFO",
                    "WUYE_STORAGE_URL": f"file://{tmp_path / 'uploads'}",
                    "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        self.process = subprocess.Popen([WUYE, "worker", *args], env=self.env, cwd=ROOT, stdout=self.log.open("wb"),
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def status(self) -> dict:
        try:
            return json.loads(self.status_file.read_text())
        except (OSError, ValueError):
            return {}

    def check(self, *args: str) -> tuple[int, str]:
        """The readiness probe of the chart (charts/wuye/templates/worker.yaml)."""
        result = subprocess.run([sys.executable, "-m", "wuye_core.jobs.status", *args], env=self.env,
                                capture_output=True, text=True, timeout=30, cwd=ROOT)
        return result.returncode, result.stdout

    def wait_for(self, predicate, what: str, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the worker exited ({self.process.returncode}):\n{self.tail()}"
            value = predicate()
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"{what}: not within {timeout} s; status {self.status()}\n{self.tail()}")

    def wait_ready(self, timeout: float = 20.0) -> None:
        self.wait_for(lambda: self.status().get("redis") == "ok" and self.status().get("database") == "ok"
                      and self.status().get("state") == "working", "the worker is ready", timeout)
        code, out = self.check()
        assert code == 0 and "worker 就绪" in out and "worker ready" in out, out

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-8000:]

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, as Kubernetes stops a pod: a warm shutdown. A worker that does not exit in time
        is asked for its threads' stacks (SIGUSR1, jobs/worker.py) before the test fails with them."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGUSR1)
            time.sleep(2)
            raise AssertionError(f"the worker did not exit within {timeout} s of SIGTERM; its stacks and log:\n"
                                 f"{self.tail()}") from None

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


@pytest.fixture
def worker_process(tmp_path):
    started = []

    def start(*args, **kwargs) -> WorkerProcess:
        started.append(WorkerProcess(tmp_path, *args, **kwargs))
        return started[-1]

    yield start
    for worker in started:
        worker.kill()


def _enqueue(redis_url: str, function: str, **kwargs):
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(redis_url)
    try:
        return Queue("wuye", connection=connection).enqueue(f"tests.job_fixtures.{function}", kwargs=kwargs)
    finally:
        connection.close()


@pytest.mark.outage
@pytest.mark.parametrize("options", [(), ("--with-scheduler",)], ids=["worker", "with-scheduler"])
def test_the_worker_rides_out_a_redis_outage(wuye_backend, private_redis, worker_process, tmp_path, options):
    from redis import Redis

    worker = worker_process(wuye_backend.app_url, private_redis.url, *options)
    worker.wait_ready(timeout=60)  # the app is built first: slow on a busy machine
    first = worker.status()["worker"]
    if not options:  # the command an operator types says the same as the probe
        cli = subprocess.run([WUYE, "worker", "--check"], env=worker.env, capture_output=True, text=True,
                             timeout=60, cwd=ROOT)
        assert cli.returncode == 0 and cli.stdout.startswith("worker 就绪（Redis：正常，数据库：正常"), cli
    # a job still running when Redis dies: its horse finishes it while the worker waits for Redis
    _enqueue(private_redis.url, "write_marker", path=str(tmp_path / "during"), seconds=3)
    worker.wait_for(lambda: (tmp_path / "during.started").exists(), "the job started", 10)

    private_redis.kill()  # kill -9
    worker.wait_for(lambda: worker.status().get("redis", "").startswith("error"), "the outage is seen", 15)
    code, out = worker.check()
    assert code == 1 and "worker 未就绪" in out and "Redis：连不上" in out and "Redis error" in out, out
    assert worker.check("--live")[0] == 0  # alive: Kubernetes must not restart it for an outage
    time.sleep(3)
    assert worker.process.poll() is None, worker.tail()

    private_redis.start()  # the same port, empty (no persistence)
    worker.wait_ready(timeout=45)
    assert worker.status()["worker"] != first  # registered anew, under a name of its own
    assert (tmp_path / "during").read_text() == "done"
    _enqueue(private_redis.url, "write_marker", path=str(tmp_path / "after"))
    worker.wait_for(lambda: (tmp_path / "after").exists(), "a job enqueued after the outage ran", 15)
    if options:
        from rq import Queue

        from wuye_core.jobs.schedule import LOCK

        # rq's scheduler process (delayed jobs, retries) and wuye's periodic-work thread are back too
        connection = Redis.from_url(private_redis.url)
        Queue("wuye", connection=connection).enqueue_in(
            __import__("datetime").timedelta(seconds=1), "tests.job_fixtures.write_marker",
            kwargs={"path": str(tmp_path / "scheduled")})
        worker.wait_for(lambda: (tmp_path / "scheduled").exists(), "a delayed job ran after the outage", 20)
        worker.wait_for(lambda: connection.exists(LOCK), "the periodic work leads again", 15)
        connection.close()
    assert worker.stop() == 0, worker.tail()


@pytest.mark.outage
def test_the_worker_rides_out_a_postgresql_outage(wuye_backend, private_redis, worker_process, tmp_path):
    _needs(wuye_backend, PrivatePostgres)
    database = PrivatePostgres()
    database.start()
    try:
        worker = worker_process(database.url, private_redis.url)
        worker.wait_ready(timeout=60)
        _enqueue(private_redis.url, "read_the_database", path=str(tmp_path / "before"))
        worker.wait_for(lambda: (tmp_path / "before").exists(), "a job read the database", 15)

        database.kill()  # kill -9 of the postmaster and its backends
        worker.wait_for(lambda: worker.status().get("database", "").startswith("error"), "the outage is seen", 15)
        code, out = worker.check()
        assert code == 1 and "数据库：连不上" in out and "database error" in out, out
        failed = _enqueue(private_redis.url, "read_the_database", path=str(tmp_path / "during"))
        worker.wait_for(lambda: failed.get_status(refresh=True) == "failed", "the job failed (rq retries per policy)")
        assert worker.process.poll() is None, worker.tail()

        database.start()
        worker.wait_ready(timeout=20)
        _enqueue(private_redis.url, "read_the_database", path=str(tmp_path / "after"))
        worker.wait_for(lambda: (tmp_path / "after").exists(), "a job enqueued after the outage ran", 15)
        assert (tmp_path / "after").read_text() == "42"
        assert worker.stop() == 0, worker.tail()
    finally:
        database.kill()
        database.cleanup()


# --- what counts as "the database is away", and what the probe says -------------------------------


@pytest.mark.parametrize(("error", "unavailable"), [
    (psycopg.OperationalError("connection failed: Connection refused"), True),  # no SQLSTATE: unreachable
    (psycopg.errors.AdminShutdown("terminating connection due to administrator command"), True),  # 57P01
    (psycopg.errors.CannotConnectNow("the database system is starting up"), True),  # 57P03
    (psycopg.errors.TooManyConnections("sorry, too many clients already"), True),  # 53300
    (psycopg.errors.ConnectionFailure("connection failure"), True),  # 08006
    (psycopg.errors.QueryCanceled("canceling statement due to statement timeout"), False),
    (psycopg.errors.UniqueViolation("duplicate key"), False),
    (psycopg.errors.UndefinedTable("relation does not exist"), False),
    (sqlite3.OperationalError("database is locked"), True),
    (sqlite3.OperationalError("no such table: tickets"), False),
], ids=lambda value: type(value).__name__ if isinstance(value, Exception) else None)
def test_which_database_errors_are_an_outage(error, unavailable):
    from sqlalchemy.exc import DBAPIError

    from wuye_core.errors import database_unavailable

    driver_error = psycopg.Error if isinstance(error, psycopg.Error) else sqlite3.Error
    assert database_unavailable(DBAPIError.instance("select 1", {}, error, driver_error)) is unavailable
    assert database_unavailable(error) is False  # only what SQLAlchemy raised reaches the handler


def test_the_probe_reads_the_status_file(tmp_path):
    from wuye_core.jobs.status import check

    path = tmp_path / "status.json"
    assert check(path) == (False, check(path)[1]) and "no worker status file" in check(path)[1]

    def write(**fields):
        path.write_text(json.dumps({"updated_at": 1000.0, "loop_at": 1000.0, "state": "working",
                                    "redis": "ok", "database": "ok", **fields}))

    write()
    assert check(path, now=1001)[0] is True
    write(database="error: OperationalError")
    ok, message = check(path, now=1001)
    assert not ok and message.startswith("worker 未就绪") and "数据库：连不上（OperationalError）" in message
    assert check(path, live_only=True, now=1001)[0] is True  # waiting for the database is alive
    write(state="reconnecting")
    assert check(path, now=1001)[0] is False
    assert check(path, live_only=True, now=1000 + 31)[0] is False  # the status thread stopped writing
    write(loop_at=700.0)
    assert check(path, live_only=True, now=1001)[0] is False  # the work loop stopped turning
