"""Concurrent identical changes to one referral, plan or person: exactly one wins, the others
get 409 naming the current status, and nothing is written twice (issue #14 item 3).
`wuye_race` sends one request 16 times at once, each from its own thread and database
connection; the plugin loads what it changes with `get_for_update` (wuye_core.plugins)."""

from __future__ import annotations

from collections import Counter

from wuye_care_visits.clock import today as clock_today

P = "/api/v1/plugins/care_visits"
N = 16


def setup_care(tenant, wuye_register, wuye_enable_plugin):
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "care_visits", ids["community"], {"first_visit_days": 0})
    worker = tenant.user("worker", "care_worker", [ids["community"]])
    supervisor = tenant.user("boss", "care_supervisor", [ids["community"]])
    return ids, worker, supervisor


def register_person(client, ids):
    r = client.post(f"{P}/communities/{ids['community']}/people", json={
        "resident_id": ids["resident"], "level": "A", "consent_sharing": ["civil_affairs"]})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _one_winner(responses, status_after):
    codes = Counter(r.status_code for r in responses)
    assert codes == {200: 1, 409: N - 1}, codes
    for r in responses:
        if r.status_code == 409:
            assert r.get_json()["errors"]["status"] == status_after, r.get_json()


def _visit(worker, ids, person):
    r = worker.post(f"{P}/communities/{ids['community']}/visits", json={
        "person_id": person["id"], "visited_on": clock_today().isoformat(), "visitors": "王五"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_a_referral_moves_once(wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_race, wuye_outbox):
    tenant = wuye_make_tenant("acme")
    ids, worker, _supervisor = setup_care(tenant, wuye_register, wuye_enable_plugin)
    visit = _visit(worker, ids, register_person(worker, ids))
    referral = worker.post(f"{P}/visits/{visit['id']}/referrals", json={"body": "civil_affairs"}).get_json()
    responses = wuye_race(worker, "PATCH", f"{P}/referrals/{referral['id']}", json={"status": "accepted"})
    _one_winner(responses, "accepted")
    changed = [e for e in wuye_outbox(tenant) if e.name == "care_visits.referral_changed"]
    assert [e.data["status"] for e in changed] == ["accepted"]


def test_a_plan_generated_sixteen_times_at_once_has_one_item_per_person(wuye_make_tenant, wuye_register,
                                                                        wuye_enable_plugin, wuye_race, wuye_backend):
    """One item per person and period (a unique index says so too). On PostgreSQL the people are
    locked before the existing items are read, so every request answers 201 (one created 1, the
    others 0) instead of a 409 for a duplicate; SQLite, the single-user default, may still
    refuse some of them with that 409."""
    tenant = wuye_make_tenant("acme")
    ids, worker, _supervisor = setup_care(tenant, wuye_register, wuye_enable_plugin)
    register_person(worker, ids)
    period = clock_today().strftime("%Y-%m")
    url = f"{P}/communities/{ids['community']}/plans/generate"
    responses = wuye_race(worker, "POST", url, json={"period": period})
    created = [r.get_json()["created"] for r in responses if r.status_code == 201]
    assert sum(created) == 1
    if wuye_backend.is_postgresql:
        assert len(created) == N, [r.get_json() for r in responses if r.status_code != 201]
    else:
        assert {r.status_code for r in responses} <= {201, 409}
    items = worker.get(f"{P}/communities/{ids['community']}/plans", query_string={"period": period}).get_json()
    assert items["total"] == 1


def test_a_person_is_erased_once(wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_race, wuye_outbox):
    tenant = wuye_make_tenant("acme")
    ids, worker, supervisor = setup_care(tenant, wuye_register, wuye_enable_plugin)
    person = register_person(worker, ids)
    _one_winner(wuye_race(supervisor, "POST", f"{P}/people/{person['id']}/erase"), "erased")
    assert len([e for e in wuye_outbox(tenant) if e.name == "care_visits.person_erased"]) == 1
