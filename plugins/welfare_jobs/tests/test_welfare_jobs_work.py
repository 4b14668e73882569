"""Tickets for the posts' teams: the core's facade (dispatch_ticket, community_tickets), the
plugin's dispatch API and queue, and the hooks that keep the post's record in step with the ticket
whoever dispatched or resolved it."""

from __future__ import annotations

from datetime import date

import pytest
from _work_rows import add_post, dispatch_rows

P = "/api/v1/plugins/welfare_jobs"


def _ticket(api, community_id, site_id, title="村湾路灯不亮"):
    r = api.post("/api/v1/tickets", json={"community_id": community_id, "site_id": site_id, "channel": "phone",
                                          "kind": "repair", "category": "水电维修", "title": title})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _world(app, make_tenant, register, enable, slug="acme"):
    tenant = make_tenant(slug)
    ids = register(tenant)
    enable(tenant, "welfare_jobs", ids["community"])
    village = tenant.admin.post("/api/v1/sites", json={"community_id": ids["community"], "name": "张家湾",
                                                        "kind": "village"})
    assert village.status_code == 201
    ids["village"] = village.get_json()["id"]
    ids["post"] = add_post(app, tenant, ids["community"], ids["village"], team="张家湾保洁组", name="张家湾保洁岗")
    ids["post2"] = add_post(app, tenant, ids["community"], ids["village"], team="张家湾巡查组", name="张家湾巡查岗")
    return tenant, ids


@pytest.fixture
def world(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    return _world(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin)


# --- the core's facade ----------------------------------------------------------------------------


def test_the_facade_dispatches_refuses_and_stays_in_its_tenant(wuye_app, world, wuye_make_tenant, wuye_register):
    from wuye_core.plugins import (
        DomainError,
        commit,
        community_tickets,
        dispatch_ticket,
        tenant_context,
        ticket_summary,
    )

    tenant, ids = world
    ticket_id = _ticket(tenant.admin, ids["community"], ids["village"])
    other = wuye_make_tenant("other")
    other_ids = wuye_register(other, "乙")
    foreign = _ticket(other.admin, other_ids["community"], other_ids["site"])
    with wuye_app.app_context(), tenant_context(tenant.id):
        summary = ticket_summary(ticket_id)
        assert summary["site_id"] == ids["village"] and summary["team"] is None and summary["created_at"] is not None
        assert [t["id"] for t in community_tickets(ids["community"], site_ids=[ids["village"]],
                                                   allowing="dispatch")] == [ticket_id]
        assert community_tickets(ids["community"], site_ids=[ids["site"]]) == []
        assert dispatch_ticket(ticket_id, "tester", team="张家湾保洁组", note="去看看") is True
        assert dispatch_ticket(ticket_id, "tester", team="张家湾保洁组") is False  # nothing would change
        assert dispatch_ticket(foreign, "tester", team="张家湾保洁组") is False  # another tenant's ticket
        assert dispatch_ticket(999_999, "tester", team="张家湾保洁组") is False
        with pytest.raises(DomainError) as refused:
            dispatch_ticket(ticket_id, "tester", assignee_id=999_999)
        assert "assignee_id" in str(refused.value.body())
        commit()
        assert ticket_summary(ticket_id)["team"] == "张家湾保洁组"
    # the core's history has it, by the actor with the note; the other tenant's ticket is untouched
    history = tenant.admin.get(f"/api/v1/tickets/{ticket_id}/transitions?sort=id").get_json()["items"]
    assert [(h["action"], h["actor"]) for h in history] == [("submit", tenant.admin.get("/api/v1/auth/me")
                                                             .get_json()["username"]), ("dispatch", "tester")]
    assert history[1]["note"] == "去看看"
    assert other.admin.get(f"/api/v1/tickets/{foreign}").get_json()["status"] == "submitted"
    # a state that does not allow it: resolved
    tenant.admin.post(f"/api/v1/tickets/{ticket_id}/transitions", json={"action": "resolve"})
    with wuye_app.app_context(), tenant_context(tenant.id):
        assert dispatch_ticket(ticket_id, "tester", team="张家湾巡查组") is False
        assert community_tickets(ids["community"], allowing="dispatch") == []
        assert ticket_summary(ticket_id)["status"] == "resolved"


# --- dispatch through the plugin's API ------------------------------------------------------------


def test_dispatch_to_a_post_and_redispatch_to_another(wuye_app, world):
    tenant, ids = world
    ticket_id = _ticket(tenant.admin, ids["community"], ids["village"])
    elsewhere = _ticket(tenant.admin, ids["community"], ids["site"], "小区门禁坏了")  # no post at that site
    listed = tenant.admin.get(f"{P}/communities/{ids['community']}/dispatchable").get_json()
    assert [t["id"] for t in listed["tickets"]] == [ticket_id] and listed["count"] == 1
    assert {p["name"] for p in listed["tickets"][0]["posts"]} == {"张家湾保洁岗", "张家湾巡查岗"}
    assert listed["tickets"][0]["status_label"] == "已提交" and listed["tickets"][0]["post_id"] is None

    r = tenant.admin.post(f"{P}/posts/{ids['post']}/tickets", json={"ticket_id": ticket_id, "note": "路灯"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["ticket_id"] == ticket_id and r.get_json()["status"] == "dispatched"
    core = tenant.admin.get(f"/api/v1/tickets/{ticket_id}").get_json()
    assert core["team"] == "张家湾保洁组" and core["status"] == "dispatched"
    assert dispatch_rows(wuye_app, tenant) == [(ticket_id, ids["post"], True)]  # the event added nothing more
    again = tenant.admin.post(f"{P}/posts/{ids['post']}/tickets", json={"ticket_id": ticket_id})
    assert again.status_code == 409

    r = tenant.admin.post(f"{P}/posts/{ids['post2']}/tickets", json={"ticket_id": ticket_id})
    assert r.status_code == 201
    assert tenant.admin.get(f"/api/v1/tickets/{ticket_id}").get_json()["team"] == "张家湾巡查组"
    assert dispatch_rows(wuye_app, tenant) == [(ticket_id, ids["post"], False), (ticket_id, ids["post2"], True)]
    first = tenant.admin.get(f"{P}/posts/{ids['post']}/tickets").get_json()
    assert first["total"] == 0
    closed = tenant.admin.get(f"{P}/posts/{ids['post']}/tickets?state=closed").get_json()
    assert [i["ticket_id"] for i in closed["items"]] == [ticket_id] and closed["items"][0]["closed_at"]
    queue = tenant.admin.get(f"{P}/posts/{ids['post2']}/tickets").get_json()
    assert [(i["ticket_id"], i["title"], i["status_label"]) for i in queue["items"]] == [
        (ticket_id, "村湾路灯不亮", "已派单")]
    # the ticket at a site without a post cannot go to this post
    r = tenant.admin.post(f"{P}/posts/{ids['post']}/tickets", json={"ticket_id": elsewhere})
    assert r.status_code == 422 and "ticket_id" in r.get_json()["errors"]["json"]
    assert tenant.admin.get(f"/api/v1/tickets/{elsewhere}").get_json()["status"] == "submitted"


def test_refusals_name_the_reason(wuye_app, world, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant, ids = world
    ticket_id = _ticket(tenant.admin, ids["community"], ids["village"])
    # a ticket of another community of the tenant, and a ticket that does not exist: 422 naming ticket_id
    c2 = tenant.admin.post("/api/v1/communities", json={"name": "乙社区", "code": "c2"}).get_json()["id"]
    s2 = tenant.admin.post("/api/v1/sites", json={"community_id": c2, "name": "李家湾", "kind": "village"})
    other_community = _ticket(tenant.admin, c2, s2.get_json()["id"])
    for bad in (other_community, 999_999):
        r = tenant.admin.post(f"{P}/posts/{ids['post']}/tickets", json={"ticket_id": bad})
        assert r.status_code == 422 and list(r.get_json()["errors"]["json"]) == ["ticket_id"]
    # a closed post: 409, and nothing changed
    closed = add_post(wuye_app, tenant, ids["community"], ids["village"], team="旧岗组", name="旧岗",
                      active=False, closed_on=date(2026, 1, 31))
    r = tenant.admin.post(f"{P}/posts/{closed}/tickets", json={"ticket_id": ticket_id})
    assert r.status_code == 409
    assert tenant.admin.get(f"/api/v1/tickets/{ticket_id}").get_json()["status"] == "submitted"
    # not a dispatcher: a read-only user, a team leader of another post → 403; a roster manager may
    reader = tenant.user("reader", "readonly", [ids["community"]])
    r = reader.post(f"{P}/posts/{ids['post']}/tickets", json={"ticket_id": ticket_id})
    assert r.status_code == 403
    assert reader.get(f"{P}/posts/{ids['post']}/tickets").status_code == 200  # community readers read the queue
    manager = tenant.user("mgr", "welfare_jobs_manager", [ids["community"]])
    assert manager.post(f"{P}/posts/{ids['post']}/tickets", json={"ticket_id": ticket_id}).status_code == 201
    # a state that does not allow it: resolved → 409
    tenant.admin.post(f"/api/v1/tickets/{ticket_id}/transitions", json={"action": "resolve"})
    r = tenant.admin.post(f"{P}/posts/{ids['post2']}/tickets", json={"ticket_id": ticket_id})
    assert r.status_code == 409
    # another tenant's post: 404, for its admin and for ours
    other = wuye_make_tenant("other")
    other_ids = wuye_register(other, "乙")
    wuye_enable_plugin(other, "welfare_jobs", other_ids["community"])
    foreign = _ticket(other.admin, other_ids["community"], other_ids["site"])
    assert other.admin.post(f"{P}/posts/{ids['post']}/tickets", json={"ticket_id": foreign}).status_code == 404
    assert other.admin.get(f"{P}/posts/{ids['post']}/tickets").status_code == 404
    assert other.admin.get(f"/api/v1/tickets/{foreign}").get_json()["status"] == "submitted"


def test_the_team_leader_reads_the_queue_and_a_worker_of_the_team_acts(wuye_app, world):
    tenant, ids = world
    leader = tenant.user("zuzhang", "welfare_jobs_team_leader", [ids["community"]])
    post = add_post(wuye_app, tenant, ids["community"], ids["village"], team="张家湾护林组", name="张家湾护林岗",
                    leader_user_id=_user_id(tenant, "zuzhang"))
    ticket_id = _ticket(tenant.admin, ids["community"], ids["village"])
    assert leader.post(f"{P}/posts/{post}/tickets", json={"ticket_id": ticket_id}).status_code == 403
    assert tenant.admin.post(f"{P}/posts/{post}/tickets", json={"ticket_id": ticket_id}).status_code == 201
    assert [i["ticket_id"] for i in leader.get(f"{P}/posts/{post}/tickets").get_json()["items"]] == [ticket_id]
    # a team member: the core's role worker in the community and the post's team text
    member = tenant.user("li", "worker", [ids["community"]])
    r = tenant.admin.patch(f"/api/v1/users/{_user_id(tenant, 'li')}", json={"team": "张家湾护林组"})
    assert r.status_code == 200, r.get_json()
    assert [t["id"] for t in member.get("/api/v1/tickets?mine=true").get_json()["items"]] == [ticket_id]
    assert member.post(f"/api/v1/tickets/{ticket_id}/transitions", json={"action": "arrive"}).status_code == 200
    assert member.post(f"/api/v1/tickets/{ticket_id}/transitions", json={"action": "resolve"}).status_code == 200
    # resolving closed the post's record
    assert leader.get(f"{P}/posts/{post}/tickets").get_json()["total"] == 0
    assert dispatch_rows(wuye_app, tenant) == [(ticket_id, post, False)]


def _user_id(tenant, username):
    return {u["username"]: u["id"] for u in tenant.admin.get("/api/v1/users").get_json()["items"]}[username]


# --- the hooks, through the core --------------------------------------------------------------------


def test_a_dispatch_at_the_core_with_the_team_text_is_the_posts(wuye_app, world):
    tenant, ids = world
    ticket_id = _ticket(tenant.admin, ids["community"], ids["village"])
    url = f"/api/v1/tickets/{ticket_id}/transitions"
    r = tenant.admin.post(url, json={"action": "dispatch", "team": "张家湾保洁组"})
    assert r.status_code == 200, r.get_json()
    assert dispatch_rows(wuye_app, tenant) == [(ticket_id, ids["post"], True)]
    queue = tenant.admin.get(f"{P}/posts/{ids['post']}/tickets").get_json()["items"]
    assert [(i["ticket_id"], i["dispatched_by"]) for i in queue] == [(ticket_id, "admin")]
    # the link on the ticket names the post and leads to its queue
    links = tenant.admin.get(f"/api/v1/tickets/{ticket_id}").get_json()["links"]
    mine = [link for link in links if link["key"].startswith("welfare_post:")]
    assert len(mine) == 1 and f"/posts/{ids['post']}/tickets" in mine[0]["href"]
    assert mine[0]["label_zh"] == "公益岗位班组：张家湾保洁岗" and mine[0]["plugin"] == "welfare_jobs"
    # to another team (no post's): the record ends
    tenant.admin.post(url, json={"action": "dispatch", "team": "水电班"})
    assert dispatch_rows(wuye_app, tenant) == [(ticket_id, ids["post"], False)]
    # back to a post's team, then resolved: recorded, then closed
    tenant.admin.post(url, json={"action": "dispatch", "team": "张家湾巡查组"})
    assert dispatch_rows(wuye_app, tenant)[-1] == (ticket_id, ids["post2"], True)
    assert tenant.admin.post(url, json={"action": "resolve"}).status_code == 200
    assert [row[2] for row in dispatch_rows(wuye_app, tenant)] == [False, False]
    # cancelled from the desk's list as well: a cancelled ticket leaves the post's queue
    second = _ticket(tenant.admin, ids["community"], ids["village"], "垃圾没清")
    tenant.admin.post(f"/api/v1/tickets/{second}/transitions", json={"action": "dispatch", "team": "张家湾保洁组"})
    assert tenant.admin.get(f"{P}/posts/{ids['post']}/tickets").get_json()["total"] == 1
    tenant.admin.post(f"/api/v1/tickets/{second}/transitions", json={"action": "cancel"})
    assert tenant.admin.get(f"{P}/posts/{ids['post']}/tickets").get_json()["total"] == 0


def test_the_hooks_are_idempotent(wuye_app, world):
    """An event delivered twice (or late) leaves one open row: the handlers read the ticket as it is."""
    from wuye_welfare_jobs import plugin

    from wuye_core.plugins import Event, commit, tenant_context

    tenant, ids = world
    ticket_id = _ticket(tenant.admin, ids["community"], ids["village"])
    tenant.admin.post(f"/api/v1/tickets/{ticket_id}/transitions", json={"action": "dispatch", "team": "张家湾保洁组"})
    event = Event("ticket_assigned", tenant.id, ids["community"], ticket_id, {"assignee_id": None,
                                                                              "team": "张家湾保洁组"}, actor="admin")
    with wuye_app.app_context(), tenant_context(tenant.id):
        plugin.wuye_ticket_assigned(event)
        plugin.wuye_ticket_assigned(event)
        commit()
    assert dispatch_rows(wuye_app, tenant) == [(ticket_id, ids["post"], True)]
    tenant.admin.post(f"/api/v1/tickets/{ticket_id}/transitions", json={"action": "resolve"})
    with wuye_app.app_context(), tenant_context(tenant.id):
        plugin.wuye_ticket_assigned(event)  # a late duplicate of the dispatch: the ticket is resolved now
        commit()
    assert dispatch_rows(wuye_app, tenant) == [(ticket_id, ids["post"], False)]


def test_the_link_is_for_readers_only(wuye_app, world):
    tenant, ids = world
    ticket_id = _ticket(tenant.admin, ids["community"], ids["village"])
    tenant.admin.post(f"{P}/posts/{ids['post']}/tickets", json={"ticket_id": ticket_id})
    member = tenant.user("li", "worker", [ids["community"]])
    tenant.admin.patch(f"/api/v1/users/{_user_id(tenant, 'li')}", json={"team": "张家湾保洁组"})
    seen = member.get(f"/api/v1/tickets/{ticket_id}")
    assert seen.status_code == 200
    assert not [link for link in seen.get_json()["links"] if link["key"].startswith("welfare_post:")]
    reader = tenant.user("reader", "readonly", [ids["community"]])
    assert [link["key"] for link in reader.get(f"/api/v1/tickets/{ticket_id}").get_json()["links"]
            if link["key"].startswith("welfare_post:")] == [f"welfare_post:{ids['post']}"]


def test_team_queue_for_the_phone(wuye_app, world):
    from wuye_welfare_jobs.dispatch import team_queue

    from wuye_core.plugins import tenant_context

    tenant, ids = world
    first = _ticket(tenant.admin, ids["community"], ids["village"], "路灯不亮")
    second = _ticket(tenant.admin, ids["community"], ids["village"], "垃圾没清")
    for ticket_id in (second, first):
        assert tenant.admin.post(f"{P}/posts/{ids['post']}/tickets", json={"ticket_id": ticket_id}).status_code == 201
    tenant.admin.post(f"/api/v1/tickets/{second}/transitions", json={"action": "resolve"})
    with wuye_app.test_request_context(headers={"Accept-Language": "zh-CN"}), tenant_context(tenant.id):
        queue = team_queue(ids["post"])
    assert [(q["id"], q["title"], q["site"], q["status"], q["status_label"]) for q in queue] == [
        (first, "路灯不亮", "张家湾", "dispatched", "已派单")]
    assert queue[0]["created_at"] is not None


def test_the_same_dispatch_sent_at_once_has_one_winner(wuye_app, world, wuye_race):
    tenant, ids = world
    ticket_id = _ticket(tenant.admin, ids["community"], ids["village"])
    responses = wuye_race(tenant.admin, "POST", f"{P}/posts/{ids['post']}/tickets", json={"ticket_id": ticket_id},
                          n=6)
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409, 409]
    assert dispatch_rows(wuye_app, tenant) == [(ticket_id, ids["post"], True)]
    history = tenant.admin.get(f"/api/v1/tickets/{ticket_id}/transitions").get_json()["items"]
    assert [h["action"] for h in history].count("dispatch") == 1
