"""Concurrent identical changes to one meeting, resolution, agenda item or problem: exactly one
wins, the others get 409 naming the current status, and nothing is written twice (issue #14
item 3). `wuye_race` sends one request 16 times at once, each from its own thread and database
connection; the plugin loads what it changes with `get_for_update` (wuye_core.plugins)."""

from __future__ import annotations

from collections import Counter

P = "/api/v1/plugins/red_property"
N = 16


def _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    wuye_enable_plugin(t, "red_property", ids["community"])
    return t, ids


def _one_winner(responses, status_after, winner=200):
    codes = Counter(r.status_code for r in responses)
    assert codes == {winner: 1, 409: N - 1}, codes
    for r in responses:
        if r.status_code == 409:
            assert r.get_json()["errors"]["status"] == status_after, r.get_json()


def _created(r):
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_a_meeting_is_held_once(wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_race, wuye_outbox):
    t, ids = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    meeting = _created(t.admin.post(f"{P}/communities/{ids['community']}/meetings", json={}))
    responses = wuye_race(t.admin, "POST", f"{P}/meetings/{meeting['id']}/hold", json={"minutes": "纪要"})
    _one_winner(responses, "held")
    held = [e for e in wuye_outbox(t) if e.name == "red_property.meeting_held"]
    assert len(held) == 1
    assert t.admin.get(f"{P}/meetings/{meeting['id']}").get_json()["status"] == "held"


def test_a_resolution_is_finished_once_and_its_item_closes(wuye_make_tenant, wuye_register, wuye_enable_plugin,
                                                            wuye_race, wuye_outbox):
    t, ids = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    community = ids["community"]
    meeting = _created(t.admin.post(f"{P}/communities/{community}/meetings", json={}))
    item = _created(t.admin.post(f"{P}/communities/{community}/agenda-items", json={"title": "电梯维修"}))
    resolution = _created(t.admin.post(f"{P}/meetings/{meeting['id']}/resolutions", json={
        "text": "物业一周内修复", "owner_side": "property", "owner_name": "李经理", "agenda_item_id": item["id"]}))
    url = f"{P}/resolutions/{resolution['id']}/follow-ups"
    responses = wuye_race(t.admin, "POST", url, json={"note": "已修复", "status": "done"})
    _one_winner(responses, "done", winner=201)
    assert t.admin.get(url).get_json()["total"] == 1  # one follow-up row
    assert len([e for e in wuye_outbox(t) if e.name == "red_property.resolution_done"]) == 1
    assert t.admin.get(f"{P}/agenda-items/{item['id']}").get_json()["status"] == "closed"


def test_the_last_two_resolutions_finished_at_once_close_their_item(wuye_make_tenant, wuye_register,
                                                                    wuye_enable_plugin, wuye_app):
    """Each of two requests finishing the item's last two resolutions used to see the other one
    still open, and the item stayed open for ever; the item's lock orders them."""
    import threading

    t, ids = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    community = ids["community"]
    meeting = _created(t.admin.post(f"{P}/communities/{community}/meetings", json={}))
    item = _created(t.admin.post(f"{P}/communities/{community}/agenda-items", json={"title": "停车难"}))
    resolutions = [_created(t.admin.post(f"{P}/meetings/{meeting['id']}/resolutions", json={
        "text": text, "owner_side": side, "owner_name": "王", "agenda_item_id": item["id"]}))
        for text, side in (("划车位", "property"), ("协调共享车位", "community"))]
    for _round in range(3):  # a race is a matter of luck: each round starts from two open ones
        barrier = threading.Barrier(2)
        codes = []

        def finish(resolution_id, barrier=barrier, codes=codes):
            client = type(t.admin)(wuye_app.test_client(), t.admin.token)
            barrier.wait(timeout=30)
            codes.append(client.post(f"{P}/resolutions/{resolution_id}/follow-ups",
                                     json={"note": "办结", "status": "done"}).status_code)

        threads = [threading.Thread(target=finish, args=(r["id"],)) for r in resolutions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert codes == [201, 201]
        assert t.admin.get(f"{P}/agenda-items/{item['id']}").get_json()["status"] == "closed"
        item = _created(t.admin.post(f"{P}/communities/{community}/agenda-items", json={"title": "停车难"}))
        resolutions = [_created(t.admin.post(f"{P}/meetings/{meeting['id']}/resolutions", json={
            "text": text, "owner_side": "property", "owner_name": "王", "agenda_item_id": item["id"]}))
            for text in ("甲", "乙")]


def test_a_problem_becomes_one_agenda_item(wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_race):
    t, ids = _setup(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    community = ids["community"]
    visit = _created(t.admin.post(f"{P}/communities/{community}/visits",
                                  json={"site_id": ids["site"], "problems": [{"description": "路灯不亮"}]}))
    problem = visit["problems"][0]["id"]
    responses = wuye_race(t.admin, "POST", f"{P}/problems/{problem}/agenda-item", json={})
    _one_winner(responses, "agenda_item", winner=201)
    items = t.admin.get(f"{P}/communities/{community}/agenda-items").get_json()["items"]
    assert [i["source"] for i in items] == ["visit"]
