"""Concurrent moves of one task have one winner (the task's row lock; the community's alliance row
for a ticket handed twice): real threads, each with its own database connection (on PostgreSQL
real row locks; on SQLite the database's write lock)."""

from __future__ import annotations

import threading

from _task_rows import P, member, records, task_count, ticket, world


def _request(w, skill="legal") -> dict:
    r = w.clerk.post(f"{P}/communities/{w.cid}/tasks", json={
        "source": "request", "requester_name": "刘奶奶", "requester_phone": "13712345678", "title": "咨询遗嘱",
        "skill": skill})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_two_members_accepting_at_once_one_wins(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """Two organisers, each giving the task to a different member at the same moment: one holds it,
    the other is told it is taken (409 naming the status)."""
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    other_organiser = w.tenant.user("acme-org2", "volunteers_organiser", [w.cid])
    first = member(w.tenant, w.cid, "甲律师", "13800000001", skills={"legal": ("expert", True)})
    second = member(w.tenant, w.cid, "乙律师", "13800000002", skills={"legal": ("expert", True)})
    task = _request(w)
    barrier = threading.Barrier(2)
    results: dict = {}

    def send(client, member_id):
        barrier.wait(timeout=30)
        results[member_id] = client.post(f"{P}/tasks/{task['id']}/accept", json={"member_id": member_id})

    threads = [threading.Thread(target=send, args=pair) for pair in ((w.organiser, first), (other_organiser, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    codes = sorted(r.status_code for r in results.values())
    assert codes == [200, 409], [r.get_json() for r in results.values()]
    winner = next(m for m, r in results.items() if r.status_code == 200)
    loser = next(r for r in results.values() if r.status_code == 409).get_json()
    assert loser["errors"]["status"] == "accepted" and "已认领" in loser["message"]
    assert w.manager.get(f"{P}/tasks/{task['id']}").get_json()["member_id"] == winner


def test_the_same_assignment_sent_at_once_is_made_once(wuye_app, wuye_make_tenant, wuye_register,
                                                       wuye_enable_plugin, wuye_race, wuye_outbox):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    lawyer = member(w.tenant, w.cid, "王律师", skills={"legal": ("expert", True)})
    task = _request(w)
    responses = wuye_race(w.organiser, "POST", f"{P}/tasks/{task['id']}/accept", json={"member_id": lawyer}, n=8)
    assert sorted(r.status_code for r in responses) == [200] + [409] * 7
    assert [e.name for e in wuye_outbox(w.tenant)].count("volunteers.task_accepted") == 1


def test_the_same_completion_sent_at_once_records_the_hours_and_resolves_the_ticket_once(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_race, wuye_outbox):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    helper = member(w.tenant, w.cid, "李师傅")
    t = ticket(w.clerk, w.ids)
    task = w.clerk.post(f"{P}/communities/{w.cid}/tasks", json={"source": "ticket", "ticket_id": t["id"]}).get_json()
    assert w.organiser.post(f"{P}/tasks/{task['id']}/accept", json={"member_id": helper}).status_code == 200
    responses = wuye_race(w.organiser, "POST", f"{P}/tasks/{task['id']}/complete",
                          json={"minutes": 45, "outcome": "灯修好了"}, n=6)
    assert sorted(r.status_code for r in responses) == [200] + [409] * 5
    assert len(records(w.tenant, task["id"])) == 1
    history = w.clerk.get(f"/api/v1/tickets/{t['id']}/transitions").get_json()["items"]
    assert [h["action"] for h in history].count("resolve") == 1
    assert [e.name for e in wuye_outbox(w.tenant)].count("volunteers.task_done") == 1


def test_the_same_ticket_handed_at_once_makes_one_task(wuye_app, wuye_make_tenant, wuye_register,
                                                      wuye_enable_plugin, wuye_race):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    # the community's alliance row exists (it is made on first use: alliance.alliance_row; the race of
    # that first use is the foundation's, answered by its unique index with a plain 409)
    _request(w)
    t = ticket(w.clerk, w.ids)
    responses = wuye_race(w.clerk, "POST", f"{P}/communities/{w.cid}/tasks",
                          json={"source": "ticket", "ticket_id": t["id"]}, n=6)
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5
    made = next(r for r in responses if r.status_code == 201).get_json()["id"]
    assert all(f"#{made}" in r.get_json()["message"] for r in responses if r.status_code == 409), [r.get_json() for r in responses]
    assert task_count(w.tenant, source="ticket") == 1
