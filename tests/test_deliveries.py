"""Contained hooks are savepoints; events are delivered, retried and parked per (event, plugin).

Two plugins loaded by entry point (tests/plugin_fixtures.py): `halfway` writes a row and then
raises (while told to), `tally` writes a row and counts its calls. Retries are made due at once
(`event_retry_seconds="0"`: one retry, then parked) and handed on by the relay's sweep, as the
periodic job would.
"""

from __future__ import annotations

from datetime import timedelta
from importlib import metadata

import pytest
from sqlalchemy import select

from tests.plugin_fixtures import Halfway, Tally
from wuye_core.app import create_app
from wuye_core.events.outbox import OutboxEvent
from wuye_core.extensions import db
from wuye_core.host.manager import ENTRY_POINT_GROUP
from wuye_core.tenancy import tenant_context
from wuye_core.testing import login, settings_for
from wuye_core.tickets.notifications.models import Notification

DELIVERIES = "/api/v1/plugin-deliveries"


@pytest.fixture
def plugged(wuye_backend, wuye_app):
    """A second app on the same database, with `halfway` and `tally` installed."""
    entry_points = [metadata.EntryPoint(name, f"tests.plugin_fixtures:{name}", ENTRY_POINT_GROUP)
                    for name in ("halfway", "tally")]
    Halfway.failing, Halfway.calls, Tally.calls = True, 0, 0
    yield create_app(settings_for(wuye_backend, event_retry_seconds="0"), plugin_entry_points=entry_points)
    Halfway.failing = True


def _tenant(plugged, wuye_make_tenant, wuye_register, slug="acme"):
    t = wuye_make_tenant(slug)
    ids = wuye_register(t)  # before the plugins are on: its household_created reaches nobody
    admin = login(plugged, slug, "admin", "admin-pass-123")
    for name in ("halfway", "tally"):
        assert admin.put(f"/api/v1/plugins/{name}", json={"enabled": True}).status_code == 200
        r = admin.put(f"/api/v1/communities/{ids['community']}/plugins/{name}", json={"enabled": True})
        assert r.status_code == 200, r.get_json()
    return t, admin, ids


def _new_household(admin, ids, number):
    unit = admin.post("/api/v1/units", json={"building_id": ids["building"], "number": number}).get_json()
    r = admin.post("/api/v1/households", json={"unit_id": unit["id"], "kind": "owner"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _notes(wuye_app, tenant_id) -> list[str]:
    with wuye_app.app_context(), tenant_context(tenant_id):
        return sorted(db.session.scalars(select(Notification.kind)))


def _outbox_delivered(wuye_app, tenant_id, object_id) -> bool:
    with wuye_app.app_context(), tenant_context(tenant_id):
        row = db.session.scalars(select(OutboxEvent).where(OutboxEvent.name == "household_created",
                                                           OutboxEvent.object_id == object_id)).one()
        return row.delivered_at is not None


def _sweep(wuye_app) -> int:
    from wuye_core.events.relay import sweep

    with wuye_app.app_context():
        return sweep(older_than=timedelta(0))


def _deliveries(admin, state):
    r = admin.get(f"{DELIVERIES}?state={state}")
    assert r.status_code == 200, r.get_json()
    return [(d["plugin"], d["event"]["name"], d["attempts"]) for d in r.get_json()["items"]]


def test_a_failing_plugin_loses_its_writes_and_is_retried_alone_then_parked(plugged, wuye_make_tenant, wuye_register):
    t, admin, ids = _tenant(plugged, wuye_make_tenant, wuye_register)
    household = _new_household(admin, ids, "201")
    assert admin.get(f"/api/v1/households/{household}").status_code == 200  # the core's change committed
    assert (Halfway.calls, Tally.calls) == (1, 1)
    assert _notes(plugged, t.id) == ["tally"]  # halfway's row was rolled back, tally's committed
    assert _deliveries(admin, "delivered") == [("tally", "household_created", 1)]
    assert _deliveries(admin, "pending") == [("halfway", "household_created", 1)]
    pending = admin.get(f"{DELIVERIES}?state=pending").get_json()["items"][0]
    assert pending["last_error"] == "RuntimeError: half done" and pending["event"]["object_id"] == household
    assert not _outbox_delivered(plugged, t.id, household)  # a plugin is still waiting for it

    assert _sweep(plugged) == 1  # the retry is due: halfway alone gets the event again
    assert (Halfway.calls, Tally.calls) == (2, 1)
    assert _deliveries(admin, "parked") == [("halfway", "household_created", 2)]  # the last try failed
    assert _deliveries(admin, "pending") == []
    assert _outbox_delivered(plugged, t.id, household)  # nobody is left pending
    assert _sweep(plugged) == 0 and Halfway.calls == 2  # parked: no more tries by itself
    assert _notes(plugged, t.id) == ["tally"]

    runner = plugged.test_cli_runner()
    listed = runner.invoke(args=["jobs", "failed"])
    assert listed.exit_code == 0, listed.output
    line = next(line for line in listed.output.splitlines() if "plugin=halfway" in line)
    assert "tenant=acme" in line and "event=household_created" in line and "attempts=2" in line
    assert "RuntimeError: half done" in line

    Halfway.failing = False
    delivery_id = admin.get(DELIVERIES).get_json()["items"][0]["id"]
    retried = runner.invoke(args=["jobs", "retry", "--delivery", str(delivery_id)])
    assert retried.exit_code == 0, retried.output
    assert (Halfway.calls, Tally.calls) == (3, 1)  # delivered at once (in-process), tally not again
    assert _deliveries(admin, "parked") == []
    assert _deliveries(admin, "delivered") == [("halfway", "household_created", 3), ("tally", "household_created", 1)]
    assert _notes(plugged, t.id) == ["halfway", "tally"]
    assert _outbox_delivered(plugged, t.id, household)
    assert "no parked delivery" in runner.invoke(args=["jobs", "retry", "--delivery", str(delivery_id)]).output


def test_a_tenant_admin_sees_and_retries_only_their_own_parked_deliveries(plugged, wuye_make_tenant, wuye_register,
                                                                          wuye_operator):
    t, admin, ids = _tenant(plugged, wuye_make_tenant, wuye_register)
    household = _new_household(admin, ids, "301")
    _sweep(plugged)
    parked = admin.get(DELIVERIES).get_json()
    assert parked["total"] == 1 and parked["items"][0]["plugin"] == "halfway"
    delivery_id = parked["items"][0]["id"]

    other, other_admin, _ = _tenant(plugged, wuye_make_tenant, wuye_register, slug="other")
    assert other_admin.get(DELIVERIES).get_json() == {"items": [], "total": 0, "page": 1, "per_page": 20}
    refused = other_admin.post(f"{DELIVERIES}/{delivery_id}/retry")
    assert refused.status_code == 404 and refused.get_json()["message"] == "未找到该投递记录"
    assert wuye_operator.get(DELIVERIES).status_code == 403  # operators read no tenant data: the CLI is theirs
    staff = t.user("clerk", "community_staff", [ids["community"]])
    assert staff.get(DELIVERIES).status_code == 403
    assert admin.get(f"{DELIVERIES}?state=lost").status_code == 422
    assert Halfway.calls == 2

    r = admin.post(f"{DELIVERIES}/{delivery_id}/retry")  # still failing: parked again after one try
    assert r.status_code == 200 and (r.get_json()["state"], r.get_json()["attempts"]) == ("parked", 3)
    Halfway.failing = False
    r = admin.post(f"{DELIVERIES}/{delivery_id}/retry")
    assert r.status_code == 200 and r.get_json()["state"] == "delivered"
    assert (Halfway.calls, Tally.calls) == (4, 1)
    assert _outbox_delivered(plugged, t.id, household)
    again = admin.post(f"{DELIVERIES}/{delivery_id}/retry")
    assert again.status_code == 409 and again.get_json()["message"] == "只有已搁置的投递可以重试"
    assert _notes(plugged, t.id) == ["halfway", "tally"]


def test_a_contained_hook_that_writes_then_fails_leaves_the_core_change_whole(plugged, wuye_make_tenant, wuye_register):
    """`wuye_ticket_sla_policy` of halfway writes a row, then hits a database error (on
    PostgreSQL that aborts the transaction): the ticket is still created, its SLA is the
    community's, and halfway's row is gone."""
    t, admin, ids = _tenant(plugged, wuye_make_tenant, wuye_register)
    errors = plugged.extensions["wuye_plugins"].hook_errors
    before = errors[("halfway", "wuye_ticket_sla_policy")]
    r = admin.post("/api/v1/tickets", json={"community_id": ids["community"], "site_id": ids["site"],
                                            "channel": "phone", "kind": "repair", "category": "电梯", "title": "电梯停运"})
    assert r.status_code == 201, r.get_json()
    assert admin.get(f"/api/v1/tickets/{r.get_json()['id']}").status_code == 200
    assert errors[("halfway", "wuye_ticket_sla_policy")] == before + 1
    assert "halfway-sla" not in _notes(plugged, t.id)
