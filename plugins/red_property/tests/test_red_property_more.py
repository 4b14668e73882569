"""Liaison visits, integration, Excel exports and demo data of 红色物业 · 三方联动, through the HTTP
API (co-building agreements and coverage, which name companies by service links: test_red_property_links.py)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

P = "/api/v1/plugins/red_property"


def _today():
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def _setup(t, wuye_register, wuye_enable_plugin):
    ids = wuye_register(t)
    wuye_enable_plugin(t, "red_property", ids["community"])
    return ids


def test_a_liaison_officer_logs_visits_and_problems_become_agenda_items_or_tickets(
    wuye_make_tenant, wuye_register, wuye_enable_plugin
):
    t = wuye_make_tenant("acme")
    ids = _setup(t, wuye_register, wuye_enable_plugin)
    c = ids["community"]
    other = t.admin.post("/api/v1/communities", json={"name": "乙", "code": "c2"}).get_json()["id"]
    officer = t.user("xiaosun", "red_property_liaison", [c])
    reader = t.user("reader", "readonly")

    r = officer.post(
        f"{P}/communities/{c}/visits",
        json={
            "site_id": ids["site"],
            "notes": "与楼栋长交流",
            "problems": [{"description": "3栋楼道灯不亮"}, {"description": "化粪池满溢，需三方协调"}],
        },
    )
    assert r.status_code == 201, r.get_json()
    visit = r.get_json()
    assert visit["officer"] == "xiaosun" and visit["visited_on"] == _today().isoformat()
    lamp, sewage = visit["problems"]
    assert lamp["site_id"] == ids["site"]
    assert reader.post(f"{P}/communities/{c}/visits", json={}).status_code == 403
    assert officer.post(f"{P}/communities/{other}/visits", json={}).status_code == 404  # not his, plugin off
    r = officer.post(
        f"{P}/communities/{c}/visits", json={"problems": [{"description": "x", "site_id": 999999}]}
    )
    assert r.status_code == 422 and "problems.0.site_id" in r.get_json()["errors"]["json"]

    r = officer.post(f"{P}/problems/{lamp['id']}/ticket", json={"category": "公共设施", "priority": "urgent"})
    assert r.status_code == 201, r.get_json()
    ticket = t.admin.get(f"/api/v1/tickets/{r.get_json()['ticket_id']}").get_json()
    assert ticket["channel"] == "liaison_visit" and ticket["title"] == "3栋楼道灯不亮"
    assert ticket["sla_policy"] == "red_property:5341"
    r = officer.post(f"{P}/problems/{lamp['id']}/ticket", json={"category": "公共设施"})
    assert r.status_code == 409
    r = officer.post(f"{P}/problems/{sewage['id']}/ticket", json={"category": "不存在的类别"})
    assert r.status_code == 422 and "category" in r.get_json()["errors"]["json"]

    item = officer.post(f"{P}/problems/{sewage['id']}/agenda-item", json={})
    assert item.status_code == 201 and item.get_json()["source"] == "visit"
    assert officer.post(f"{P}/problems/{sewage['id']}/agenda-item", json={}).status_code == 409
    shown = t.admin.get(f"{P}/visits/{visit['id']}").get_json()["problems"]
    assert [(p["ticket_id"] is not None, p["agenda_item_id"]) for p in shown] == [
        (True, None),
        (False, item.get_json()["id"]),
    ]
    pending = t.admin.get(f"{P}/communities/{c}/agenda-items", query_string={"source": "visit"}).get_json()["items"]
    assert [i["title"] for i in pending] == ["化粪池满溢，需三方协调"]


def test_integration_dual_posts_and_shared_services(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    ids = _setup(t, wuye_register, wuye_enable_plugin)
    c = ids["community"]
    users = {u["username"]: u["id"] for u in t.admin.get("/api/v1/users").get_json()["items"]}
    r = t.admin.post(
        f"{P}/communities/{c}/dual-posts",
        json={
            "person_name": "刘书记",
            "staff_user_id": users["admin"],
            "community_post": "社区党委书记",
            "property_post": "红色物业分公司经理",
        },
    )
    assert r.status_code == 201, r.get_json()
    r = t.admin.post(
        f"{P}/communities/{c}/dual-posts",
        json={"person_name": "x", "staff_user_id": 999999, "community_post": "a", "property_post": "b"},
    )
    assert r.status_code == 422 and "staff_user_id" in r.get_json()["errors"]["json"]
    service = t.admin.post(f"{P}/communities/{c}/shared-services", json={"name": "一站式服务窗口"}).get_json()
    assert [d["property_post"] for d in t.admin.get(f"{P}/communities/{c}/dual-posts").get_json()["items"]] == [
        "红色物业分公司经理"
    ]
    assert t.admin.delete(f"{P}/shared-services/{service['id']}").status_code == 204
    assert t.admin.get(f"{P}/communities/{c}/shared-services").get_json()["items"] == []


def test_minutes_and_resolution_ledger_export_to_excel(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    ids = _setup(t, wuye_register, wuye_enable_plugin)
    c = ids["community"]
    meeting = t.admin.post(
        f"{P}/communities/{c}/meetings",
        json={"participants": [{"side": "residents", "name": "周阿姨", "attended": True}]},
    ).get_json()
    t.admin.post(f"{P}/meetings/{meeting['id']}/hold", json={"minutes": '=HYPERLINK("x") 议定事项'})
    resolution = t.admin.post(
        f"{P}/meetings/{meeting['id']}/resolutions",
        json={
            "text": "=1+1 清理楼道",
            "owner_side": "property",
            "owner_name": "张经理",
            "due_on": (_today() - timedelta(days=1)).isoformat(),
        },
    ).get_json()

    r = t.admin.get(f"{P}/meetings/{meeting['id']}/minutes.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == ["会议纪要", "参会人员", "议题", "决议"]
    info = {row[0]: row[1] for row in wb["会议纪要"].iter_rows(values_only=True)}
    assert (
        info["纪要"] == '=HYPERLINK("x") 议定事项' and wb["会议纪要"]["B6"].data_type == "s"
    )  # text, no formula
    assert list(wb["参会人员"].iter_rows(min_row=2, values_only=True)) == [("居民代表", "周阿姨", None, "是")]

    r = t.admin.get(f"{P}/communities/{c}/resolutions.xlsx")
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.data))["决议台账"].iter_rows(values_only=True))
    assert rows[0][:4] == ("编号", "会议日期", "议题编号", "决议内容")
    assert rows[1][0] == resolution["id"] and rows[1][3] == "=1+1 清理楼道" and rows[1][9] == "是"  # overdue
    assert t.admin.get(f"{P}/meetings/999999/minutes.xlsx").status_code == 404


def test_report_section_for_a_period(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    ids = _setup(t, wuye_register, wuye_enable_plugin)
    c = ids["community"]
    meeting = t.admin.post(f"{P}/communities/{c}/meetings", json={}).get_json()
    t.admin.post(f"{P}/meetings/{meeting['id']}/hold", json={})
    day = _today().isoformat()
    r = t.admin.get(f"/api/v1/communities/{c}/report", query_string={"from": day, "to": day})
    assert r.status_code == 200
    section = next(s for s in r.get_json()["sections"] if s["plugin"] == "red_property")
    assert section["rows"][0]["value"] == 1


def test_demo_data_is_a_year_of_meetings_and_idempotent(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    from wuye_red_property import demo

    from wuye_core.plugins import db, tenant_context

    t = wuye_make_tenant("jinghe", kind="subdistrict")
    ids = _setup(t, wuye_register, wuye_enable_plugin)
    c = ids["community"]
    config = t.admin.get(f"/api/v1/communities/{c}/plugins/red_property").get_json()["config"]
    with wuye_app.app_context():
        with tenant_context(t.id):
            demo.build(c, config, _today())
            demo.build(c, config, _today())  # idempotent
        db.session.remove()
    meetings = t.admin.get(f"{P}/communities/{c}/meetings", query_string={"sort": "scheduled_on"}).get_json()["items"]
    held = [m for m in meetings if m["status"] == "held"]
    assert len(held) == 12 and len([m for m in meetings if m["status"] == "planned"]) == 1
    assert (_today() - datetime.fromisoformat(held[0]["scheduled_on"]).date()).days >= 360
    figures = {
        f["key"]: f["value"] for f in t.admin.get(f"/api/v1/communities/{c}/dashboard").get_json()["figures"]
    }
    assert figures["meetings_held_12m"] >= 11 and 0.5 <= figures["resolutions_on_time_rate"] <= 1
    assert t.admin.get(f"{P}/communities/{c}/visits").get_json()["items"]
    escalated = t.admin.get(f"{P}/communities/{c}/agenda-items", query_string={"source": "ticket"}).get_json()["items"]
    assert len(escalated) == 1 and escalated[0]["meeting_id"] == meetings[-1]["id"]
    links = t.admin.get(f"/api/v1/tickets/{escalated[0]['ticket_id']}").get_json()["links"]
    assert [link["key"] for link in links] == [f"agenda_item:{escalated[0]['id']}"]
    # no service links in this street: no agreements, its compound is served by the own team
    assert t.admin.get(f"{P}/communities/{c}/agreements").get_json()["total"] == 0
    cover = t.admin.get(f"{P}/communities/{c}/coverage").get_json()
    assert [(s["site_id"], s["manager"]) for s in cover["sites"]] == [(ids["site"], "own_team")]
