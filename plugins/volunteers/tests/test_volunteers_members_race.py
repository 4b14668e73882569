"""Two clerks registering the same phone at once: one member, one 409 (the alliance row's lock).
Each request runs in its own thread with its own database connection; on PostgreSQL they truly
overlap (and the community's alliance row is created in the race too), on SQLite they queue."""

from __future__ import annotations

import threading

from vl_members_support import P, alliance


def test_the_same_phone_registered_at_once_is_registered_once(wuye_app, wuye_make_tenant, wuye_register,
                                                              wuye_enable_plugin, wuye_race):
    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    body = {"name": "吴桂芳", "kind": "volunteer", "phone": "13787654321"}
    responses = wuye_race(a.mgr, "POST", f"{P}/communities/{a.cid}/members", json=body, n=6)
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5, [r.get_json() for r in responses]
    assert all("phone" in r.get_json()["errors"]["json"] for r in responses if r.status_code == 409)
    assert a.mgr.get(f"{P}/communities/{a.cid}/members").get_json()["total"] == 1


def test_two_clerks_two_names_one_phone(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """Two managers, two different bodies with the same phone, released together: one 201, one 409."""
    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    other_clerk = a.tenant.user("acme-mgr2", "volunteers_manager", [a.cid])
    barrier = threading.Barrier(2)
    results: dict = {}

    def send(clerk, name):
        barrier.wait(timeout=30)
        results[name] = clerk.post(f"{P}/communities/{a.cid}/members",
                                   json={"name": name, "kind": "volunteer", "phone": "13655550000"})

    threads = [threading.Thread(target=send, args=pair) for pair in ((a.mgr, "甲"), (other_clerk, "乙"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(r.status_code for r in results.values()) == [201, 409], {k: r.get_json() for k, r in results.items()}
    loser = next(r for r in results.values() if r.status_code == 409).get_json()
    assert "已有使用此手机号的成员" in loser["errors"]["json"]["phone"][0]
    listed = a.mgr.get(f"{P}/communities/{a.cid}/members").get_json()
    assert listed["total"] == 1 and listed["items"][0]["phone"] == "13655550000"
