"""红色物业 · 三方联动 in the web console: its pages answer only where the plugin is on (404
elsewhere, the menu entry absent), forms go through the API's schemas and services (errors next
to the field, then the change as the API sees it), follow-ups close resolutions, read-only users
get a 403 page, liaison officers log visits, downloads are audited like the API's."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

P = "/api/v1/plugins/red_property"
C = "/console/plugins/red_property"

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")


@pytest.fixture
def acme(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """Tenant acme with two communities; the plugin on in the first only."""
    t = wuye_make_tenant("acme")
    ids = wuye_register(t, "东湖")
    other = t.admin.post("/api/v1/communities", json={"name": "西湖社区", "code": "c2"})
    assert other.status_code == 201, other.get_json()
    ids["other"] = other.get_json()["id"]
    t.ids = ids
    t.enable = lambda: wuye_enable_plugin(t, "red_property", ids["community"])
    return t


def _meeting(t, **body) -> dict:
    r = t.admin.post(f"{P}/communities/{t.ids['community']}/meetings", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_pages_and_menu_only_where_the_plugin_is_on(acme):
    console = acme.console()
    c, other = acme.ids["community"], acme.ids["other"]
    home = console.get("/console/")
    assert home.status_code == 200 and "三方联席会议" not in home.text
    assert console.get(f"{C}/").status_code == 404
    assert console.get(f"{C}/communities/{c}/meetings").status_code == 404

    acme.enable()
    home = console.get("/console/")
    for label in ("三方联席会议", "联络走访", "服务覆盖"):
        assert label in home.text
    # the menu entry leads to the one community where it is on
    r = console.get(f"{C}/")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"{C}/communities/{c}/meetings")
    for page in ("meetings", "resolutions", "visits", "coverage"):
        shown = console.get(f"{C}/communities/{c}/{page}")
        assert shown.status_code == 200, page
        assert "东湖社区" in shown.text and 'aria-current="page"' in shown.text
        refused = console.get(f"{C}/communities/{other}/{page}")
        assert refused.status_code == 404, page
        assert "<html" in refused.text  # a page, not JSON
    meeting = _meeting(acme)
    assert console.get(f"{C}/meetings/{meeting['id']}").status_code == 200
    assert console.get(f"{C}/meetings/{meeting['id'] + 1000}").status_code == 404


def test_a_meeting_is_scheduled_after_a_field_is_corrected(acme):
    acme.enable()
    console = acme.console()
    c = acme.ids["community"]
    form = f"{C}/communities/{c}/meetings"
    page = console.get(form)
    assert 'name="title"' in page.text and "安排会议" in page.text
    refused = console.post(form, data={"title": "五月联席会议", "scheduled_on": "2026-13-45", "location": "党群服务中心"})
    assert refused.status_code == 422
    assert 'id="e-scheduled_on"' in refused.text and 'value="党群服务中心"' in refused.text
    assert acme.admin.get(f"{P}/communities/{c}/meetings").get_json()["total"] == 0

    made = console.post(form, data={"title": "五月联席会议", "scheduled_on": "2026-05-20", "location": "党群服务中心"})
    assert made.status_code == 303
    listed = acme.admin.get(f"{P}/communities/{c}/meetings").get_json()["items"]
    assert [(m["title"], m["scheduled_on"], m["location"]) for m in listed] == [
        ("五月联席会议", "2026-05-20", "党群服务中心")]
    assert made.headers["Location"].endswith(f"{C}/meetings/{listed[0]['id']}")
    shown = console.get(made.headers["Location"])
    assert "会议已安排" in shown.text and "五月联席会议" in shown.text
    # and in the list of the community's meetings
    assert "五月联席会议" in console.get(form).text


def test_agenda_resolution_and_a_follow_up_that_closes_it(acme):
    acme.enable()
    console = acme.console()
    meeting = _meeting(acme, title="六月联席会议")
    m = f"{C}/meetings/{meeting['id']}"
    assert console.post(f"{m}/participants", data={"side": "residents", "name": "周阿姨"}).status_code == 303
    person = acme.admin.get(f"{P}/meetings/{meeting['id']}").get_json()["participants"][0]
    assert console.post(f"{C}/participants/{person['id']}", data={"attended": "true"}).status_code == 303
    assert console.post(f"{m}/agenda-items", data={"title": "加装电梯"}).status_code == 303
    detail = acme.admin.get(f"{P}/meetings/{meeting['id']}").get_json()
    assert detail["attendance"]["residents"] == {"invited": 1, "attended": 1}
    item = detail["agenda_items"][0]
    assert item["title"] == "加装电梯"

    missing = console.post(f"{m}/resolutions", data={"text": "物业出方案", "owner_name": "张经理"})
    assert missing.status_code == 422 and 'id="e-owner_side"' in missing.text
    made = console.post(f"{m}/resolutions", data={"text": "物业出方案", "owner_side": "property",
                                                  "owner_name": "张经理", "agenda_item_id": str(item["id"])})
    assert made.status_code == 303
    resolution = acme.admin.get(f"{P}/meetings/{meeting['id']}/resolutions").get_json()["items"][0]
    r = f"{C}/resolutions/{resolution['id']}"
    page = console.get(r)
    assert page.status_code == 200 and "物业出方案" in page.text and "记录跟进" in page.text

    empty = console.post(r, data={"note": "", "status": "in_progress"})
    assert empty.status_code == 422 and 'id="e-note"' in empty.text
    assert console.post(r, data={"note": "已联系电梯公司", "status": "in_progress"}).status_code == 303
    assert console.post(r, data={"note": "方案已公示", "status": "done"}).status_code == 303
    after = acme.admin.get(f"{P}/resolutions/{resolution['id']}").get_json()
    assert after["status"] == "done"
    follow = acme.admin.get(f"{P}/resolutions/{resolution['id']}/follow-ups").get_json()["items"]
    assert [f["note"] for f in follow] == ["方案已公示", "已联系电梯公司"]
    assert acme.admin.get(f"{P}/agenda-items/{item['id']}").get_json()["status"] == "closed"
    page = console.get(r)
    assert "方案已公示" in page.text and "记录跟进" not in page.text  # done: no more follow-ups
    # a second "done" sent from a stale page: the API's 409, told on the page
    again = console.post(r, data={"note": "再次办结", "status": "done"})
    assert again.status_code == 409 and "决议已办结或撤销" in again.text


def test_holding_a_meeting_twice_is_refused_with_the_apis_message(acme):
    acme.enable()
    console = acme.console()
    meeting = _meeting(acme)
    m = f"{C}/meetings/{meeting['id']}"
    assert console.post(f"{m}/hold", data={"minutes": "议定三项"}).status_code == 303
    assert acme.admin.get(f"{P}/meetings/{meeting['id']}").get_json()["status"] == "held"
    again = console.post(f"{m}/hold", data={})
    assert again.status_code == 409 and "只有待召开的会议可以召开" in again.text


def test_a_reader_sees_the_pages_but_cannot_post(acme):
    acme.enable()
    c = acme.ids["community"]
    acme.user("guest", "readonly", [c])
    console = acme.console("guest", "password-123")
    page = console.get(f"{C}/communities/{c}/meetings")
    assert page.status_code == 200 and 'name="title"' not in page.text  # no form offered
    refused = console.post(f"{C}/communities/{c}/meetings", data={"title": "越权会议", "scheduled_on": "2026-05-20"})
    assert refused.status_code == 403 and "<html" in refused.text
    assert acme.admin.get(f"{P}/communities/{c}/meetings").get_json()["total"] == 0
    meeting = _meeting(acme)
    assert console.post(f"{C}/meetings/{meeting['id']}/hold", data={}).status_code == 403
    assert console.post(f"{C}/communities/{c}/visits", data={"notes": "x"}).status_code == 403
    assert acme.admin.get(f"{P}/meetings/{meeting['id']}").get_json()["status"] == "planned"


def test_a_liaison_officer_logs_a_visit_with_its_problems(acme):
    acme.enable()
    c = acme.ids["community"]
    acme.user("lianluo", "red_property_liaison", [c])
    console = acme.console("lianluo", "password-123")
    assert "联络走访" in console.get("/console/").text
    form = f"{C}/communities/{c}/visits"
    assert 'name="problems"' in console.get(form).text
    bad = console.post(form, data={"visited_on": "昨天", "problems": "路灯不亮"})
    assert bad.status_code == 422 and 'id="e-visited_on"' in bad.text
    made = console.post(form, data={"visited_on": "2026-04-02", "site_id": str(acme.ids["site"]), "notes": "夜间走访",
                                    "problems": "路灯不亮\n\n垃圾清运不及时\n"})
    assert made.status_code == 303
    visits = acme.admin.get(f"{P}/communities/{c}/visits").get_json()["items"]
    assert [(v["visited_on"], v["officer"], v["created_by"]) for v in visits] == [("2026-04-02", "lianluo", "lianluo")]
    detail = acme.admin.get(f"{P}/visits/{visits[0]['id']}").get_json()
    assert [p["description"] for p in detail["problems"]] == ["路灯不亮", "垃圾清运不及时"]
    page = console.get(made.headers["Location"])
    assert "走访已登记" in page.text and "垃圾清运不及时" in page.text and "东湖小区" in page.text
    # a liaison officer may not write the meetings (can_write: False for the role)
    assert console.post(f"{C}/communities/{c}/meetings", data={"title": "x"}).status_code == 403


def test_coverage_and_5341_figures(acme):
    acme.enable()
    c = acme.ids["community"]
    page = acme.console().get(f"{C}/communities/{c}/coverage")
    assert page.status_code == 200
    assert "东湖小区" in page.text and "无人服务" in page.text  # no manager recorded yet
    assert "5 分钟" in page.text and "240 分钟" in page.text  # the community's 5341 deadlines
    assert "小区物业服务覆盖率" in page.text


def test_downloads_go_through_the_apis_exports_and_audit(acme):
    acme.enable()
    console = acme.console()
    c = acme.ids["community"]
    meeting = _meeting(acme, title="七月联席会议")
    r = console.get(f"{C}/meetings/{meeting['id']}/minutes.xlsx")
    assert r.status_code == 200 and "%E8%81%94%E5%B8%AD" in r.headers["Content-Disposition"]  # 联席
    book = load_workbook(io.BytesIO(r.data))
    assert book.sheetnames == ["会议纪要", "参会人员", "议题", "决议"]
    r = console.get(f"{C}/communities/{c}/resolutions.xlsx")
    assert r.status_code == 200 and load_workbook(io.BytesIO(r.data)).sheetnames == ["决议台账"]
    audit = acme.admin.get("/api/v1/audit?action=red_property.exported").get_json()["items"]
    assert sorted(a["target_type"] for a in audit) == ["community", "meeting"]
    assert console.get(f"{C}/communities/{acme.ids['other']}/resolutions.xlsx").status_code == 404


def test_the_dashboard_panel_shows_the_key_figures(acme, wuye_app):
    acme.enable()
    _meeting(acme)
    console = acme.console()
    with wuye_app.test_request_context("/console/"):
        from wuye_red_property.console import panel

        from wuye_core.plugins import tenant_context

        with tenant_context(acme.id):
            html = panel([acme.ids["community"]])
    assert "东湖社区" in html and "决议按期办结率" in html
    assert console.get("/console/").status_code == 200


@pytest.fixture
def wanjia(acme, wuye_make_tenant, wuye_register, wuye_service_link):
    """The company 万家物业 serving acme's site 东湖小区 through a service link in force (its id)."""
    company = wuye_make_tenant("wanjia", name="万家物业")
    return wuye_service_link(acme, acme.ids["site"], company, wuye_register(company, "万家")["site"])


def test_an_agreement_is_recorded_then_changed(acme, wanjia):
    acme.enable()
    console = acme.console()
    c, site = acme.ids["community"], acme.ids["site"]
    form = f"{C}/communities/{c}/agreements"
    page = console.get(form)
    assert page.status_code == 200 and "记录共建协议" in page.text and 'name="site_ids"' in page.text
    assert f'<option value="{wanjia}">万家物业（东湖小区）</option>' in page.text
    body = {"service_link_id": str(wanjia), "community_party": "东湖社区党委", "signed_on": "2026-01-05",
            "starts_on": "2026-02-01", "ends_on": "2026-01-01", "site_ids": str(site)}
    refused = console.post(form, data=body)
    assert refused.status_code == 422 and 'id="e-ends_on"' in refused.text and 'value="东湖社区党委"' in refused.text
    assert f'<option value="{wanjia}" selected>' in refused.text
    no_link = console.post(form, data={**body, "ends_on": "", "service_link_id": ""})
    assert no_link.status_code == 422 and 'id="e-service_link_id"' in no_link.text
    assert acme.admin.get(f"{P}/communities/{c}/agreements").get_json()["total"] == 0

    made = console.post(form, data={**body, "ends_on": "2028-12-31"})
    assert made.status_code == 303
    listed = acme.admin.get(f"{P}/communities/{c}/agreements").get_json()["items"]
    assert [(a["company_name"], a["ends_on"], a["site_ids"]) for a in listed] == [("万家物业", "2028-12-31", [site])]
    assert made.headers["Location"].endswith(f"{C}/agreements/{listed[0]['id']}")
    shown = console.get(made.headers["Location"])
    assert "共建协议已记录" in shown.text and 'value="东湖社区党委"' in shown.text
    assert "万家物业" in console.get(form).text
    # the coverage: the site is served by the company of its link, under the agreement
    cover = acme.admin.get(f"{P}/communities/{c}/coverage").get_json()["sites"][0]
    assert cover["company_name"] == "万家物业" and cover["agreement_ids"] == [listed[0]["id"]]

    changed = console.post(made.headers["Location"], data={**body, "ends_on": "", "scope": "共建党群服务站"})
    assert changed.status_code == 303
    after = acme.admin.get(f"{P}/agreements/{listed[0]['id']}").get_json()
    assert (after["company_name"], after["ends_on"], after["scope"]) == ("万家物业", None, "共建党群服务站")


def test_who_serves_a_site_is_recorded(acme):
    acme.enable()
    console = acme.console()
    c, site = acme.ids["community"], acme.ids["site"]
    assert f"{C}/sites/{site}/management" in console.get(f"{C}/communities/{c}/coverage").text
    form = f"{C}/sites/{site}/management"
    refused = console.post(form, data={"manager": "company"})
    assert refused.status_code == 422 and 'id="e-service_link_id"' in refused.text
    assert 'href="/console/links"' in refused.text  # no link in force: where links are made
    assert acme.admin.get(f"{P}/sites/{site}/management").get_json()["manager"] is None
    made = console.post(form, data={"manager": "own_team"})
    assert made.status_code == 303 and made.headers["Location"].endswith(f"{C}/communities/{c}/coverage")
    assert acme.admin.get(f"{P}/sites/{site}/management").get_json()["manager"] == "own_team"
    assert "社区自有团队" in console.get(made.headers["Location"]).text
    assert console.get(f"{C}/sites/{acme.ids['site'] + 1000}/management").status_code == 404


def test_readers_may_not_record_agreements_or_managers(acme):
    acme.enable()
    c, site = acme.ids["community"], acme.ids["site"]
    acme.user("guest", "readonly", [c])
    console = acme.console("guest", "password-123")
    page = console.get(f"{C}/communities/{c}/agreements")
    assert page.status_code == 200 and 'name="community_party"' not in page.text
    refused = console.post(f"{C}/communities/{c}/agreements", data={
        "service_link_id": "1", "community_party": "x", "signed_on": "2026-01-01", "starts_on": "2026-01-01",
        "site_ids": str(site)})
    assert refused.status_code == 403 and "<html" in refused.text
    assert console.post(f"{C}/sites/{site}/management", data={"manager": "own_team"}).status_code == 403
    assert acme.admin.get(f"{P}/communities/{c}/agreements").get_json()["total"] == 0
    assert acme.admin.get(f"{P}/sites/{site}/management").get_json()["manager"] is None


def _visit(t, *problems) -> dict:
    r = t.admin.post(f"{P}/communities/{t.ids['community']}/visits", json={
        "site_id": t.ids["site"], "problems": [{"description": p} for p in problems]})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_a_visits_problems_become_an_agenda_item_and_a_ticket(acme):
    acme.enable()
    c = acme.ids["community"]
    acme.user("lianluo", "red_property_liaison", [c])
    console = acme.console("lianluo", "password-123")
    meeting = _meeting(acme, title="八月联席会议", scheduled_on="2099-08-20")
    visit = _visit(acme, "路灯不亮", "垃圾清运不及时")
    lamp, rubbish = visit["problems"]
    page = console.get(f"{C}/visits/{visit['id']}")
    assert f"{C}/problems/{lamp['id']}" in page.text
    assert "列入联席会议议题" in console.get(f"{C}/problems/{lamp['id']}").text

    assert console.post(f"{C}/problems/{lamp['id']}/agenda-item", data={"meeting_id": str(meeting["id"])}).status_code == 303
    item_id = acme.admin.get(f"{P}/problems/{lamp['id']}").get_json()["agenda_item_id"]
    item = acme.admin.get(f"{P}/agenda-items/{item_id}").get_json()
    assert (item["meeting_id"], item["source"], item["title"]) == (meeting["id"], "visit", "路灯不亮")
    # converted already: the API's 409, said on the page
    again = console.post(f"{C}/problems/{lamp['id']}/ticket", data={"category": "环境卫生"})
    assert again.status_code == 409 and "问题已转为议题或工单" in again.text

    missing = console.post(f"{C}/problems/{rubbish['id']}/ticket", data={"kind": "complaint"})
    assert missing.status_code == 422 and 'id="e-category"' in missing.text
    made = console.post(f"{C}/problems/{rubbish['id']}/ticket", data={"category": "保洁", "kind": "complaint",
                                                                      "priority": "urgent"})
    assert made.status_code == 303
    ticket_id = acme.admin.get(f"{P}/problems/{rubbish['id']}").get_json()["ticket_id"]
    ticket = acme.admin.get(f"/api/v1/tickets/{ticket_id}").get_json()
    assert (ticket["title"], ticket["channel"], ticket["priority"]) == ("垃圾清运不及时", "liaison_visit", "urgent")
    assert f"/console/tickets/{ticket_id}" in console.get(made.headers["Location"]).text


def test_readers_may_not_convert_problems_or_escalate(acme):
    acme.enable()
    c = acme.ids["community"]
    acme.user("guest", "readonly", [c])
    console = acme.console("guest", "password-123")
    problem = _visit(acme, "井盖松动")["problems"][0]
    page = console.get(f"{C}/problems/{problem['id']}")
    assert page.status_code == 200 and 'name="category"' not in page.text
    assert console.post(f"{C}/problems/{problem['id']}/agenda-item", data={}).status_code == 403
    assert console.post(f"{C}/problems/{problem['id']}/ticket", data={"category": "x"}).status_code == 403
    assert acme.admin.get(f"{P}/problems/{problem['id']}").get_json()["agenda_item_id"] is None
    ticket = acme.admin.post("/api/v1/tickets", json={"community_id": c, "site_id": acme.ids["site"],
                                                       "category": "保洁", "title": "停水", "channel": "phone", "kind": "repair"}).get_json()
    refused = console.post(f"{C}/tickets/{ticket['id']}/escalation", data={"note": "x"})
    assert refused.status_code == 403 and "<html" in refused.text
    assert acme.admin.get(f"{P}/communities/{c}/agenda-items").get_json()["total"] == 0


def test_a_ticket_is_escalated_from_its_console_page(acme):
    acme.enable()
    console = acme.console()
    c = acme.ids["community"]
    r = acme.admin.post("/api/v1/tickets", json={"community_id": c, "site_id": acme.ids["site"],
                                                  "category": "保洁", "title": "反复停水", "channel": "phone",
                                                  "kind": "repair"})
    assert r.status_code == 201, r.get_json()
    ticket = r.get_json()
    escalation = f"{C}/tickets/{ticket['id']}/escalation"
    page = console.get(f"/console/tickets/{ticket['id']}")
    assert f'href="{escalation}"' in page.text and "升级到三方联席会议" in page.text
    assert acme.admin.get(f"/api/v1/tickets/{ticket['id']}").get_json()["links"] == []  # the API: unchanged

    long = console.post(escalation, data={"note": "x" * 5001})
    assert long.status_code == 422 and 'id="e-note"' in long.text
    made = console.post(escalation, data={"note": "多次报修未解决"})
    assert made.status_code == 303
    items = acme.admin.get(f"{P}/communities/{c}/agenda-items", query_string={"source": "ticket"}).get_json()["items"]
    assert [(i["ticket_id"], i["description"]) for i in items] == [(ticket["id"], "多次报修未解决")]
    shown = console.get(made.headers["Location"])
    assert "反复停水" in shown.text and 'name="note"' not in shown.text  # on the agenda: no second escalation
    again = console.post(escalation, data={})
    assert again.status_code == 409 and "工单已在联席会议议题中" in again.text
    links = acme.admin.get(f"/api/v1/tickets/{ticket['id']}").get_json()["links"]
    assert [link["href"] for link in links] == [f"{P}/agenda-items/{items[0]['id']}"]
    assert f'href="{escalation}"' in console.get(f"/console/tickets/{ticket['id']}").text
