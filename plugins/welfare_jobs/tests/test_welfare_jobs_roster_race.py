"""Concurrent placements and registrations have one winner (the community's Roster row lock)."""

from __future__ import annotations

import threading

from roster_support import P, id_number, roster, years_ago

from wuye_core.plugins import local_today


def test_the_same_placement_sent_at_once_is_made_once(wuye_app, wuye_make_tenant, wuye_register,
                                                      wuye_enable_plugin, wuye_race):
    r = roster(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    post = r.post(headcount=1)
    worker = r.worker(born=years_ago(local_today(), 40))
    body = {"worker_id": worker["id"], "post_id": post["id"], "starts_on": local_today().isoformat()}
    responses = wuye_race(r.mgr, "POST", f"{P}/communities/{r.cid}/placements", json=body, n=8)
    assert sorted(x.status_code for x in responses) == [201] + [409] * 7
    assert r.mgr.get(f"{P}/posts/{post['id']}").get_json()["on_post"] == 1


def test_the_same_person_registered_at_once_is_registered_once(wuye_app, wuye_make_tenant, wuye_register,
                                                              wuye_enable_plugin, wuye_race):
    r = roster(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    body = {"name": "钱多多", "id_number": id_number(years_ago(local_today(), 40), 5, True), "group": "hard_to_employ",
            "evidence_ref": "困难认定 5号"}
    responses = wuye_race(r.mgr, "POST", f"{P}/communities/{r.cid}/workers", json=body, n=6)
    assert sorted(x.status_code for x in responses) == [201] + [409] * 5
    assert all("id_number" in x.get_json()["errors"]["json"] for x in responses if x.status_code == 409)
    assert r.mgr.get(f"{P}/communities/{r.cid}/workers").get_json()["total"] == 1


def test_two_clerks_filling_the_last_place_at_once_one_wins(wuye_app, wuye_make_tenant, wuye_register,
                                                           wuye_enable_plugin):
    """Two managers, two different workers, one place left: one placement, the other 409 on post_id."""
    r = roster(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    other_clerk = r.tenant.user("acme-mgr2", "welfare_jobs_manager", [r.cid])
    post = r.post(headcount=1)
    today = local_today()
    first = r.worker(name="甲", born=years_ago(today, 40), serial=1)
    second = r.worker(name="乙", born=years_ago(today, 41), serial=2)
    barrier = threading.Barrier(2)
    results: dict = {}

    def send(clerk, worker):
        barrier.wait(timeout=30)
        results[worker["id"]] = clerk.post(f"{P}/communities/{r.cid}/placements", json={
            "worker_id": worker["id"], "post_id": post["id"], "starts_on": today.isoformat()})

    threads = [threading.Thread(target=send, args=pair) for pair in ((r.mgr, first), (other_clerk, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    codes = sorted(x.status_code for x in results.values())
    assert codes == [201, 409], [x.get_json() for x in results.values()]
    loser = next(x for x in results.values() if x.status_code == 409).get_json()
    assert "post_id" in loser["errors"]["json"] and "核定人数" in loser["errors"]["json"]["post_id"][0]
    assert r.mgr.get(f"{P}/posts/{post['id']}").get_json()["vacancies"] == 0
