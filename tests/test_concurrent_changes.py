"""Concurrent identical changes to one ticket: exactly one wins, the others get 409 with the
current state, and the history, the events and the counters stay consistent (issue #14 item 3).

Each race sends the same request 16 times at once from 16 threads — each its own app context,
so its own database connection — released together by a barrier (the `wuye_race` fixture). On
PostgreSQL the row lock (`get_for_update`, common/locking.py) serializes them; on SQLite its
one-writer lock does (taken first by `get_for_update`)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from wuye_core.extensions import db
from wuye_core.tenancy import tenant_context
from wuye_core.tickets.models import TicketTransition

N = 16


def _ticket(api, ids):
    r = api.post("/api/v1/tickets", json={
        "community_id": ids["community"], "site_id": ids["site"], "channel": "phone", "kind": "repair",
        "category": "水电维修", "title": "厨房水管漏水"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _move(api, ticket_id, *actions, **extra):
    for action in actions:
        r = api.post(f"/api/v1/tickets/{ticket_id}/transitions", json={"action": action, **extra})
        assert r.status_code == 200, r.get_json()


def _one_winner(responses, status_after):
    """One 200; every other answer a 409 that names the state the winner left."""
    codes = Counter(r.status_code for r in responses)
    assert codes == {200: 1, 409: N - 1}, codes
    for r in responses:
        if r.status_code == 409:
            assert r.get_json()["errors"]["status"] == status_after, r.get_json()
    return next(r for r in responses if r.status_code == 200).get_json()


def _history(app, tenant_id, ticket_id):
    with app.app_context(), tenant_context(tenant_id):
        return [row.action for row in db.session.scalars(
            select(TicketTransition).where(TicketTransition.ticket_id == ticket_id).order_by(TicketTransition.id))]


def _events(outbox, tenant, ticket_id, name):
    return [e for e in outbox(tenant) if e.name == name and e.object_id == ticket_id]


def test_one_of_sixteen_identical_transitions_wins(wuye_make_tenant, wuye_register, wuye_race, wuye_outbox):
    t = wuye_make_tenant("acme")
    ticket_id = _ticket(t.admin, wuye_register(t))
    responses = wuye_race(t.admin, "POST", f"/api/v1/tickets/{ticket_id}/transitions", json={"action": "accept"})
    winner = _one_winner(responses, "accepted")
    assert winner["status"] == "accepted"
    loser = next(r for r in responses if r.status_code == 409).get_json()
    assert set(loser["errors"]["allowed_actions"]) == {"dispatch", "resolve", "cancel"}
    assert _history(t.app, t.id, ticket_id) == ["submit", "accept"]
    moved = _events(wuye_outbox, t, ticket_id, "ticket_transitioned")
    assert [e.data["action"] for e in moved] == ["accept"]


def test_reopen_races_keep_the_count_and_the_history_together(wuye_make_tenant, wuye_register, wuye_race,
                                                              wuye_outbox):
    """reopened_count counts the reopen rows of the history, however many clients raced."""
    t = wuye_make_tenant("acme")
    ticket_id = _ticket(t.admin, wuye_register(t))
    _move(t.admin, ticket_id, "accept")
    for _round in range(2):
        _move(t.admin, ticket_id, "resolve")
        url = f"/api/v1/tickets/{ticket_id}/transitions"
        _one_winner(wuye_race(t.admin, "POST", url, json={"action": "reopen"}), "reopened")
        _move(t.admin, ticket_id, "accept")
    history = _history(t.app, t.id, ticket_id)
    assert history.count("reopen") == 2 and history.count("resolve") == 2
    assert t.admin.get(f"/api/v1/tickets/{ticket_id}").get_json()["reopened_count"] == 2
    assert len([e for e in _events(wuye_outbox, t, ticket_id, "ticket_transitioned")
                if e.data["action"] == "reopen"]) == 2


def test_one_of_sixteen_ratings_wins_and_closes_once(wuye_make_tenant, wuye_register, wuye_race, wuye_outbox):
    t = wuye_make_tenant("acme")
    ticket_id = _ticket(t.admin, wuye_register(t))
    _move(t.admin, ticket_id, "accept", "resolve")
    responses = wuye_race(t.admin, "PUT", f"/api/v1/tickets/{ticket_id}/rating", json={"rating": 5})
    winner = _one_winner(responses, "closed")
    assert winner["status"] == "closed" and winner["rating"] == 5
    assert _history(t.app, t.id, ticket_id) == ["submit", "accept", "resolve", "rate", "close"]
    assert len(_events(wuye_outbox, t, ticket_id, "ticket_rated")) == 1
    # a rating is given once per resolution; reopening clears it, and the next one counts
    again = t.admin.put(f"/api/v1/tickets/{ticket_id}/rating", json={"rating": 1})
    assert again.status_code == 409 and again.get_json()["errors"]["status"] == "closed"
    _move(t.admin, ticket_id, "reopen", "accept", "resolve")
    assert t.admin.put(f"/api/v1/tickets/{ticket_id}/rating", json={"rating": 3}).get_json()["rating"] == 3


def test_one_of_sixteen_identical_dispatches_wins(wuye_make_tenant, wuye_register, wuye_race, wuye_outbox):
    """A second dispatch to the same person would change nothing but add a history row and a
    notification: refused. Dispatching to someone else is still allowed."""
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    ticket_id = _ticket(t.admin, ids)
    url = f"/api/v1/tickets/{ticket_id}/transitions"
    responses = wuye_race(t.admin, "POST", url, json={"action": "dispatch", "team": "水电班"})
    _one_winner(responses, "dispatched")
    assert _history(t.app, t.id, ticket_id) == ["submit", "dispatch"]
    assert len(_events(wuye_outbox, t, ticket_id, "ticket_assigned")) == 1
    _move(t.admin, ticket_id, "dispatch", team="保洁班")
    assert _history(t.app, t.id, ticket_id) == ["submit", "dispatch", "dispatch"]

