"""Needs matched to volunteers (issue #21 item 4), through the HTTP API: a ticket handed to the
alliance → a task → a member with the skill accepts → done → hours recorded and the ticket resolved
with a note in its history; a care-visit referral to the alliance → a task → done → the referral
resolved (the two plugins talk by events only); a resident's request with the phone masked; the
candidates' order; the moves and their refusals, in Chinese."""

from __future__ import annotations

from datetime import timedelta

from _task_rows import P, member, other_community, records, stored_phone, task_count, ticket, world

from wuye_core.plugins import db, local_today, tenant_context

CARE = "/api/v1/plugins/care_visits"


def _task(client, cid, **body):
    return client.post(f"{P}/communities/{cid}/tasks", json=body)


def _history(client, ticket_id, lang="zh-CN"):
    page = client.get(f"/api/v1/tickets/{ticket_id}/transitions", headers={"Accept-Language": lang}).get_json()
    return [(h["action"], h.get("note")) for h in page["items"]]


# --- a ticket ---------------------------------------------------------------------------------------


def test_a_ticket_handed_to_the_alliance_is_done_by_a_member_and_the_ticket_is_resolved(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_outbox):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    lawyer = member(w.tenant, w.cid, "王律师", "13811112222", skills={"legal": ("expert", True)})
    t = ticket(w.clerk, w.ids, title="邻里纠纷，需要法律咨询")

    r = _task(w.clerk, w.cid, source="ticket", ticket_id=t["id"], skill="legal", wanted_by=local_today().isoformat())
    assert r.status_code == 201, r.get_json()
    task = r.get_json()
    assert task["title"] == "邻里纠纷，需要法律咨询" and task["status"] == "offered" and task["status_label"] == "待认领"
    assert task["source"] == "ticket" and task["source_ref"] == t["id"] and task["ticket"]["status"] == "accepted"
    assert task["skill_label"] == "法律咨询" and task["next"] == ["accepted", "cancelled"]

    # one task per ticket: the second names the first, in Chinese
    again = _task(w.organiser, w.cid, source="ticket", ticket_id=t["id"])
    assert again.status_code == 409
    assert f"#{task['id']}" in again.get_json()["message"] and "已交给服务联盟" in again.get_json()["message"]
    assert "ticket_id" in again.get_json()["errors"]["json"]
    assert task_count(w.tenant) == 1

    # the ticket links to its task (and, at the API, nowhere else)
    links = w.clerk.get(f"/api/v1/tickets/{t['id']}").get_json()["links"]
    assert [(x["plugin"], x["href"]) for x in links] == [("volunteers", f"{P}/tasks/{task['id']}")]

    # the organiser gives it to the lawyer, who agreed by phone
    r = w.organiser.post(f"{P}/tasks/{task['id']}/accept", json={"member_id": lawyer})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "accepted" and r.get_json()["member_name"] == "王律师"

    # done: 90 minutes recorded for him, the ticket resolved with the note in its history
    r = w.organiser.post(f"{P}/tasks/{task['id']}/complete", json={"minutes": 90, "outcome": "已上门调解，双方签字"})
    assert r.status_code == 200, r.get_json()
    done = r.get_json()
    assert done["status"] == "done" and done["minutes"] == 90 and done["record_id"] and done["next"] == []
    assert done["ticket"]["status"] == "resolved"
    [(member_id, minutes, content, place, organiser, confirmed_by)] = records(w.tenant, task["id"])
    assert (member_id, minutes, content, confirmed_by) == (lawyer, 90, "邻里纠纷，需要法律咨询", "acme-org")
    assert organiser.endswith("居民服务联盟") and place  # the community's name when the task names no place
    ticket_now = w.clerk.get(f"/api/v1/tickets/{t['id']}").get_json()
    assert ticket_now["status"] == "resolved"
    action, note = _history(w.clerk, t["id"])[0]
    assert action == "resolve" and note == "居民服务联盟已完成：已上门调解，双方签字"
    assert _history(w.clerk, t["id"], "en")[0][1] == "Done by the volunteer alliance: 已上门调解，双方签字"
    done_events = [e for e in wuye_outbox(w.tenant) if e.name == "volunteers.task_done"]
    assert [(e.object_id, e.data["source"], e.data["source_ref"], e.data["minutes"], e.actor)
            for e in done_events] == [(task["id"], "ticket", t["id"], 90, "acme-org")]

    # done is done: nothing moves it again, and the 409 names the status
    for move, body in (("complete", {"minutes": 30, "outcome": "再次"}), ("cancel", {"reason": "不需要了"}),
                       ("accept", {"member_id": lawyer})):
        r = w.organiser.post(f"{P}/tasks/{task['id']}/{move}", json=body)
        assert r.status_code == 409, (move, r.get_json())
        assert "已完成" in r.get_json()["message"] and r.get_json()["errors"]["status"] == "done"
    assert len(records(w.tenant, task["id"])) == 1


def test_a_ticket_that_cannot_be_resolved_leaves_the_task_done_and_says_so(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    helper = member(w.tenant, w.cid, "李师傅")
    t = ticket(w.clerk, w.ids, accept=False)  # only submitted: the core does not resolve it from there
    task = _task(w.clerk, w.cid, source="ticket", ticket_id=t["id"], title="帮老人换灯泡").get_json()
    assert task["title"] == "帮老人换灯泡"  # the form's title wins over the ticket's
    assert w.manager.post(f"{P}/tasks/{task['id']}/accept", json={"member_id": helper}).status_code == 200
    r = w.manager.post(f"{P}/tasks/{task['id']}/complete", json={"minutes": 30, "outcome": "换好了"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "done" and r.get_json()["ticket"]["status"] == "submitted"
    assert r.get_json()["ticket"]["status_label"] == "已提交"
    assert w.clerk.get(f"/api/v1/tickets/{t['id']}").get_json()["status"] == "submitted"
    assert records(w.tenant, task["id"])[0][:2] == (helper, 30)


def test_only_an_open_ticket_of_the_community_becomes_a_task(wuye_app, wuye_make_tenant, wuye_register,
                                                            wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    other = other_community(w.tenant)
    elsewhere = ticket(w.tenant.admin, other)
    r = _task(w.clerk, w.cid, source="ticket", ticket_id=elsewhere["id"])
    assert r.status_code == 422 and r.get_json()["errors"]["json"]["ticket_id"] == ["在本社区中不存在。"]
    r = _task(w.clerk, w.cid, source="ticket", ticket_id=999999)
    assert r.status_code == 422 and list(r.get_json()["errors"]["json"]) == ["ticket_id"]
    r = _task(w.clerk, w.cid, source="ticket")
    assert r.status_code == 422 and r.get_json()["errors"]["json"]["ticket_id"] == ["请指明要交给服务联盟的工单。"]
    t = ticket(w.clerk, w.ids)
    r = _task(w.clerk, w.cid, source="ticket", ticket_id=t["id"], requester_name="张三")
    assert r.status_code == 422 and list(r.get_json()["errors"]["json"]) == ["requester_name"]
    assert w.clerk.post(f"/api/v1/tickets/{t['id']}/transitions", json={"action": "resolve"}).status_code == 200
    r = _task(w.clerk, w.cid, source="ticket", ticket_id=t["id"])
    assert r.status_code == 409 and "已办结" in r.get_json()["message"]
    r = _task(w.clerk, w.cid, source="care_referral", ticket_id=t["id"])
    assert r.status_code == 422 and list(r.get_json()["errors"]["json"]) == ["source"]
    r = _task(w.clerk, w.cid, source="ticket", ticket_id=t["id"], wanted_by=(local_today() - timedelta(days=1)).isoformat())
    assert r.status_code == 422 and r.get_json()["errors"]["json"]["wanted_by"] == ["日期已过。"]
    assert task_count(w.tenant) == 0


# --- a care-visit referral --------------------------------------------------------------------------


def _care(w, wuye_enable_plugin):
    wuye_enable_plugin(w.tenant, "care_visits", w.cid, {"first_visit_days": 0})
    worker = w.tenant.user("acme-care", "care_worker", [w.cid])
    person = worker.post(f"{CARE}/communities/{w.cid}/people", json={
        "resident_id": w.ids["resident"], "level": "A", "difficulties": ["elderly", "living_alone"],
        "health_details": "腿脚不便", "consent_sharing": ["volunteers"]}).get_json()
    visit = worker.post(f"{CARE}/communities/{w.cid}/visits", json={
        "person_id": person["id"], "visited_on": local_today().isoformat(), "visitors": "王五",
        "main_needs": "轮椅坏了"}).get_json()
    return worker, person, visit


def _deliver_again(tenant, plugin_module, event):
    """An event delivered a second time (at least once, per plugin): the hook called again as the core would."""
    with tenant.app.app_context(), tenant_context(tenant.id):
        plugin_module.wuye_plugin_event(event=event)
        db.session.commit()
        db.session.remove()


def test_a_care_referral_to_the_alliance_becomes_a_task_and_its_end_resolves_the_referral(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_outbox):
    import wuye_care_visits.plugin as care_plugin
    import wuye_volunteers.plugin as volunteers_plugin

    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    worker, person, visit = _care(w, wuye_enable_plugin)
    fixer = member(w.tenant, w.cid, "赵师傅", skills={"electrical_repair": ("skilled", True)})
    r = worker.post(f"{CARE}/visits/{visit['id']}/referrals", json={"body": "volunteers", "note": "轮椅刹车坏了，张三家"})
    assert r.status_code == 201, r.get_json()
    referral = r.get_json()

    # the event made the task: the referral's id, nothing of the person or the note
    page = w.organiser.get(f"{P}/communities/{w.cid}/tasks", query_string={"source": "care_referral"}).get_json()
    [task] = page["items"]
    assert task["source_ref"] == referral["id"] and task["title"] == f"关爱走访转介 #{referral['id']}"
    assert f"#{referral['id']}" in task["description"] and task["skill"] is None and task["status"] == "offered"
    assert task["created_by"] == "acme-care"
    for private in ("张三", "轮椅", "腿脚", person["name"]):
        assert private not in str(task)
    # delivered twice: still one task
    opened = next(e for e in wuye_outbox(w.tenant) if e.name == "care_visits.referral_opened")
    _deliver_again(w.tenant, volunteers_plugin, opened)
    assert task_count(w.tenant, source="care_referral") == 1

    # the organiser heard the details from the care worker: the skill and place set, a member takes it
    r = w.organiser.patch(f"{P}/tasks/{task['id']}", json={"skill": "electrical_repair", "place": "3栋2单元"})
    assert r.status_code == 200 and r.get_json()["skill"] == "electrical_repair"
    assert w.organiser.post(f"{P}/tasks/{task['id']}/accept", json={"member_id": fixer}).status_code == 200
    r = w.organiser.post(f"{P}/tasks/{task['id']}/complete", json={"minutes": 120, "outcome": "修好了轮椅刹车"})
    assert r.status_code == 200, r.get_json()
    assert records(w.tenant, task["id"])[0][:4] == (fixer, 120, f"关爱走访转介 #{referral['id']}", "3栋2单元")

    # care_visits heard task_done: the referral is resolved with the alliance's outcome
    now = worker.get(f"{CARE}/referrals/{referral['id']}").get_json()
    assert now["status"] == "resolved" and now["closed_on"] == local_today().isoformat()
    assert now["outcome"] == "居民服务联盟已完成：修好了轮椅刹车（服务 2 小时）"
    # delivered twice: nothing changes, nothing fails
    done = next(e for e in wuye_outbox(w.tenant) if e.name == "volunteers.task_done")
    _deliver_again(w.tenant, care_plugin, done)
    again = worker.get(f"{CARE}/referrals/{referral['id']}").get_json()
    assert (again["status"], again["outcome"]) == ("resolved", now["outcome"])
    assert [e.data["status"] for e in wuye_outbox(w.tenant) if e.name == "care_visits.referral_changed"] == ["resolved"]


def test_a_cancelled_referral_task_declines_the_referral_and_a_closed_referral_is_left_alone(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    worker, _person, visit = _care(w, wuye_enable_plugin)
    first = worker.post(f"{CARE}/visits/{visit['id']}/referrals", json={"body": "volunteers"}).get_json()
    second = worker.post(f"{CARE}/visits/{visit['id']}/referrals", json={"body": "volunteers"}).get_json()
    tasks = {t["source_ref"]: t for t in w.manager.get(f"{P}/communities/{w.cid}/tasks").get_json()["items"]}
    assert set(tasks) == {first["id"], second["id"]}

    r = w.manager.post(f"{P}/tasks/{tasks[first['id']]['id']}/cancel", json={"reason": "本周无人有空"})
    assert r.status_code == 200 and r.get_json()["outcome"] == "本周无人有空"
    declined = worker.get(f"{CARE}/referrals/{first['id']}").get_json()
    assert declined["status"] == "declined" and declined["outcome"] == "居民服务联盟未能承接：本周无人有空"

    # the care worker closed the second one meanwhile: the alliance's end does not reopen or rewrite it
    assert worker.patch(f"{CARE}/referrals/{second['id']}", json={"status": "resolved", "outcome": "家属已处理"}
                        ).status_code == 200
    helper = member(w.tenant, w.cid, "钱阿姨")
    task = tasks[second["id"]]
    assert w.manager.post(f"{P}/tasks/{task['id']}/accept", json={"member_id": helper}).status_code == 200
    assert w.manager.post(f"{P}/tasks/{task['id']}/complete", json={"minutes": 60, "outcome": "陪同就医"}
                          ).status_code == 200
    left = worker.get(f"{CARE}/referrals/{second['id']}").get_json()
    assert (left["status"], left["outcome"]) == ("resolved", "家属已处理")


def test_a_referral_to_another_body_makes_no_task(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    worker, _person, visit = _care(w, wuye_enable_plugin)
    r = worker.patch(f"{CARE}/people/{_person['id']}", json={"consent_sharing": ["volunteers", "legal_aid"]})
    assert r.status_code == 200, r.get_json()
    assert worker.post(f"{CARE}/visits/{visit['id']}/referrals", json={"body": "legal_aid"}).status_code == 201
    assert task_count(w.tenant) == 0


# --- a resident's request ---------------------------------------------------------------------------


def test_a_residents_request_keeps_the_phone_encrypted_and_masked_but_for_the_organisers(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_owner_engine):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    body = {"source": "request", "requester_name": "刘奶奶", "requester_phone": "13712345678",
            "title": "教用智能手机挂号", "place": "社区服务中心", "skill": "it"}
    r = _task(w.clerk, w.cid, **body)
    assert r.status_code == 201, r.get_json()
    task = r.get_json()
    assert task["requester_name"] == "刘奶奶" and task["requester_phone"] == "137****5678"
    assert w.clerk.get(f"{P}/tasks/{task['id']}").get_json()["requester_phone"] == "137****5678"
    assert w.organiser.get(f"{P}/tasks/{task['id']}").get_json()["requester_phone"] == "13712345678"
    assert w.manager.get(f"{P}/communities/{w.cid}/tasks").get_json()["items"][0]["requester_phone"] == "13712345678"
    stored = stored_phone(w.tenant, wuye_owner_engine, task["id"])
    assert stored and "13712345678" not in stored and "5678" not in stored
    # a landline with its area code is a phone too
    assert _task(w.clerk, w.cid, **{**body, "requester_phone": "027-87654321"}).status_code == 201

    # refusals name the field, in Chinese
    for change, field, words in (({"requester_phone": "12345"}, "requester_phone", "手机号"),
                                 ({"requester_phone": None}, "requester_phone", "电话"),
                                 ({"requester_name": None}, "requester_name", "求助"),
                                 ({"title": None}, "title", "需要"),
                                 ({"ticket_id": 5}, "ticket_id", "工单"),
                                 ({"skill": "magic"}, "skill", "必须是"),
                                 ({"title": "x" * 101}, "title", "100")):
        r = _task(w.clerk, w.cid, **{**body, **change})
        assert r.status_code == 422, (change, r.get_json())
        assert list(r.get_json()["errors"]["json"]) == [field], (change, r.get_json())
        assert words in r.get_json()["errors"]["json"][field][0], (change, r.get_json())
    assert task_count(w.tenant) == 2


# --- matching ---------------------------------------------------------------------------------------


def test_candidates_confirmed_first_then_level_then_fewer_open_tasks_and_the_others_apart(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    cid = w.cid
    basic_ok = member(w.tenant, cid, "甲", "13800000001", skills={"legal": ("basic", True)})
    expert_unconfirmed = member(w.tenant, cid, "乙", "13800000002", skills={"legal": ("expert", False)})
    expert_ok = member(w.tenant, cid, "丙", "13800000003", skills={"legal": ("expert", True)},
                       availability=("weekday_evening", "weekend"))
    busy_expert = member(w.tenant, cid, "丁", "13800000004", skills={"legal": ("expert", True), "it": ("basic", False)})
    shy = member(w.tenant, cid, "戊", "13800000005", consent=False, skills={"legal": ("skilled", True)})
    member(w.tenant, cid, "己", "13800000006", skills={"medical": ("expert", True)})  # another skill
    member(w.tenant, cid, "庚", "13800000007", status="left", skills={"legal": ("expert", True)})  # left
    other = other_community(w.tenant)["community"]
    wuye_enable_plugin(w.tenant, "volunteers", other)
    member(w.tenant, other, "辛", "13800000008", skills={"legal": ("expert", True)})  # another community

    # 丁 holds a task already: among equals, the one with fewer open tasks comes first
    busy = _task(w.clerk, cid, source="request", requester_name="甲乙", requester_phone="13900001111",
                 title="教用手机", skill="it").get_json()
    assert w.organiser.post(f"{P}/tasks/{busy['id']}/accept", json={"member_id": busy_expert}).status_code == 200
    task = _task(w.clerk, cid, source="request", requester_name="刘奶奶", requester_phone="13712345678",
                 title="咨询遗嘱", skill="legal").get_json()

    found = w.organiser.get(f"{P}/tasks/{task['id']}/candidates").get_json()
    assert "items" not in found and found["skill_label"] == "法律咨询"
    assert [c["member_id"] for c in found["candidates"]] == [expert_ok, busy_expert, basic_ok, expert_unconfirmed]
    first = found["candidates"][0]
    assert first["name"] == "丙" and first["level_label"] == "专业" and first["confirmed"] is True
    assert first["availability_labels"] == ["工作日晚上", "周末"] and first["open_tasks"] == 0
    assert found["candidates"][1]["open_tasks"] == 1
    # the organiser calls the consenting ones: phones in full; the others are listed without any
    assert first["phone"] == "13800000003"
    assert [c["member_id"] for c in found["without_consent"]] == [shy]
    assert "phone" not in found["without_consent"][0]
    # a clerk sees the same people, phones masked
    masked = w.clerk.get(f"{P}/tasks/{task['id']}/candidates").get_json()
    assert [c["phone"] for c in masked["candidates"]][0] == "138****0003"
    # without a skill: every active member of the community
    anyone = _task(w.clerk, cid, source="request", requester_name="刘奶奶", requester_phone="13712345678",
                   title="陪同散步").get_json()
    names = [c["name"] for c in w.organiser.get(f"{P}/tasks/{anyone['id']}/candidates").get_json()["candidates"]]
    assert sorted(names) == sorted(["甲", "乙", "丙", "丁", "己"])

    # the member's side: the offered tasks a member could accept (their skills', and those naming none)
    from wuye_volunteers import matching
    from wuye_volunteers.models import Member

    with w.tenant.app.app_context(), tenant_context(w.tenant.id):
        assert [t.id for t in matching.offered_for(db.session.get(Member, expert_ok))] == [task["id"], anyone["id"]]
        assert [t.id for t in matching.offered_for(db.session.get(Member, busy_expert))] == [task["id"], anyone["id"]]
        db.session.remove()


# --- the moves --------------------------------------------------------------------------------------


def test_accept_give_up_cancel_and_their_refusals(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    lawyer = member(w.tenant, w.cid, "王律师", skills={"legal": ("expert", True)})
    cook = member(w.tenant, w.cid, "厨师", skills={"other": ("basic", False)})
    left = member(w.tenant, w.cid, "走了", status="left", skills={"legal": ("expert", True)})
    other = other_community(w.tenant)["community"]
    stranger = member(w.tenant, other, "外人", skills={"legal": ("expert", True)})
    task = _task(w.clerk, w.cid, source="request", requester_name="刘奶奶", requester_phone="13712345678",
                 title="咨询遗嘱", skill="legal").get_json()
    url = f"{P}/tasks/{task['id']}"

    for member_id, words in ((cook, "不具备"), (left, "已退出"), (stranger, "不是本社区"), (999999, "不是本社区")):
        r = w.organiser.post(f"{url}/accept", json={"member_id": member_id})
        assert r.status_code == 422 and "member_id" in r.get_json()["errors"]["json"], r.get_json()
        assert words in r.get_json()["errors"]["json"]["member_id"][0], r.get_json()
    r = w.organiser.post(f"{url}/give-up", json={})
    assert r.status_code == 409 and "待认领" in r.get_json()["message"]
    r = w.organiser.post(f"{url}/complete", json={"minutes": 30, "outcome": "好"})
    assert r.status_code == 409 and r.get_json()["errors"]["status"] == "offered"

    assert w.organiser.post(f"{url}/accept", json={"member_id": lawyer}).get_json()["status"] == "accepted"
    r = w.organiser.post(f"{url}/accept", json={"member_id": lawyer})
    assert r.status_code == 409 and "已认领" in r.get_json()["message"]
    r = w.organiser.post(f"{url}/give-up", json={"member_id": cook})
    assert r.status_code == 409 and "member_id" in r.get_json()["errors"]["json"]
    r = w.organiser.post(f"{url}/complete", json={"minutes": 0, "outcome": "好"})
    assert r.status_code == 422 and "minutes" in r.get_json()["errors"]["json"]
    r = w.organiser.post(f"{url}/complete", json={"minutes": 600, "outcome": "好",
                                                  "started_at": "2020-01-01T09:00:00+08:00"})
    assert r.status_code == 422 and "started_at" in r.get_json()["errors"]["json"]
    r = w.organiser.patch(url, json={"skill": "it"})
    assert r.status_code == 409 and "待认领" in r.get_json()["message"]

    # given up: offered again, to anyone with the skill
    r = w.organiser.post(f"{url}/give-up", json={"member_id": lawyer})
    assert r.status_code == 200 and r.get_json()["status"] == "offered" and r.get_json()["member_id"] is None
    assert w.organiser.post(f"{url}/accept", json={"member_id": lawyer}).status_code == 200
    assert w.organiser.post(f"{url}/give-up", json={}).get_json()["status"] == "offered"

    r = w.organiser.post(f"{url}/cancel", json={"reason": "  "})
    assert r.status_code == 422 and "reason" in r.get_json()["errors"]["json"]
    r = w.organiser.post(f"{url}/cancel", json={"reason": "老人已自行解决"})
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled" and r.get_json()["done_at"]
    r = w.organiser.post(f"{url}/accept", json={"member_id": lawyer})
    assert r.status_code == 409 and "已取消" in r.get_json()["message"]
    assert w.organiser.post(f"{url}/accept", json={"member_id": lawyer},
                            headers={"Accept-Language": "en"}).get_json()["message"] == (
        "The task is Cancelled: only an offered task can be accepted.")


def test_a_service_started_earlier_is_recorded_from_then(wuye_app, wuye_make_tenant, wuye_register,
                                                         wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    helper = member(w.tenant, w.cid, "孙阿姨")
    task = _task(w.clerk, w.cid, source="request", requester_name="刘奶奶", requester_phone="13712345678",
                 title="陪同就医").get_json()
    assert w.organiser.post(f"{P}/tasks/{task['id']}/accept", json={"member_id": helper}).status_code == 200
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    r = w.organiser.post(f"{P}/tasks/{task['id']}/complete", json={
        "minutes": 180, "outcome": "陪同就医", "started_at": f"{yesterday}T09:00:00+08:00"})
    assert r.status_code == 200, r.get_json()
    record = w.manager.get(f"{P}/tasks/{task['id']}").get_json()["record_id"]
    assert record
    with w.tenant.app.app_context(), tenant_context(w.tenant.id):
        from wuye_volunteers.models import ServiceRecord

        row = db.session.get(ServiceRecord, record)
        assert row.minutes == 180 and (row.ended_at - row.started_at) == timedelta(minutes=180)
        assert row.started_at.isoformat().startswith(f"{yesterday}T01:00")  # 09:00 Beijing = 01:00 UTC
        db.session.remove()


# --- who --------------------------------------------------------------------------------------------


def test_who_may_do_what(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    helper = member(w.tenant, w.cid, "孙阿姨")
    body = {"source": "request", "requester_name": "刘奶奶", "requester_phone": "13712345678", "title": "陪同就医"}
    r = _task(w.reader, w.cid, **body)
    assert r.status_code == 403 and "本社区的工作人员" in r.get_json()["message"]
    assert w.reader.get(f"{P}/communities/{w.cid}/tasks").status_code == 403
    task = _task(w.clerk, w.cid, **body).get_json()
    assert w.reader.get(f"{P}/tasks/{task['id']}").status_code == 403
    for move, payload in (("accept", {"member_id": helper}), ("cancel", {"reason": "不要了"})):
        r = w.clerk.post(f"{P}/tasks/{task['id']}/{move}", json=payload)
        assert r.status_code == 403 and "活动组织者" in r.get_json()["message"], r.get_json()
    assert w.clerk.patch(f"{P}/tasks/{task['id']}", json={"skill": "it"}).status_code == 403
    # another tenant sees nothing
    other = wuye_make_tenant("other")
    assert other.admin.get(f"{P}/tasks/{task['id']}").status_code == 404
    assert other.admin.post(f"{P}/tasks/{task['id']}/accept", json={"member_id": helper}).status_code == 404


def test_the_list_filters_and_pages(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    helper = member(w.tenant, w.cid, "孙阿姨", skills={"it": ("basic", False)})
    made = []
    for i, skill in enumerate(["it", "legal", "it", None]):
        made.append(_task(w.clerk, w.cid, source="request", requester_name="刘奶奶", requester_phone="13712345678",
                          title=f"需求{i}", skill=skill).get_json()["id"])
    t = ticket(w.clerk, w.ids)
    made.append(_task(w.clerk, w.cid, source="ticket", ticket_id=t["id"]).get_json()["id"])
    assert w.organiser.post(f"{P}/tasks/{made[0]}/accept", json={"member_id": helper}).status_code == 200
    url = f"{P}/communities/{w.cid}/tasks"
    page = w.clerk.get(url).get_json()
    assert set(page) == {"items", "total", "page", "per_page"} and page["total"] == 5
    assert [x["id"] for x in page["items"]] == made[::-1]
    assert [x["id"] for x in w.clerk.get(url, query_string={"skill": "it"}).get_json()["items"]] == [made[2], made[0]]
    assert [x["id"] for x in w.clerk.get(url, query_string={"status": "accepted"}).get_json()["items"]] == [made[0]]
    assert [x["id"] for x in w.clerk.get(url, query_string={"source": "ticket"}).get_json()["items"]] == [made[4]]
    assert [x["id"] for x in w.clerk.get(url, query_string={"sort": "status,id"}).get_json()["items"]] == [
        made[1], made[2], made[3], made[4], made[0]]
    paged = w.clerk.get(url, query_string={"per_page": 2, "page": 3}).get_json()
    assert [x["id"] for x in paged["items"]] == [made[0]] and paged["total"] == 5
    r = w.clerk.get(url, query_string={"status": "lost"})
    assert r.status_code == 422 and "status" in r.get_json()["errors"]["query"]


def test_a_requesters_data_is_found_by_phone_and_erased_on_request(wuye_app, wuye_make_tenant, wuye_register,
                                                                    wuye_enable_plugin):
    """tasks.requester_data / erase_requester, for the residents' rights (rights.py wires them to the hooks)."""
    from wuye_volunteers import tasks

    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    body = {"source": "request", "requester_name": "刘奶奶", "title": "教用手机"}
    mine = _task(w.clerk, w.cid, **body, requester_phone="13712345678").get_json()
    _task(w.clerk, w.cid, **body, requester_phone="027-87654321")
    with w.tenant.app.app_context(), tenant_context(w.tenant.id):
        found = tasks.requester_data("13712345678")
        assert [(x["task_id"], x["requester_phone"], x["status"]) for x in found] == [
            (mine["id"], "13712345678", "待认领")]
        assert [x["task_id"] for x in tasks.requester_data("02787654321")] != []
        assert tasks.erase_requester("13712345678") == 1
        db.session.commit()
        assert tasks.requester_data("13712345678") == []
        db.session.remove()
    after = w.organiser.get(f"{P}/tasks/{mine['id']}").get_json()
    assert after["requester_name"] is None and after["requester_phone"] is None and after["title"] == "教用手机"
