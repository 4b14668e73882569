"""Pooled connections: the ones that sat idle are tested before a request gets them."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from wuye_core import db_pool


def test_a_connection_that_died_while_idle_is_replaced_before_a_request_uses_it(wuye_app, wuye_backend, wuye_make_tenant,
                                                                                wuye_owner_engine, monkeypatch):
    if not wuye_backend.is_postgresql:
        pytest.skip("needs PostgreSQL: a server that can drop the app's connections")
    acme = wuye_make_tenant("acme")
    assert acme.admin.get("/api/v1/communities").status_code == 200
    with wuye_owner_engine.begin() as conn:
        killed = conn.execute(text(
            "select count(pg_terminate_backend(pid)) from pg_stat_activity "
            "where datname = current_database() and pid <> pg_backend_pid() and usename <> current_user")).scalar()
    assert killed >= 1  # the app's pooled connections are gone, as after a database restart
    monkeypatch.setattr(db_pool, "IDLE_BEFORE_PING", 0.0)  # every connection counts as idle now
    try:
        assert acme.admin.get("/api/v1/communities").status_code == 200
    finally:
        # the other dead connections the pool may hold (earlier tests' threads opened several) must
        # not reach later tests, which would meet them within the 10 s before a ping
        from wuye_core.extensions import db

        with wuye_app.app_context():
            db.engine.dispose()
