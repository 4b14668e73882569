"""Hooks that return values get a savepoint only when they run SQL (host/lazy_savepoint.py).

The `careless` plugin (tests/plugin_fixtures.py) does, in `wuye_dashboard_figures`, what its
`mode` says: nothing, a statement, a failing statement, a write without SQL and then a failure...
A dashboard request commits at its end, so whatever a failed hook left behind would be stored.
"""

from __future__ import annotations

from importlib import metadata

import pytest
from sqlalchemy import event, select

from tests.plugin_fixtures import Careless
from wuye_core.app import create_app
from wuye_core.extensions import db
from wuye_core.host.manager import ENTRY_POINT_GROUP
from wuye_core.tenancy import tenant_context
from wuye_core.testing import login, settings_for
from wuye_core.tickets.notifications.models import Notification

CORE_FIGURES = {("core", "sites"): 1, ("core", "buildings"): 1, ("core", "households"): 1, ("core", "residents"): 1,
                # the tickets' figures (none yet)
                ("core", "tickets_open"): 0, ("core", "tickets_overdue_arrive"): 0,
                ("core", "tickets_overdue_resolve"): 0, ("core", "tickets_created_month"): 0,
                ("core", "tickets_resolved_month"): 0, ("core", "tickets_month_satisfaction"): None}


@pytest.fixture
def careless_app(wuye_backend, wuye_app):
    entry_points = [metadata.EntryPoint("careless", "tests.plugin_fixtures:careless", ENTRY_POINT_GROUP)]
    Careless.mode, Careless.seen = "plain", []
    yield create_app(settings_for(wuye_backend), plugin_entry_points=entry_points)
    Careless.mode, Careless.seen = "plain", []


@pytest.fixture
def acme(careless_app, wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    admin = login(careless_app, "acme", "admin", "admin-pass-123")
    assert admin.put("/api/v1/plugins/careless", json={"enabled": True}).status_code == 200
    r = admin.put(f"/api/v1/communities/{ids['community']}/plugins/careless", json={"enabled": True})
    assert r.status_code == 200, r.get_json()
    return t, admin, ids


def _dashboard(admin, ids, mode):
    Careless.mode, Careless.seen = mode, []
    r = admin.get(f"/api/v1/communities/{ids['community']}/dashboard")
    assert r.status_code == 200, r.get_json()
    return {(f["plugin"], f["key"]): f["value"] for f in r.get_json()["figures"]}


def _notes(app, tenant_id) -> list[str]:
    with app.app_context(), tenant_context(tenant_id):
        return sorted(db.session.scalars(select(Notification.kind)))


def _errors(app):
    return app.extensions["wuye_plugins"].hook_errors[("careless", "wuye_dashboard_figures")]


def test_a_hook_that_runs_no_sql_runs_without_a_savepoint_and_one_that_does_gets_one(careless_app, acme,
                                                                                   wuye_backend):
    t, admin, ids = acme
    assert _dashboard(admin, ids, "plain") == {**CORE_FIGURES, ("careless", "careless"): 7}
    assert Careless.seen == [("start", False), ("end", False)]  # no nested transaction was even begun
    _dashboard(admin, ids, "identity_map")  # session.get() answered from the identity map: no SQL
    assert Careless.seen == [("start", False), ("end", False)]
    _dashboard(admin, ids, "query")
    # opened by its statement; SQLite outside a transaction needs none (dispatch.savepoint says why)
    assert Careless.seen == [("start", False), ("end", wuye_backend.is_postgresql)]


def test_a_db_free_hook_adds_no_sql_to_the_request(careless_app, acme):
    """The same statements, SAVEPOINTs included, with the plugin's figures as without them."""
    t, admin, ids = acme
    with careless_app.app_context():
        engine = db.engine
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement.split(None, 1)[0].upper())

    _dashboard(admin, ids, "plain")  # warm the caches
    event.listen(engine, "before_cursor_execute", record)
    try:
        _dashboard(admin, ids, "plain")
        with_plugin = list(seen)
        seen.clear()
        assert admin.put(f"/api/v1/communities/{ids['community']}/plugins/careless",
                         json={"enabled": False}).status_code == 200
        _dashboard(admin, ids, "plain")  # (the first request after the change reads enablement)
        seen.clear()
        assert _dashboard(admin, ids, "plain") == CORE_FIGURES
        without = list(seen)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert with_plugin == without
    assert with_plugin.count("SAVEPOINT") <= 1  # the core's own figures query, in their savepoint


def test_a_failing_statement_in_a_figures_hook_is_rolled_back_alone(careless_app, acme):
    """On PostgreSQL the failed statement aborts the transaction: without the savepoint, the
    core's figures (which run after the plugin's) and the request's commit would fail."""
    t, admin, ids = acme
    before = _errors(careless_app)
    assert _dashboard(admin, ids, "bad_sql") == CORE_FIGURES
    assert _errors(careless_app) == before + 1
    assert Careless.seen == [("start", False)]
    assert _dashboard(admin, ids, "plain") == {**CORE_FIGURES, ("careless", "careless"): 7}


@pytest.mark.parametrize("mode", ["add_then_raise", "flush_then_raise"])
def test_a_figures_hook_that_adds_a_row_then_raises_leaves_nothing(careless_app, acme, mode):
    t, admin, ids = acme
    before = _errors(careless_app)
    assert _dashboard(admin, ids, mode) == CORE_FIGURES
    assert _errors(careless_app) == before + 1
    assert _notes(careless_app, t.id) == []
    assert admin.get(f"/api/v1/communities/{ids['community']}/dashboard").status_code == 200


def test_a_hook_that_returns_leaving_a_row_that_cannot_be_written_fails_alone(careless_app, acme):
    """Its pending row is flushed as it returns, in its savepoint: the flush's failure is the
    hook's (its figures are left out), not the core's at its next statement or at the commit."""
    t, admin, ids = acme
    before = _errors(careless_app)
    assert _dashboard(admin, ids, "add_invalid") == CORE_FIGURES
    assert _errors(careless_app) == before + 1
    assert _notes(careless_app, t.id) == []


@pytest.mark.parametrize("mode", ["change_then_raise", "delete_then_raise"])
def test_a_figures_hook_that_changes_an_object_without_sql_then_raises_changes_nothing(careless_app, acme, mode):
    t, admin, ids = acme
    name = admin.get(f"/api/v1/communities/{ids['community']}").get_json()["name"]
    assert _dashboard(admin, ids, mode) == CORE_FIGURES
    r = admin.get(f"/api/v1/communities/{ids['community']}")
    assert r.status_code == 200 and r.get_json()["name"] == name


def test_a_validator_that_writes_then_vetoes_or_fails_keeps_nothing(careless_app, acme):
    t, admin, ids = acme
    vetoed = admin.post("/api/v1/residents", json={"household_id": ids["household"], "name": "写后否决"})
    assert vetoed.status_code == 422 and vetoed.get_json()["errors"]["plugin"] == "careless"
    errors = careless_app.extensions["wuye_plugins"].hook_errors
    before = errors[("careless", "wuye_validate_resident")]
    failed = admin.post("/api/v1/residents", json={"household_id": ids["household"], "name": "写后出错"})
    assert failed.status_code == 201, failed.get_json()  # contained: the resident is created
    assert errors[("careless", "wuye_validate_resident")] == before + 1
    assert admin.get("/api/v1/residents?q=写后出错").get_json()["total"] == 1
    assert _notes(careless_app, t.id) == []  # neither validator's row was kept


def test_savepoints_nest_and_the_callers_pending_changes_stay_in_its_transaction(careless_app, acme):
    """A hook call inside another (a service a hook calls may call a hook): each has its own
    savepoint state; the caller's unflushed object is flushed before the hook, outside its
    savepoint, so the hook's failure does not take it away."""
    from wuye_core.host.lazy_savepoint import LazySavepoint

    t, admin, ids = acme
    with careless_app.app_context(), tenant_context(t.id):
        session = db.session()
        session.add(Notification(user_id=1, event_id="caller", kind="caller", text="x"))
        with pytest.raises(RuntimeError):
            with LazySavepoint(session):
                assert not session.new and not session.in_nested_transaction()  # flushed, outside
                session.add(Notification(user_id=1, event_id="outer", kind="outer", text="x"))
                with LazySavepoint(session):  # flushes "outer" into the outer call's savepoint
                    assert session.in_nested_transaction()
                    session.execute(select(1))
                    session.add(Notification(user_id=1, event_id="inner", kind="inner", text="x"))
                assert session.in_nested_transaction()  # the inner one was released, the outer stays
                raise RuntimeError("the outer hook fails")
        assert not session.in_nested_transaction()
        session.commit()
    assert _notes(careless_app, t.id) == ["caller"]
