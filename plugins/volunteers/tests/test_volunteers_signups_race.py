"""Capacity holds under concurrency: sign-ups arriving at once (real threads, each with its own
connection; on PostgreSQL truly at once) are served one at a time behind the activity's row lock:
exactly `capacity` get places, the others wait in the order they were served."""

from __future__ import annotations

import threading

from _activity_rows import P, create, members, world


def _at_once(api, app, calls: list[tuple[str, dict]]) -> list:
    """Send the POSTs together (a barrier releases them), each from its own thread and test client."""
    barrier = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)
    failures: list = []

    def send(i: int, path: str, body: dict) -> None:
        client = type(api)(app.test_client(), api.token, api.headers)  # its own client, context and connection
        try:
            barrier.wait(timeout=30)
            answers[i] = client.post(path, json=body)
        except BaseException as exc:  # reported in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=send, args=(i, path, body)) for i, (path, body) in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if failures:
        raise failures[0]
    assert all(a is not None for a in answers), "a request did not finish"
    return answers


def test_eight_members_for_three_places_at_once(wuye_app, wuye_backend, wuye_make_tenant, wuye_register,
                                                wuye_enable_plugin):
    env = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    a = create(env.org, env.cid, capacity=3)
    people = members(env.tenant, env.cid, 8)
    answers = _at_once(env.org, wuye_app, [(f"{P}/activities/{a['id']}/signups", {"member_id": m}) for m in people])
    assert [r.status_code for r in answers] == [201] * 8, [r.get_json() for r in answers]
    assert sorted(r.get_json()["status"] for r in answers) == ["confirmed"] * 3 + ["waiting"] * 5
    listing = env.org.get(f"{P}/activities/{a['id']}/signups").get_json()
    assert listing["confirmed"] == 3 and listing["waiting"] == 5
    # served one at a time: the three places went to the first three served (by sign-up time and by
    # the order their rows were written), the queue is 1…5 in the order the others were served
    served = sorted(listing["signups"], key=lambda s: (s["signed_up_at"], s["id"]))
    assert [s["status"] for s in served] == ["confirmed"] * 3 + ["waiting"] * 5
    assert [s["position"] for s in served] == [None] * 3 + [1, 2, 3, 4, 5]
    assert [s["id"] for s in served] == sorted(s["id"] for s in served)
    assert env.org.get(f"{P}/activities/{a['id']}").get_json()["places_left"] == 0


def test_the_same_member_sent_twice_at_once_is_signed_up_once(wuye_app, wuye_make_tenant, wuye_register,
                                                              wuye_enable_plugin, wuye_race):
    env = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    a = create(env.org, env.cid, capacity=5)
    [wang] = members(env.tenant, env.cid, 1)
    answers = wuye_race(env.org, "POST", f"{P}/activities/{a['id']}/signups", json={"member_id": wang}, n=6)
    assert sorted(r.status_code for r in answers) == [201] + [409] * 5
    assert env.org.get(f"{P}/activities/{a['id']}").get_json()["signed_up"] == 1


def test_two_cancellations_at_once_promote_two_different_members(wuye_app, wuye_make_tenant, wuye_register,
                                                                 wuye_enable_plugin):
    env = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    a = create(env.org, env.cid, capacity=2)
    people = members(env.tenant, env.cid, 5)
    ids = [env.org.post(f"{P}/activities/{a['id']}/signups", json={"member_id": m}).get_json()["id"] for m in people]
    answers = _at_once(env.org, wuye_app, [(f"{P}/signups/{ids[0]}/cancel", {}), (f"{P}/signups/{ids[1]}/cancel", {})])
    assert [r.status_code for r in answers] == [200, 200], [r.get_json() for r in answers]
    assert sorted(r.get_json()["promoted"]["member_id"] for r in answers) == [people[2], people[3]]
    listing = env.org.get(f"{P}/activities/{a['id']}/signups").get_json()
    assert listing["confirmed"] == 2 and listing["waiting"] == 1
