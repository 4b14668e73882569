"""Members through the API: register, read, change, leave and rejoin; each refusal (status, field,
Chinese message); one member per phone; masking per role; the list's filters, order and pages;
a member's page with teams, skills and service records."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from vl_members_support import P, alliance, id_number, refused

from wuye_core.plugins import LOCAL_TZ, db, local_today, tenant_context


def test_register_read_change_leave_rejoin(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    today = local_today()
    number = id_number(date(1975, 3, 8), 4, male=False)
    made = a.member(name="刘红梅", phone="13812345678", kind="party_member", id_number=number.lower(),
                    party_org="市供电公司党委", party_reported_on=(today - timedelta(days=30)).isoformat(),
                    resident_id=a.ids["resident"], availability=["weekend", "weekday_evening", "weekend"],
                    consent_contact=True, profession="电工",
                    skills=[{"skill": "electrical_repair", "level": "expert"}, {"skill": "legal", "confirmed": True}])
    assert made["gender"] == "female" and made["id_number"] == number and made["masked"] is False
    assert made["joined_on"] == today.isoformat() and made["consent_on"] == today.isoformat()
    assert made["availability"] == ["weekday_evening", "weekend"]  # once each, in the vocabulary's order
    assert made["kind_label"] == "在职党员" and made["status"] == "active" and made["resident_where"] == "小区 1栋 1-101"
    skills = {s["skill"]: s for s in made["skills"]}
    assert skills["electrical_repair"]["level_label"] == "专业" and skills["electrical_repair"]["confirmed_on"] is None
    assert skills["legal"]["level"] == "basic" and skills["legal"]["confirmed_on"] == today.isoformat()
    assert made["service"] == {"records": 0, "total_minutes": 0.0, "year_minutes": 0.0, "recent": []}
    member_url = f"{P}/members/{made['id']}"
    # PATCH: the phone, and the skills replaced as a set; legal raised: its confirmation goes
    changed = a.mgr.patch(member_url, json={"phone": "13812340000", "skills": [
        {"skill": "electrical_repair", "level": "expert"}, {"skill": "legal", "level": "skilled"},
        {"skill": "sewing", "level": "basic", "confirmed": True}]})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    skills = {s["skill"]: s for s in body["skills"]}
    assert body["phone"] == "13812340000" and body["name"] == "刘红梅" and body["party_org"] == "市供电公司党委"
    assert skills["legal"]["confirmed_on"] is None and skills["sewing"]["confirmed_on"] == today.isoformat()
    # lowering a confirmed level keeps the confirmation; confirmed false takes it back
    body = a.mgr.patch(member_url, json={"skills": [{"skill": "sewing", "level": "basic"}]}).get_json()
    assert [(s["skill"], s["confirmed_on"]) for s in body["skills"]] == [("sewing", today.isoformat())]
    body = a.mgr.patch(member_url, json={"skills": [{"skill": "sewing", "confirmed": False}]}).get_json()
    assert body["skills"][0]["confirmed_on"] is None
    # the corrections are in the audit trail, by field (not their values)
    trail = a.tenant.admin.get("/api/v1/audit", query_string={
        "action": "volunteers.amended", "target_type": "member", "target_id": str(made["id"])})
    entries = trail.get_json()["items"]  # newest first
    assert len(entries) == 3 and "phone" in entries[-1]["details"]["fields"], entries
    assert "13812340000" not in str(entries)
    # leaving: not before joining, not in the future; then once
    leave = f"{member_url}/leave"
    refused(a.mgr.post(leave, json={"left_on": (today - timedelta(days=1)).isoformat()}), 422, "left_on", "早于加入日期")
    refused(a.mgr.post(leave, json={"left_on": (today + timedelta(days=1)).isoformat()}), 422, "left_on", "晚于今天")
    gone = a.mgr.post(leave, json={})
    assert gone.status_code == 200 and gone.get_json()["status"] == "left" and gone.get_json()["left_on"] == today.isoformat()
    refused(a.mgr.post(leave, json={}), 409, "status", "已退出")
    back = a.mgr.post(f"{member_url}/rejoin")
    assert back.status_code == 200 and back.get_json()["status"] == "active" and back.get_json()["left_on"] is None
    refused(a.mgr.post(f"{member_url}/rejoin"), 409, "status", "")


def test_refusals_name_their_fields_in_chinese(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    url = f"{P}/communities/{a.cid}/members"
    base = {"name": "赵强", "kind": "volunteer", "phone": "13700001111"}
    refused(a.mgr.post(url, json={"name": "赵强", "kind": "volunteer"}), 422, "phone", "")
    refused(a.mgr.post(url, json={**base, "phone": "12345678901"}), 422, "phone", "13–19 开头")
    refused(a.mgr.post(url, json={**base, "phone": "1380000111"}), 422, "phone", "11 位")
    good = id_number()
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    refused(a.mgr.post(url, json={**base, "id_number": wrong_check}), 422, "id_number", "校验码")
    refused(a.mgr.post(url, json={**base, "id_number": "37020219801340123X"}), 422, "id_number", "")
    # a serving party member: both missing fields named at once
    body = refused(a.mgr.post(url, json={**base, "kind": "party_member"}), 422, "party_org", "所在单位党组织")
    assert "进社区报到" in body["errors"]["json"]["party_reported_on"][0]
    future = (local_today() + timedelta(days=2)).isoformat()
    refused(a.mgr.post(url, json={**base, "joined_on": future}), 422, "joined_on", "晚于今天")
    refused(a.mgr.post(url, json={**base, "skills": [{"skill": "legal"}, {"skill": "legal", "level": "expert"}]}),
            422, "skills", "填了两次")
    refused(a.mgr.post(url, json={**base, "skills": [{"skill": "juggling"}]}), 422, "skills", "")
    refused(a.mgr.post(url, json={**base, "availability": ["midnight"]}), 422, "availability", "")
    refused(a.mgr.post(url, json={**base, "kind": "hero"}), 422, "kind", "")
    refused(a.mgr.post(url, json={**base, "salary": 1}), 422, "salary", "")
    # a resident of another community of the tenant
    other = a.tenant.admin.post("/api/v1/communities", json={"name": "二社区", "code": "c2"}).get_json()["id"]
    site = a.tenant.admin.post("/api/v1/sites", json={"community_id": other, "name": "南苑", "kind": "compound"})
    building = a.tenant.admin.post("/api/v1/buildings", json={"site_id": site.get_json()["id"], "name": "2栋"})
    unit = a.tenant.admin.post("/api/v1/units", json={"building_id": building.get_json()["id"], "number": "201"})
    household = a.tenant.admin.post("/api/v1/households", json={"unit_id": unit.get_json()["id"], "kind": "owner"})
    stranger = a.tenant.admin.post("/api/v1/residents", json={"household_id": household.get_json()["id"],
                                                               "name": "外人"}).get_json()["id"]
    refused(a.mgr.post(url, json={**base, "resident_id": stranger}), 422, "resident_id", "本社区台账中没有")
    refused(a.mgr.post(url, json={**base, "resident_id": 999999}), 422, "resident_id", "本社区台账中没有")
    # English for a reader who asks
    r = a.mgr.post(url, json={**base, "phone": "12345678901"}, headers={"Accept-Language": "en"})
    assert r.get_json()["errors"]["json"]["phone"] == ["A mobile number has 11 digits and starts with 13–19."]
    # none of it stored; an empty PATCH is refused
    assert a.mgr.get(url).get_json()["total"] == 0
    member = a.member(**base)
    refused(a.mgr.patch(f"{P}/members/{member['id']}", json={}), 422, "_schema", "")
    refused(a.mgr.patch(f"{P}/members/{member['id']}", json={"kind": "party_member"}), 422, "party_org", "")


def test_one_member_per_phone_in_a_community(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    url = f"{P}/communities/{a.cid}/members"
    first = a.member(name="孙丽", phone="13600001234")
    refused(a.mgr.post(url, json={"name": "孙丽丽", "kind": "professional", "phone": "13600001234"}), 409, "phone",
            "已有使用此手机号的成员")
    # a member who left keeps their number: they rejoin instead
    assert a.mgr.post(f"{P}/members/{first['id']}/leave", json={}).status_code == 200
    refused(a.mgr.post(url, json={"name": "孙丽", "kind": "volunteer", "phone": "13600001234"}), 409, "phone", "")
    second = a.member(name="周平", phone="13600005678")
    refused(a.mgr.patch(f"{P}/members/{second['id']}", json={"phone": "13600001234"}), 409, "phone", "")
    assert a.mgr.patch(f"{P}/members/{second['id']}", json={"phone": "13600005678"}).status_code == 200  # its own
    # another community of the tenant, and another tenant: the same number is someone else there
    b = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="other")
    assert b.mgr.post(f"{P}/communities/{b.cid}/members", json={
        "name": "孙丽", "kind": "volunteer", "phone": "13600001234"}).status_code == 201
    assert a.mgr.get(url).get_json()["total"] == 2


def test_who_sees_what(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    number = id_number(date(1990, 1, 2), 7)
    yes = a.member(name="同意者", phone="13911110000", consent_contact=True, id_number=number)
    no = a.member(name="未同意", phone="13922220000")
    url = f"{P}/communities/{a.cid}/members"
    full = {m["name"]: m for m in a.mgr.get(url).get_json()["items"]}
    assert full["同意者"]["phone"] == "13911110000" and full["未同意"]["phone"] == "13922220000"
    seen = {m["name"]: m for m in a.org.get(url).get_json()["items"]}
    assert seen["同意者"]["phone"] == "13911110000"  # consented: the organiser may call
    assert seen["未同意"]["phone"] is None and seen["未同意"]["phone_masked"] == "139****0000"
    detail = a.org.get(f"{P}/members/{yes['id']}").get_json()
    assert detail["masked"] is True and detail["id_number"] is None and detail["id_number_masked"].startswith("370")
    assert number not in str(detail) and detail["resident_where"] is None
    assert a.mgr.get(f"{P}/members/{yes['id']}").get_json()["id_number"] == number
    # the organiser reads, does not write; community staff neither
    assert a.org.post(url, json={"name": "x", "kind": "volunteer", "phone": "13900000001"}).status_code == 403
    assert a.org.patch(f"{P}/members/{no['id']}", json={"note": "x"}).status_code == 403
    assert a.org.post(f"{P}/members/{no['id']}/leave", json={}).status_code == 403
    assert a.staff.get(url).status_code == 403
    assert a.staff.get(f"{P}/members/{no['id']}").status_code == 403
    # another tenant: nothing of ours exists
    b = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="other")
    assert b.mgr.get(f"{P}/members/{no['id']}").status_code == 404
    assert b.mgr.patch(f"{P}/members/{no['id']}", json={"note": "x"}).status_code == 404
    assert b.mgr.get(url).status_code == 404


def test_list_filters_order_and_pages(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    today = local_today()
    ann = a.member(name="安娜", phone="13900000001", skills=[{"skill": "legal", "level": "expert"}],
                   availability=["weekend"], consent_contact=True)
    bo = a.member(name="柏涛", phone="13900000002", kind="professional", skills=[{"skill": "medical"}],
                  joined_on=(today - timedelta(days=400)).isoformat())
    cai = a.member(name="蔡敏", phone="13900000003", kind="party_member", party_org="区税务局党支部",
                   party_reported_on=today.isoformat(), skills=[{"skill": "legal"}], availability=["on_call"])
    team = a.team(member_ids=[ann["id"], cai["id"]])
    assert a.mgr.post(f"{P}/members/{bo['id']}/leave", json={}).status_code == 200
    url = f"{P}/communities/{a.cid}/members"

    def names(**query):
        r = a.mgr.get(url, query_string=query)
        assert r.status_code == 200, r.get_json()
        assert set(r.get_json()) == {"items", "total", "page", "per_page"}
        return [m["name"] for m in r.get_json()["items"]]

    assert names() == ["蔡敏", "柏涛", "安娜"]  # newest first
    assert names(sort="joined_on") == ["柏涛", "安娜", "蔡敏"]
    assert names(kind="party_member") == ["蔡敏"]
    assert names(skill="legal") == ["蔡敏", "安娜"]
    assert names(team_id=team["id"], sort="id") == ["安娜", "蔡敏"]
    assert names(status="left") == ["柏涛"]
    assert names(status="active", consent="true") == ["安娜"]
    assert names(consent="false", sort="id") == ["柏涛", "蔡敏"]
    assert names(availability="on_call") == ["蔡敏"]
    assert names(q="敏") == ["蔡敏"]
    assert names(q="0000002") == ["柏涛"]  # the manager finds a phone by its digits
    assert [m["name"] for m in a.org.get(url, query_string={"q": "0000002"}).get_json()["items"]] == []
    page = a.mgr.get(url, query_string={"per_page": 2, "page": 2, "sort": "id"}).get_json()
    assert page["total"] == 3 and [m["name"] for m in page["items"]] == ["蔡敏"]
    listed = {m["name"]: m for m in a.mgr.get(url).get_json()["items"]}
    assert listed["安娜"]["teams"] == [{"id": team["id"], "name": "环保督导队", "leader": False}]
    assert listed["柏涛"]["teams"] == [] and listed["柏涛"]["status_label"] == "已退出"
    refused(a.mgr.get(url, query_string={"sort": "phone"}), 422, "sort", "")
    refused(a.mgr.get(url, query_string={"skill": "juggling"}), 422, "skill", "")


def test_a_members_page_has_their_service(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    from wuye_volunteers.models import Member
    from wuye_volunteers.records import add_record

    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    member = a.member(name="钱进", phone="13500001111")
    now = datetime.now(UTC).replace(microsecond=0)
    year_start = datetime(local_today().year, 1, 1, tzinfo=LOCAL_TZ).astimezone(UTC)
    this_year = [max(now - timedelta(hours=3), year_start + timedelta(hours=2)),
                 max(now - timedelta(days=1), year_start + timedelta(hours=1))]
    last_year = year_start - timedelta(days=30)
    with wuye_app.app_context(), tenant_context(a.tenant.id):
        row = db.session.get(Member, member["id"])
        for started, minutes, content in ((this_year[0], 90, "小区清洁"), (last_year, 120, "义诊"),
                                          (this_year[1], 60, "法律咨询")):
            add_record(row, source="manual", source_id=None, content=content, place="社区广场", started_at=started,
                       ended_at=started + timedelta(minutes=minutes), minutes=minutes, organiser="海景北社区居民服务联盟",
                       confirmed_by="acme-mgr")
        db.session.commit()
    service = a.org.get(f"{P}/members/{member['id']}").get_json()["service"]
    assert service["records"] == 3 and service["total_minutes"] == 270 and service["year_minutes"] == 150
    assert [r["content"] for r in service["recent"]] == ["小区清洁", "法律咨询", "义诊"]
