"""红色物业 · 三方联动, end to end through the HTTP API: enable it for one community, hold a
meeting from escalated tickets, follow a resolution to done, see the ticket SLA switch to 5341 and
back, and see nothing of it in a community where it is off."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

P = "/api/v1/plugins/red_property"


def _today() -> date:
    """Deadlines and meeting dates are Beijing dates."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _minutes(ticket: dict, deadline: str) -> float:
    return (_at(ticket[f"{deadline}_due_at"]) - _at(ticket["created_at"])).total_seconds() / 60


def _community(t, ids, slow_policy=True) -> int:
    """Give the community a slow policy of its own, so the switch to 5341 shows."""
    if slow_policy:
        r = t.admin.put(
            f"/api/v1/communities/{ids['community']}/config",
            json={
                "version": 1,
                "config": {
                    "tickets": {
                        "sla": {
                            "name": "常规",
                            "normal": {"arrive_minutes": 60, "resolve_minutes": 1440},
                            "major": {"arrive_minutes": 120, "resolve_minutes": 4320},
                        }
                    }
                },
            },
        )
        assert r.status_code == 200, r.get_json()
    return ids["community"]


def _ticket(t, community, site, priority="normal", title="楼道堆物"):
    r = t.admin.post(
        "/api/v1/tickets",
        json={
            "community_id": community,
            "site_id": site,
            "channel": "phone",
            "kind": "repair",
            "category": "保洁",
            "title": title,
            "priority": priority,
        },
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _move(t, ticket_id, *actions):
    users = {u["username"]: u["id"] for u in t.admin.get("/api/v1/users").get_json()["items"]}
    for action in actions:
        body = {"action": action}
        if action == "dispatch":
            body["assignee_id"] = users["admin"]
        r = t.admin.post(f"/api/v1/tickets/{ticket_id}/transitions", json=body)
        assert r.status_code == 200, r.get_json()


def _figures(t, community):
    r = t.admin.get(f"/api/v1/communities/{community}/dashboard")
    assert r.status_code == 200
    return {f["key"]: f["value"] for f in r.get_json()["figures"] if f["plugin"] == "red_property"}


def test_end_to_end_meeting_from_escalated_tickets_to_done_and_the_5341_switch(
    wuye_make_tenant, wuye_register, wuye_enable_plugin
):
    t = wuye_make_tenant("jinghe", kind="subdistrict")
    ids = wuye_register(t)
    community, site = _community(t, ids), ids["site"]
    other = t.admin.post("/api/v1/communities", json={"name": "三店社区", "code": "sandian"}).get_json()["id"]
    other_site = t.admin.post(
        "/api/v1/sites", json={"community_id": other, "name": "三店还建小区", "kind": "resettlement"}
    ).get_json()["id"]

    before = _ticket(t, community, site)
    assert before["sla_policy"] == "常规" and _minutes(before, "resolve") == 1440

    wuye_enable_plugin(t, "red_property", community)
    # 5341: on site in 5 minutes, ordinary problems 30 minutes, major 4 hours, complex a plan in a day
    leaking = _ticket(t, community, site, title="水管漏水")
    assert leaking["sla_policy"] == "red_property:5341"
    assert _minutes(leaking, "arrive") == 5 and _minutes(leaking, "resolve") == 30
    stairs = _ticket(t, community, site, priority="major", title="楼道扶手松动")
    assert _minutes(stairs, "arrive") == 5 and _minutes(stairs, "resolve") == 240
    assert _minutes(_ticket(t, community, site, priority="complex"), "resolve") == 24 * 60
    assert _ticket(t, other, other_site)["sla_policy"] == "5341"  # the other community: its own (core) policy

    # staff escalate two tickets; no meeting is planned yet, so they wait for the next one
    r = t.admin.post(f"{P}/tickets/{leaking['id']}/escalation", json={"note": "多次报修未解决"})
    assert r.status_code == 201, r.get_json()
    leak_item = r.get_json()
    assert (
        leak_item["source"] == "ticket"
        and leak_item["meeting_id"] is None
        and leak_item["status"] == "pending"
    )
    assert t.admin.post(f"{P}/tickets/{leaking['id']}/escalation", json={}).status_code == 409
    stairs_item = t.admin.post(f"{P}/tickets/{stairs['id']}/escalation", json={}).get_json()
    links = t.admin.get(f"/api/v1/tickets/{leaking['id']}").get_json()["links"]
    assert [(x["plugin"], x["key"], x["href"]) for x in links] == [
        ("red_property", f"agenda_item:{leak_item['id']}", f"{P}/agenda-items/{leak_item['id']}")
    ]
    assert "议题" in links[0]["label_zh"]

    # the meeting is scheduled: the waiting items join it; the three sides take part
    r = t.admin.post(
        f"{P}/communities/{community}/meetings",
        json={
            "scheduled_on": _today().isoformat(),
            "location": "党群服务中心",
            "participants": [
                {"side": "community", "name": "刘书记", "post": "社区党委书记"},
                {"side": "property", "name": "张经理", "post": "红色物业经理"},
                {"side": "residents", "name": "周阿姨", "post": "楼栋长"},
            ],
        },
    )
    assert r.status_code == 201, r.get_json()
    meeting = r.get_json()
    assert meeting["title"] == "三方联席会议" and meeting["status"] == "planned"
    assert {i["id"] for i in meeting["agenda_items"]} == {leak_item["id"], stairs_item["id"]}
    manual = t.admin.post(f"{P}/communities/{community}/agenda-items", json={"title": "停车秩序"}).get_json()
    assert manual["meeting_id"] == meeting["id"] and manual["source"] == "manual"
    resident = next(p for p in meeting["participants"] if p["side"] == "residents")
    assert t.admin.patch(f"{P}/participants/{resident['id']}", json={"attended": True}).status_code == 200

    r = t.admin.post(f"{P}/meetings/{meeting['id']}/hold", json={"minutes": "三方议定：维修水管、加固扶手。"})
    assert r.status_code == 200 and r.get_json()["status"] == "held"
    assert r.get_json()["attendance"]["residents"] == {"invited": 1, "attended": 1}
    assert t.admin.post(f"{P}/meetings/{meeting['id']}/hold", json={}).status_code == 409

    due = (_today() + timedelta(days=7)).isoformat()
    leak_res = t.admin.post(
        f"{P}/meetings/{meeting['id']}/resolutions",
        json={
            "text": "物业一周内更换水管",
            "owner_side": "property",
            "owner_name": "张经理",
            "due_on": due,
            "agenda_item_id": leak_item["id"],
        },
    )
    assert leak_res.status_code == 201, leak_res.get_json()
    leak_res = leak_res.get_json()
    stairs_res = t.admin.post(
        f"{P}/meetings/{meeting['id']}/resolutions",
        json={
            "text": "加固扶手",
            "owner_side": "property",
            "owner_name": "李主管",
            "agenda_item_id": stairs_item["id"],
        },
    )
    assert (
        stairs_res.status_code == 201
        and stairs_res.get_json()["due_on"] == (_today() + timedelta(days=30)).isoformat()
    )  # the configured default
    stairs_res = stairs_res.get_json()
    assert t.admin.get(f"{P}/agenda-items/{leak_item['id']}").get_json()["status"] == "discussed"

    # followed up at the next meeting, where it shows as carried over
    later = t.admin.post(
        f"{P}/communities/{community}/meetings",
        json={"scheduled_on": (_today() + timedelta(days=3)).isoformat()},
    ).get_json()
    assert {r_["id"] for r_ in later["carried_over"]} == {leak_res["id"], stairs_res["id"]}
    r = t.admin.post(
        f"{P}/resolutions/{leak_res['id']}/follow-ups", json={"note": "材料已采购", "meeting_id": later["id"]}
    )
    assert r.status_code == 201 and r.get_json()["resolution"]["status"] == "in_progress"

    # done: the ticket (on site by now) is resolved with it
    _move(t, leaking["id"], "accept", "dispatch", "arrive")
    r = t.admin.post(
        f"{P}/resolutions/{leak_res['id']}/follow-ups", json={"note": "水管已更换", "status": "done"}
    )
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["resolution"]["status"] == "done" and body["resolution"]["done_on"] == _today().isoformat()
    assert body["tickets"] == [
        {"ticket_id": leaking["id"], "resolved": True, "status": "resolved", "message": "已办结"}
    ]
    assert t.admin.get(f"/api/v1/tickets/{leaking['id']}").get_json()["status"] == "resolved"
    assert t.admin.get(f"{P}/agenda-items/{leak_item['id']}").get_json()["status"] == "closed"
    assert (
        t.admin.post(
            f"{P}/resolutions/{leak_res['id']}/follow-ups", json={"note": "again", "status": "done"}
        ).status_code
        == 409
    )
    history = t.admin.get(f"{P}/resolutions/{leak_res['id']}/follow-ups?sort=id").get_json()["items"]
    assert [(h["status"], h["meeting_id"]) for h in history] == [("in_progress", later["id"]), ("done", None)]

    # the other ticket was never accepted: the resolution is done, the response says the ticket is not
    r = t.admin.post(
        f"{P}/resolutions/{stairs_res['id']}/follow-ups", json={"note": "已加固", "status": "done"}
    )
    assert r.status_code == 201
    assert (
        r.get_json()["tickets"][0]["resolved"] is False
        and r.get_json()["tickets"][0]["status"] == "submitted"
    )
    assert t.admin.get(f"/api/v1/tickets/{stairs['id']}").get_json()["status"] == "submitted"

    figures = _figures(t, community)
    assert figures["resolutions_on_time_rate"] == 1.0 and figures["resolutions_overdue"] == 0
    assert figures["tickets_escalated"] == 2 and figures["tickets_escalated_resolved"] == 1
    assert figures["meetings_held_12m"] == 1 and 0 <= figures["agenda_close_minutes"] < 60

    # not visible where it is off
    assert t.admin.get(f"{P}/communities/{other}/meetings").status_code == 404
    other_ticket = _ticket(t, other, other_site)
    assert t.admin.post(f"{P}/tickets/{other_ticket['id']}/escalation", json={}).status_code == 404
    assert not [
        f
        for f in t.admin.get(f"/api/v1/communities/{other}/dashboard").get_json()["figures"]
        if f["plugin"] == "red_property"
    ]

    # disabled: the SLA goes back to the community's own, the plugin's routes and links vanish, data rests
    r = t.admin.put(
        f"/api/v1/communities/{community}/plugins/red_property", json={"enabled": False, "config": {}}
    )
    assert r.status_code == 200
    back = _ticket(t, community, site)
    assert back["sla_policy"] == "常规" and _minutes(back, "resolve") == 1440
    assert t.admin.get(f"{P}/meetings/{meeting['id']}").status_code == 404
    assert t.admin.get(f"/api/v1/tickets/{leaking['id']}").get_json()["links"] == []
    wuye_enable_plugin(t, "red_property", community)
    assert (
        t.admin.get(f"{P}/meetings/{meeting['id']}").get_json()["minutes"] == "三方议定：维修水管、加固扶手。"
    )


def test_rapid_response_is_configurable_and_can_be_turned_off(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    community = _community(t, ids)
    wuye_enable_plugin(
        t, "red_property", community, {"rapid_response": {"major_resolve_minutes": 180, "arrive_minutes": 10}}
    )
    major = _ticket(t, community, ids["site"], priority="major")
    assert (_minutes(major, "arrive"), _minutes(major, "resolve")) == (10, 180)
    wuye_enable_plugin(t, "red_property", community, {"rapid_response": {"enabled": False}})
    assert _ticket(t, community, ids["site"])["sla_policy"] == "常规"
    # a priority change recomputes the deadlines with whatever is in force
    wuye_enable_plugin(t, "red_property", community)
    ticket = _ticket(t, community, ids["site"])
    r = t.admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"priority": "major"})
    assert r.status_code == 200 and _minutes(r.get_json(), "resolve") == 240


def test_bad_config_is_refused_naming_the_fields(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    t.admin.put("/api/v1/plugins/red_property", json={"enabled": True})
    r = t.admin.put(
        f"/api/v1/communities/{ids['community']}/plugins/red_property",
        json={
            "enabled": True,
            "config": {"cadence": "daily", "rapid_response": {"arrive_minutes": 0}, "colour": "red"},
        },
    )
    assert r.status_code == 422
    errors = r.get_json()["errors"]["json"]["config"]
    assert (
        set(errors) == {"cadence", "rapid_response", "colour"}
        and "arrive_minutes" in errors["rapid_response"]
    )
    state = wuye_enable_plugin(t, "red_property", ids["community"])
    assert (
        state["config"]["cadence"] == "monthly" and state["config"]["rapid_response"]["arrive_minutes"] == 5
    )


def test_overdue_resolutions_are_marked_once_reported_and_shown(
    wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_run_job, wuye_outbox
):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    community = ids["community"]
    wuye_enable_plugin(t, "red_property", community)
    meeting = t.admin.post(
        f"{P}/communities/{community}/meetings",
        json={"scheduled_on": (_today() - timedelta(days=20)).isoformat()},
    ).get_json()
    late = t.admin.post(
        f"{P}/meetings/{meeting['id']}/resolutions",
        json={
            "text": "清理楼道",
            "owner_side": "property",
            "owner_name": "张经理",
            "due_on": (_today() - timedelta(days=3)).isoformat(),
        },
    ).get_json()
    t.admin.post(
        f"{P}/meetings/{meeting['id']}/resolutions",
        json={"text": "修路灯", "owner_side": "community", "owner_name": "陈主任"},
    )
    assert late["overdue"] is True

    assert wuye_run_job(t, "red_property", "mark_overdue_resolutions") == 1
    assert wuye_run_job(t, "red_property", "mark_overdue_resolutions") == 0
    events = [e for e in wuye_outbox(t) if e.name == "red_property.resolution_overdue"]
    assert [(e.object_id, e.data["days_overdue"], e.data["owner_name"]) for e in events] == [
        (late["id"], 3, "张经理")
    ]

    assert _figures(t, community)["resolutions_overdue"] == 1
    listed = t.admin.get(
        f"{P}/communities/{community}/resolutions", query_string={"overdue": "true"}
    ).get_json()["items"]
    assert [r["id"] for r in listed] == [late["id"]]
    # a new deadline is watched again
    assert (
        t.admin.patch(f"{P}/resolutions/{late['id']}", json={"due_on": _today().isoformat()}).status_code
        == 200
    )
    assert _figures(t, community)["resolutions_overdue"] == 0


def test_meeting_rules_and_bad_input(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    community = ids["community"]
    wuye_enable_plugin(t, "red_property", community, {"cadence": "quarterly", "meeting_title": "红色物业联席会"})
    first = t.admin.post(f"{P}/communities/{community}/meetings", json={}).get_json()
    assert first["scheduled_on"] == _today().isoformat() and first["title"] == "红色物业联席会"
    second = t.admin.post(f"{P}/communities/{community}/meetings", json={}).get_json()
    assert second["scheduled_on"] == (_today() + timedelta(days=91)).isoformat()  # the cadence

    r = t.admin.post(
        f"{P}/communities/{community}/meetings",
        json={"participants": [{"side": "media", "name": "x"}], "when": "now"},
    )
    assert r.status_code == 422 and {"participants", "when"} <= set(r.get_json()["errors"]["json"])
    r = t.admin.post(
        f"{P}/meetings/{first['id']}/resolutions",
        json={"text": "x", "owner_side": "property", "owner_name": "y", "agenda_item_id": 999999},
    )
    assert r.status_code == 422 and "agenda_item_id" in r.get_json()["errors"]["json"]
    r = t.admin.post(f"{P}/meetings/{first['id']}/resolutions", json={"owner_side": "nobody"})
    assert r.status_code == 422 and {"text", "owner_side", "owner_name"} <= set(
        r.get_json()["errors"]["json"]
    )

    item = t.admin.post(f"{P}/communities/{community}/agenda-items", json={"title": "电梯"}).get_json()
    assert item["meeting_id"] == first["id"]  # the next planned one
    # cancelling sends undiscussed items back to wait for the next meeting
    assert t.admin.post(f"{P}/meetings/{first['id']}/cancel").get_json()["status"] == "cancelled"
    assert t.admin.get(f"{P}/agenda-items/{item['id']}").get_json()["meeting_id"] is None
    assert t.admin.post(f"{P}/meetings/{first['id']}/cancel").status_code == 409
    assert (
        t.admin.post(
            f"{P}/meetings/{first['id']}/resolutions",
            json={"text": "x", "owner_side": "property", "owner_name": "y"},
        ).status_code
        == 409
    )
    r = t.admin.patch(f"{P}/agenda-items/{item['id']}", json={"meeting_id": first["id"]})
    assert r.status_code == 422 and "meeting_id" in r.get_json()["errors"]["json"]
    assert (
        t.admin.patch(f"{P}/agenda-items/{item['id']}", json={"meeting_id": second["id"]}).status_code == 200
    )
    assert t.admin.post(f"{P}/agenda-items/{item['id']}/close").get_json()["status"] == "closed"
    assert t.admin.post(f"{P}/agenda-items/{item['id']}/close").status_code == 409
    assert t.admin.get(f"{P}/meetings/999999").status_code == 404


def test_readers_read_and_only_writers_write(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    community = ids["community"]
    wuye_enable_plugin(t, "red_property", community)
    meeting = t.admin.post(f"{P}/communities/{community}/meetings", json={}).get_json()
    viewer = t.user("viewer", "readonly")
    assert viewer.get(f"{P}/meetings/{meeting['id']}").status_code == 200
    assert viewer.post(f"{P}/communities/{community}/meetings", json={}).status_code == 403
    assert viewer.post(f"{P}/meetings/{meeting['id']}/hold", json={}).status_code == 403
    other = t.admin.post("/api/v1/communities", json={"name": "乙", "code": "c2"}).get_json()["id"]
    outsider = t.user("outsider", "community_staff", [other])
    assert outsider.get(f"{P}/meetings/{meeting['id']}").status_code == 404
    assert outsider.get(f"{P}/communities/{community}/meetings").status_code == 404


def test_the_next_meeting_is_planned_at_the_cadence_where_the_plugin_is_on(
    wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_run_job
):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    community = ids["community"]
    manual_only = t.admin.post("/api/v1/communities", json={"name": "乙", "code": "c2"}).get_json()["id"]
    t.admin.post("/api/v1/communities", json={"name": "丙", "code": "c3"})  # plugin off there
    wuye_enable_plugin(t, "red_property", community, {"cadence": "biweekly"})
    wuye_enable_plugin(t, "red_property", manual_only, {"auto_schedule": False})
    last = t.admin.post(
        f"{P}/communities/{community}/meetings",
        json={"scheduled_on": (_today() - timedelta(days=3)).isoformat()},
    ).get_json()
    t.admin.post(f"{P}/meetings/{last['id']}/hold", json={})
    waiting = t.admin.post(f"{P}/communities/{community}/agenda-items", json={"title": "电梯年检"}).get_json()
    assert waiting["meeting_id"] is None

    assert wuye_run_job(t, "red_property", "schedule_meetings") == 1
    assert wuye_run_job(t, "red_property", "schedule_meetings") == 0
    planned = t.admin.get(
        f"{P}/communities/{community}/meetings", query_string={"status": "planned"}
    ).get_json()["items"]
    assert [m["scheduled_on"] for m in planned] == [(_today() + timedelta(days=11)).isoformat()]
    assert t.admin.get(f"{P}/agenda-items/{waiting['id']}").get_json()["meeting_id"] == planned[0]["id"]
    assert t.admin.get(f"{P}/communities/{manual_only}/meetings").get_json()["items"] == []


def test_a_resolution_can_leave_its_ticket_alone(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    community = ids["community"]
    wuye_enable_plugin(t, "red_property", community, {"resolve_linked_tickets": False})
    ticket = _ticket(t, community, ids["site"])
    _move(t, ticket["id"], "accept")
    item = t.admin.post(f"{P}/tickets/{ticket['id']}/escalation", json={}).get_json()
    meeting = t.admin.post(f"{P}/communities/{community}/meetings", json={}).get_json()
    resolution = t.admin.post(
        f"{P}/meetings/{meeting['id']}/resolutions",
        json={"text": "x", "owner_side": "community", "owner_name": "陈主任", "agenda_item_id": item["id"]},
    ).get_json()
    r = t.admin.post(
        f"{P}/resolutions/{resolution['id']}/follow-ups", json={"note": "办结", "status": "done"}
    )
    assert r.status_code == 201 and r.get_json()["tickets"] == []
    assert t.admin.get(f"/api/v1/tickets/{ticket['id']}").get_json()["status"] == "accepted"
    # closed agenda item: the ticket may go to a meeting again
    assert t.admin.post(f"{P}/tickets/{ticket['id']}/escalation", json={}).status_code == 201
