"""Riding out outages: the web while PostgreSQL is killed and comes back.

Each test takes down a server of its own (tests/private_servers.py: real servers on free ports,
SIGKILLed and restarted on the same port), never the suite's. They run on the PostgreSQL + Redis
backend (the suite's CI backend) and skip on SQLite.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import psycopg
import pytest

from wuye_core.app import create_app
from wuye_core.extensions import db
from wuye_core.testing import BackendSettings, login, postgres_backend, settings_for

from .private_servers import PrivatePostgres

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
