"""Service records through the API: a community's records (filters, pages, order), one record, a
member's records, the manager's record entered by hand, and who may do what."""

from __future__ import annotations

from datetime import date, timedelta

from _record_rows import P, activity, beijing, join, member, record, team, world


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"items", "total", "page", "per_page"}
    return [item["id"] for item in body["items"]]


def test_a_communitys_records_filter_by_member_source_team_and_beijing_days(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    zhang = member(w.tenant, w.cid, "张志华")
    li = member(w.tenant, w.cid, "李秀兰", kind="party_member", party_org="区税务局机关党支部")
    patrol = team(w.tenant, w.cid, "治安巡逻队", "patrol")
    join(w.tenant, w.cid, patrol, li)
    cleaning = activity(w.tenant, w.cid, "每周小区清洁", starts_at=beijing(date(2025, 3, 1), 8))
    # 23:30 on 31 December in Beijing is 15:30 UTC: a record of the 31st, of 2025
    late = record(w.tenant, w.cid, zhang, beijing(date(2025, 12, 31), 23, 30), minutes=20, content="跨年夜巡查")
    early = record(w.tenant, w.cid, zhang, beijing(date(2026, 1, 1), 0, 10), minutes=30, content="元旦值守")
    clean = record(w.tenant, w.cid, li, beijing(date(2025, 3, 1), 8), minutes=120, source="activity",
                   source_id=cleaning)
    url = f"{P}/communities/{w.cid}/records"
    assert _ids(w.mgr.get(url)) == [clean, early, late]  # newest first
    assert _ids(w.org.get(url, query_string={"sort": "started_at"})) == [clean, late, early]
    assert _ids(w.mgr.get(url, query_string={"sort": "-minutes"})) == [clean, early, late]
    assert _ids(w.mgr.get(url, query_string={"member_id": zhang})) == [early, late]
    assert _ids(w.mgr.get(url, query_string={"source": "activity"})) == [clean]
    assert _ids(w.mgr.get(url, query_string={"team_id": patrol})) == [clean]
    assert _ids(w.mgr.get(url, query_string={"from": "2025-12-31", "to": "2025-12-31"})) == [late]
    assert _ids(w.mgr.get(url, query_string={"from": "2026-01-01"})) == [early]
    assert _ids(w.mgr.get(url, query_string={"to": "2025-12-30"})) == [clean]
    page = w.mgr.get(url, query_string={"per_page": 2, "page": 2}).get_json()
    assert page["total"] == 3 and [r["id"] for r in page["items"]] == [late]
    shown = w.mgr.get(url, query_string={"member_id": zhang}).get_json()["items"][1]
    assert shown["member_name"] == "张志华" and shown["content"] == "跨年夜巡查" and shown["minutes"] == 20
    assert shown["started_at"] == "2025-12-31T15:30:00+00:00" and shown["source_label"] == "工作人员录入"
    assert shown["evaluation_label"] == "良好" and shown["corrections"] == 0
    # refused: a period backwards, an unknown sort field or source
    r = w.mgr.get(url, query_string={"from": "2026-01-02", "to": "2026-01-01"})
    assert r.status_code == 422 and "from" in r.get_json()["errors"]["query"]
    for bad in ({"sort": "content"}, {"source": "magic"}, {"from": "1999-12-31"}, {"member_id": "x"}):
        assert w.mgr.get(url, query_string=bad).status_code == 422, bad
    # a member's records
    assert _ids(w.org.get(f"{P}/members/{li}/records")) == [clean]
    assert _ids(w.org.get(f"{P}/members/{zhang}/records", query_string={"from": "2026-01-01"})) == [early]
    one = w.org.get(f"{P}/records/{clean}").get_json()
    assert one["source_id"] == cleaning and one["history"] == [] and one["certificates"] == []


def test_staff_who_are_not_the_alliances_see_no_records(wuye_app, wuye_make_tenant, wuye_register,
                                                        wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    zhang = member(w.tenant, w.cid)
    one = record(w.tenant, w.cid, zhang, beijing(w.today - timedelta(days=2)))
    for url in (f"{P}/communities/{w.cid}/records", f"{P}/records/{one}", f"{P}/members/{zhang}/records"):
        r = w.clerk.get(url)
        assert r.status_code == 403 and r.get_json()["message"] == "只有联盟管理员或活动组织者可以这样做。", url


def test_the_manager_enters_a_record_by_hand(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, {"max_record_minutes": 240})
    zhang = member(w.tenant, w.cid, id_number="420117198805121234")
    day = (w.today - timedelta(days=5)).isoformat()
    body = {"member_id": zhang, "content": "为独居老人代购药品", "place": "海景北小区 3 栋",
            "started_at": f"{day}T08:30", "ended_at": f"{day}T10:00", "evaluation": "excellent"}
    url = f"{P}/communities/{w.cid}/records"
    r = w.org.post(url, json=body)
    assert r.status_code == 403 and r.get_json()["message"] == "只有本社区的联盟管理员可以这样做。"
    r = w.mgr.post(url, json=body)
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    # Beijing wall-clock in, UTC out; the minutes default to the time between; the alliance organises
    assert made["started_at"].endswith("00:30:00+00:00") and made["minutes"] == 90
    name = w.tenant.admin.get(f"/api/v1/communities/{w.cid}").get_json()["name"]
    assert made["source"] == "manual" and made["source_id"] is None and made["organiser"] == f"{name}居民服务联盟"
    assert made["confirmed_by"] == "mgr" and made["history"] == []
    assert [x["id"] for x in w.mgr.get(url).get_json()["items"]] == [made["id"]]
    # the day is long: the community's most per record, and what the form asked for
    long = {**body, "started_at": f"{day}T06:00", "ended_at": f"{day}T18:00"}
    assert w.mgr.post(url, json=long).get_json()["minutes"] == 240
    r = w.mgr.post(url, json={**long, "minutes": 300})
    assert r.status_code == 422 and r.get_json()["errors"]["json"]["minutes"] == ["这条记录最多计 240 分钟。"]
    # refused, naming the field
    tomorrow = (w.today + timedelta(days=1)).isoformat()
    cases = {
        "ended_at": {**body, "ended_at": f"{day}T08:00"},
        "member_id": {**body, "member_id": 999999},
        "content": {**body, "content": ""},
        "evaluation": {**body, "evaluation": "perfect"},
    }
    for field, bad in cases.items():
        r = w.mgr.post(url, json=bad)
        assert r.status_code == 422 and field in r.get_json()["errors"]["json"], (field, r.get_json())
    r = w.mgr.post(url, json={**body, "started_at": f"{tomorrow}T08:00", "ended_at": f"{tomorrow}T09:00"})
    assert r.status_code == 422 and r.get_json()["errors"]["json"]["ended_at"] == [
        "服务记录只记已完成的服务：结束时间晚于现在。"]
    left = member(w.tenant, w.cid, "王离开", status="left", left_on=w.today - timedelta(days=30))
    r = w.mgr.post(url, json={**body, "member_id": left})
    assert r.status_code == 422 and "member_id" in r.get_json()["errors"]["json"]
    # a member of another community of the tenant is not this one's
    other = w.tenant.admin.post("/api/v1/communities", json={"name": "海景南社区", "code": "c2"}).get_json()["id"]
    stranger = member(w.tenant, other, "赵外人")
    r = w.mgr.post(url, json={**body, "member_id": stranger})
    assert r.status_code == 422 and r.get_json()["errors"]["json"]["member_id"] == ["本社区没有这位成员。"]
    assert w.mgr.get(url).get_json()["total"] == 2
