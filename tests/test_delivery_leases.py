"""Outbox events are claimed with a lease and delivered in batches (events/relay.py).

- a deliverer killed with SIGKILL in the middle of a batch: nothing of the batch is committed
  but the claim; once the lease expires, the periodic sweep delivers every event again and each
  plugin's writes exist once;
- two deliverers at once over the same events (PostgreSQL, real connections): each event is
  claimed and delivered by one of them, once;
- a plugin that fails for one event of a batch: the batch's other events and plugins are
  delivered, and only that plugin is retried, for that event.

Plugins (tests/plugin_fixtures.py): `tally` writes a row per event, `blocker` writes a row and,
in a process told so, stops at an event marked `block`; `halfway` writes a row and raises for
the object ids it is told. Their rows are notifications whose `event_id` is the event's id.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.plugin_fixtures import Halfway, Tally
from wuye_core.app import create_app
from wuye_core.events import relay
from wuye_core.events.deliveries import PluginDelivery
from wuye_core.events.outbox import OutboxEvent
from wuye_core.extensions import db
from wuye_core.host.manager import ENTRY_POINT_GROUP
from wuye_core.tenancy import tenant_context
from wuye_core.testing import login, settings_for
from wuye_core.tickets.notifications.models import Notification

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = ("tally", "blocker", "halfway")
LEASE = 2  # seconds


def _entry_points():
    return [metadata.EntryPoint(name, f"tests.plugin_fixtures:{name}", ENTRY_POINT_GROUP)
            for name in PLUGINS]


@pytest.fixture
def plugged(wuye_backend, wuye_app):
    Halfway.failing, Halfway.only, Halfway.calls, Tally.calls = True, set(), 0, 0
    yield create_app(settings_for(wuye_backend, event_retry_seconds="0", event_lease_seconds=LEASE),
                     plugin_entry_points=_entry_points())
    Halfway.failing, Halfway.only = True, None


def _tenant(app, wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    admin = login(app, "acme", "admin", "admin-pass-123")
    for name in PLUGINS:
        assert admin.put(f"/api/v1/plugins/{name}", json={"enabled": True}).status_code == 200
        r = admin.put(f"/api/v1/communities/{ids['community']}/plugins/{name}", json={"enabled": True})
        assert r.status_code == 200, r.get_json()
    return t, ids


def _events(app, tenant_id, community_id, count, **data_of) -> list[int]:
    """`count` committed household_created events nobody claimed yet; `data_of[i]`: data of the i-th."""
    with app.app_context(), tenant_context(tenant_id):
        rows = [OutboxEvent(event_id=uuid.uuid4().hex, name="household_created", community_id=community_id,
                            object_id=1000 + i, data=data_of.get(f"e{i}", {}), occurred_at=datetime.now(UTC),
                            attempts=0) for i in range(count)]
        db.session.add_all(rows)
        db.session.commit()
        return [row.id for row in rows]


def _state(app, tenant_id):
    """(outbox rows by id, Counter of (plugin row kind, event id), plugin deliveries)."""
    with app.app_context(), tenant_context(tenant_id):
        rows = {r.id: (r.delivered_at is not None, r.attempts, r.lease_until) for r in db.session.scalars(
            select(OutboxEvent).where(OutboxEvent.name == "household_created", OutboxEvent.object_id >= 1000))}
        notes = Counter((n.kind, n.event_id) for n in db.session.scalars(select(Notification)))
        deliveries = {(d.outbox_id, d.plugin): (d.state.value, d.attempts)
                      for d in db.session.scalars(select(PluginDelivery))}
        event_ids = dict(db.session.execute(select(OutboxEvent.id, OutboxEvent.event_id)).all())
        return rows, notes, deliveries, event_ids


def _sweep(app) -> int:
    with app.app_context():
        return relay.sweep(older_than=timedelta(0))


def _within(app, tenant_id: int | None, seconds: float, fn):
    """fn() in a thread, in the app (and tenant) context; None if it did not return in time: it
    waits for a lock the blocked deliverer holds, having tried to deliver an event that one holds."""
    result = []

    def run():
        with app.app_context():
            if tenant_id is None:
                result.append(fn())
            else:
                with tenant_context(tenant_id):
                    result.append(fn())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    return result[0] if result else None


def _deliverer(wuye_backend, tenant_id: int, folder: Path) -> subprocess.Popen:
    """A separate process delivering the tenant's events (the woken job's function), with the
    same plugins; its blocker stops at the event marked `block`."""
    code = ("import sys\n"
            "from wuye_core.app import create_app\n"
            "from wuye_core.config import Settings\n"
            "from wuye_core.events.relay import deliver_pending_events\n"
            "from tests.test_delivery_leases import _entry_points\n"
            "app = create_app(Settings.from_env(), plugin_entry_points=_entry_points())\n"
            "with app.app_context():\n"
            f"    deliver_pending_events(tenant_id={tenant_id})\n")
    env = {**os.environ, "WUYE_DATABASE_URL": wuye_backend.app_url, "WUYE_REDIS_URL": "", "WUYE_ENV": "test",
           "WUYE_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789", "WUYE_LOG_LEVEL": "WARNING",
           "WUYE_EVENT_LEASE_SECONDS": str(LEASE), "WUYE_TEST_BLOCK_DIR": str(folder),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)


def test_a_deliverer_killed_mid_batch_is_replaced_after_its_lease(plugged, wuye_backend, wuye_make_tenant,
                                                                  wuye_register, tmp_path):
    t, ids = _tenant(plugged, wuye_make_tenant, wuye_register)
    outbox = _events(plugged, t.id, ids["community"], 3, e1={"block": True})
    process = _deliverer(wuye_backend, t.id, tmp_path)
    try:
        for _ in range(600):
            if (tmp_path / "blocked").exists() or process.poll() is not None:
                break
            time.sleep(0.05)
        assert (tmp_path / "blocked").exists(), process.stderr.read().decode()[-3000:]
        rows, _, _, _ = _state(plugged, t.id)
        assert all(not done and attempts == 1 and lease for done, attempts, lease in rows.values())  # claimed
        # its lease runs: the sweep hands nothing on, another deliverer takes nothing
        assert _within(plugged, None, 20, lambda: relay.sweep(older_than=timedelta(0))) == 0
        if wuye_backend.is_postgresql:  # (SQLite: the blocked writer holds the database's write lock)
            assert _within(plugged, t.id, 20, relay.deliver_pending) == 0
        os.killpg(process.pid, 9)  # SIGKILL in the middle of the batch: the first event's plugins ran
        process.wait(10)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 9)
    rows, notes, deliveries, _ = _state(plugged, t.id)
    assert not any(done for done, _, _ in rows.values()) and not notes and not deliveries  # nothing committed

    time.sleep(LEASE + 0.2)  # the lease expires
    listed = plugged.test_cli_runner().invoke(args=["jobs", "failed"])  # what an operator sees meanwhile
    assert listed.exit_code == 0 and "undelivered events tried before: 3" in listed.output, listed.output
    assert listed.output.count("lease expired: the next sweep hands it on") == 3
    assert _sweep(plugged) == 3  # the periodic sweep, as a worker runs it
    rows, notes, deliveries, event_ids = _state(plugged, t.id)
    assert rows.keys() == set(outbox)
    assert all(done and attempts == 2 and lease is None for done, attempts, lease in rows.values())
    for outbox_id in outbox:  # every plugin's write once, each delivery done in one attempt
        for plugin in ("tally", "blocker", "halfway"):
            if plugin != "halfway":
                assert notes[(plugin, event_ids[outbox_id])] == 1
            assert deliveries[(outbox_id, plugin)] == ("delivered", 1)
    assert _sweep(plugged) == 0


def test_two_deliverers_at_once_deliver_each_event_once(plugged, wuye_backend, wuye_make_tenant, wuye_register,
                                                        monkeypatch):
    if not wuye_backend.is_postgresql:
        pytest.skip("row locks (FOR UPDATE SKIP LOCKED) are PostgreSQL's; SQLite serializes its writers")
    t, ids = _tenant(plugged, wuye_make_tenant, wuye_register)
    outbox = _events(plugged, t.id, ids["community"], 240)
    monkeypatch.setattr(relay, "BATCH", 10)  # many claims each, interleaved
    start, handled, failures = threading.Barrier(2), [], []

    def deliverer():
        try:
            with plugged.app_context(), tenant_context(t.id):
                start.wait(10)
                handled.append(relay.deliver_pending())
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=deliverer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures
    assert sum(handled) == len(outbox), handled
    rows, notes, deliveries, event_ids = _state(plugged, t.id)
    assert all(done and attempts == 1 for done, attempts, _ in rows.values())
    assert [notes[("tally", event_ids[i])] for i in outbox] == [1] * len(outbox)
    assert Counter(deliveries.values()) == {("delivered", 1): 3 * len(outbox)}


def test_a_plugin_failing_for_one_event_of_a_batch_is_retried_alone(plugged, wuye_make_tenant, wuye_register):
    t, ids = _tenant(plugged, wuye_make_tenant, wuye_register)
    Halfway.only = {1001}  # the second event
    outbox = _events(plugged, t.id, ids["community"], 3)
    with plugged.app_context(), tenant_context(t.id):
        assert relay.deliver_pending() == 3  # one batch
    rows, notes, deliveries, event_ids = _state(plugged, t.id)
    assert [rows[i][0] for i in outbox] == [True, False, True]
    assert deliveries[(outbox[1], "halfway")] == ("pending", 1)
    assert Counter(deliveries.values()) == {("delivered", 1): 8, ("pending", 1): 1}
    assert notes[("halfway", event_ids[outbox[1]])] == 0  # its write in that event rolled back, alone
    assert notes[("halfway", event_ids[outbox[0]])] == notes[("halfway", event_ids[outbox[2]])] == 1
    calls = (Halfway.calls, Tally.calls)

    Halfway.only = set()
    assert _sweep(plugged) == 1  # the retry is due (retry delay 0): that event, that plugin
    assert (Halfway.calls, Tally.calls) == (calls[0] + 1, calls[1])
    rows, notes, deliveries, event_ids = _state(plugged, t.id)
    assert all(rows[i][0] for i in outbox) and rows[outbox[1]][1] == 2
    assert deliveries[(outbox[1], "halfway")] == ("delivered", 2)
    assert [notes[(p, event_ids[outbox[1]])] for p in ("halfway", "tally", "blocker")] == [1, 1, 1]
