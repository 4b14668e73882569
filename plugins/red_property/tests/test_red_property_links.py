"""Companies are service links (#18 item 1): co-building agreements, site managers, the coverage
view and resolutions name a property company by a service link in force of the community (the
core's, between two tenants: `wuye_service_link`), show the link's partner name, and keep the
names typed before links as history ("未建立服务关系")."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

P = "/api/v1/plugins/red_property"
C = "/console/plugins/red_property"
LINKS = "/api/v1/service-links"


def _today():
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture
def street(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """The street (subdistrict) with the plugin on in its community: its compound (ids["site"]),
    a 村湾 and an old compound; and a company 海景物业 with two sites of its own."""
    t = wuye_make_tenant("jinghe", kind="subdistrict", name="径河街道")
    ids = wuye_register(t, "街")
    wuye_enable_plugin(t, "red_property", ids["community"])
    c = ids["community"]
    for key, name, kind in (("village", "张家湾", "village"), ("old", "供销社宿舍", "old")):
        r = t.admin.post("/api/v1/sites", json={"community_id": c, "name": name, "kind": kind})
        assert r.status_code == 201, r.get_json()
        ids[key] = r.get_json()["id"]
    company = wuye_make_tenant("haijing", name="海景物业")
    company.ids = wuye_register(company, "企")
    second = company.admin.post("/api/v1/sites", json={"community_id": company.ids["community"], "name": "企二期",
                                                      "kind": "compound"})
    company.ids["second"] = second.get_json()["id"]
    t.ids, t.company = ids, company
    return t


BODY = {"community_party": "社区党委", "signed_on": "2026-01-01", "starts_on": "2026-01-01", "ends_on": None,
        "scope": "参加联席会议，执行5341"}


def _errors(r) -> dict:
    return r.get_json()["errors"]["json"]


def test_an_agreement_names_a_service_link_and_shows_its_partner(street, wuye_service_link, wuye_make_tenant,
                                                                 wuye_register):
    t, ids, company = street, street.ids, street.company
    c = ids["community"]
    agreements = f"{P}/communities/{c}/agreements"
    # no link yet: the company cannot be named, neither as a link nor as text any more
    r = t.admin.post(agreements, json={**BODY, "service_link_id": 999999})
    assert r.status_code == 422 and "service_link_id" in _errors(r)
    r = t.admin.post(agreements, json={**BODY, "company_name": "海景物业", "site_ids": [ids["site"]]})
    assert r.status_code == 422 and "company_name" in _errors(r) and "service_link_id" in _errors(r)

    link = wuye_service_link(t, ids["site"], company, company.ids["site"])
    r = t.admin.post(agreements, json={**BODY, "service_link_id": link})  # the sites default to the link's
    assert r.status_code == 201, r.get_json()
    agreement = r.get_json()
    assert (agreement["service_link_id"], agreement["company_name"], agreement["link_in_force"]) == (
        link, "海景物业", True)
    assert agreement["site_ids"] == [ids["site"]] and agreement["active"] is True
    # the sites must include the link's site
    r = t.admin.post(agreements, json={**BODY, "service_link_id": link, "site_ids": [ids["village"]]})
    assert r.status_code == 422 and "site_ids" in _errors(r)
    # a link of another tenant (the company with another street) is not one of ours: 422
    other = wuye_make_tenant("other-street", kind="subdistrict")
    other_ids = wuye_register(other, "乙")
    theirs = wuye_service_link(other, other_ids["site"], company, company.ids["second"])
    r = t.admin.post(agreements, json={**BODY, "service_link_id": theirs})
    assert r.status_code == 422 and "service_link_id" in _errors(r)
    # the company sees the same link from its side (provider): not a link of its communities' sites
    # (it does not run the plugin here; the facade lists its side as provider)

    # the agreement may cover more sites: the village is then managed by the company (its link)
    r = t.admin.put(f"{P}/agreements/{agreement['id']}",
                    json={**BODY, "service_link_id": link, "site_ids": [ids["site"], ids["village"]]})
    assert r.status_code == 200, r.get_json()
    village = t.admin.get(f"{P}/sites/{ids['village']}/management").get_json()
    assert (village["manager"], village["service_link_id"], village["company_name"], village["by_link"]) == (
        "company", link, "海景物业", False)
    own = t.admin.get(f"{P}/sites/{ids['site']}/management").get_json()
    assert (own["manager"], own["service_link_id"], own["by_link"], own["link_in_force"]) == (
        "company", link, True, True)

    # the link ends: the agreement keeps the partner's name as history, no longer in force
    assert t.admin.post(f"{LINKS}/{link}/revoke", json={"reason": "合同到期"}).status_code == 200
    after = t.admin.get(f"{P}/agreements/{agreement['id']}").get_json()
    assert (after["company_name"], after["link_in_force"], after["service_link_id"]) == ("海景物业", False, link)
    listed = t.admin.get(agreements).get_json()["items"]
    assert [(a["company_name"], a["link_in_force"]) for a in listed] == [("海景物业", False)]
    # and changing it needs a link in force
    r = t.admin.put(f"{P}/agreements/{agreement['id']}", json={**BODY, "service_link_id": link})
    assert r.status_code == 422 and "service_link_id" in _errors(r)


def test_coverage_follows_the_links_and_flags_companies_without_one(street, wuye_service_link, wuye_app):
    t, ids, company = street, street.ids, street.company
    c = ids["community"]
    cover = t.admin.get(f"{P}/communities/{c}/coverage").get_json()
    assert (cover["total"], cover["covered"], cover["no_service_link"]) == (3, 0, [])

    link = wuye_service_link(t, ids["site"], company, company.ids["site"])
    cover = t.admin.get(f"{P}/communities/{c}/coverage").get_json()
    by_site = {s["site_id"]: s for s in cover["sites"]}
    # covered by the company with nothing recorded in the plugin
    assert {k: by_site[ids["site"]][k] for k in ("manager", "service_link_id", "company_name", "by_link",
                                                  "no_service_link", "covered", "coordinated")} == {
        "manager": "company", "service_link_id": link, "company_name": "海景物业", "by_link": True,
        "no_service_link": False, "covered": True, "coordinated": False}
    assert cover["covered"] == 1 and [s["name"] for s in cover["uncovered"]] == ["张家湾", "供销社宿舍"]

    # site managers: own team; a company names a link in force of the community
    assert t.admin.put(f"{P}/sites/{ids['village']}/management", json={"manager": "own_team"}).status_code == 200
    r = t.admin.put(f"{P}/sites/{ids['old']}/management", json={"manager": "company"})
    assert r.status_code == 422 and "service_link_id" in _errors(r)
    r = t.admin.put(f"{P}/sites/{ids['old']}/management", json={"manager": "company", "company_name": "x"})
    assert r.status_code == 422 and "company_name" in _errors(r)
    r = t.admin.put(f"{P}/sites/{ids['old']}/management", json={"manager": "company", "service_link_id": 999999})
    assert r.status_code == 422 and "service_link_id" in _errors(r)
    # the linked site's manager is its link: not the own team
    r = t.admin.put(f"{P}/sites/{ids['site']}/management", json={"manager": "own_team"})
    assert r.status_code == 422 and "manager" in _errors(r)

    # a record made before links (a company typed as text) is kept, and flagged
    with wuye_app.app_context():
        from wuye_red_property.models import SiteManagement

        from wuye_core.plugins import db, tenant_context

        with tenant_context(t.id):
            db.session.add(SiteManagement(community_id=c, site_id=ids["old"], manager="company",
                                          company_name="华远物业（旧记录）"))
            db.session.commit()
        db.session.remove()
    cover = t.admin.get(f"{P}/communities/{c}/coverage").get_json()
    by_site = {s["site_id"]: s for s in cover["sites"]}
    assert (by_site[ids["old"]]["company_name"], by_site[ids["old"]]["no_service_link"]) == ("华远物业（旧记录）", True)
    assert [s["site_id"] for s in cover["no_service_link"]] == [ids["old"]]
    assert (cover["covered"], cover["coordinated"], cover["coverage_rate"]) == (3, 1, 1.0)
    shown = t.admin.get(f"{P}/sites/{ids['old']}/management").get_json()
    assert (shown["company_name"], shown["service_link_id"], shown["link_in_force"]) == ("华远物业（旧记录）", None, False)
    page = t.console().get(f"{C}/communities/{c}/coverage").text
    assert "华远物业（旧记录）" in page and "未建立服务关系" in page and "海景物业" in page

    # now it names the link (the company of the neighbouring compound manages it): no longer flagged
    r = t.admin.put(f"{P}/sites/{ids['old']}/management", json={"manager": "company", "service_link_id": link})
    assert r.status_code == 200 and r.get_json()["company_name"] == "海景物业"
    cover = t.admin.get(f"{P}/communities/{c}/coverage").get_json()
    assert cover["no_service_link"] == []
    # the link ends: the linked site is nobody's again, the record naming it is flagged
    assert company.admin.post(f"{LINKS}/{link}/revoke", json={}).status_code == 200
    cover = t.admin.get(f"{P}/communities/{c}/coverage").get_json()
    assert [s["site_id"] for s in cover["uncovered"]] == [ids["site"]]
    assert [(s["site_id"], s["company_name"]) for s in cover["no_service_link"]] == [(ids["old"], "海景物业")]


def test_a_resolution_assigned_to_a_linked_company(street, wuye_service_link):
    t, ids, company = street, street.ids, street.company
    c = ids["community"]
    meeting = t.admin.post(f"{P}/communities/{c}/meetings", json={}).get_json()
    path = f"{P}/meetings/{meeting['id']}/resolutions"
    body = {"text": "清理楼道堆物", "owner_side": "property", "owner_name": "张经理"}
    r = t.admin.post(path, json={**body, "service_link_id": 999999})
    assert r.status_code == 422 and "service_link_id" in _errors(r)
    link = wuye_service_link(t, ids["site"], company, company.ids["site"])
    r = t.admin.post(path, json={**body, "owner_side": "community", "service_link_id": link})
    assert r.status_code == 422 and "service_link_id" in _errors(r)
    plain = t.admin.post(path, json=body).get_json()
    assert (plain["service_link_id"], plain["company_name"], plain["link_in_force"]) == (None, None, False)
    r = t.admin.post(path, json={**body, "service_link_id": link})
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    assert (made["service_link_id"], made["company_name"], made["link_in_force"]) == (link, "海景物业", True)
    ledger = t.admin.get(f"{P}/communities/{c}/resolutions", query_string={"sort": "id"}).get_json()["items"]
    assert [(r["id"], r["company_name"]) for r in ledger] == [(plain["id"], None), (made["id"], "海景物业")]
    detail = t.admin.get(f"{P}/meetings/{meeting['id']}").get_json()
    assert [r["company_name"] for r in detail["resolutions"]] == [None, "海景物业"]

    book = load_workbook(io.BytesIO(t.admin.get(f"{P}/communities/{c}/resolutions.xlsx").data))
    rows = list(book["决议台账"].iter_rows(values_only=True))
    assert rows[0][-1] == "物业公司" and {row[0]: row[-1] for row in rows[1:]} == {plain["id"]: None,
                                                                               made["id"]: "海景物业"}

    # another side cannot own a company's resolution; clearing the company makes it possible
    r = t.admin.patch(f"{P}/resolutions/{made['id']}", json={"owner_side": "community"})
    assert r.status_code == 422 and "service_link_id" in _errors(r)
    r = t.admin.patch(f"{P}/resolutions/{plain['id']}", json={"service_link_id": link})
    assert r.status_code == 200 and r.get_json()["company_name"] == "海景物业"
    r = t.admin.patch(f"{P}/resolutions/{made['id']}", json={"owner_side": "community", "service_link_id": None})
    assert r.status_code == 200 and (r.get_json()["service_link_id"], r.get_json()["company_name"]) == (None, None)
    # the link ends: the resolution keeps the company's name as history
    assert t.admin.post(f"{LINKS}/{link}/revoke", json={}).status_code == 200
    kept = t.admin.get(f"{P}/resolutions/{plain['id']}").get_json()
    assert (kept["company_name"], kept["link_in_force"]) == ("海景物业", False)
    # a follow-up's answer carries the resolution with its company too
    r = t.admin.post(f"{P}/resolutions/{plain['id']}/follow-ups", json={"note": "已清理"})
    assert r.status_code == 201 and r.get_json()["resolution"]["company_name"] == "海景物业"


def test_the_console_chooses_the_company_among_the_links(street, wuye_service_link):
    t, ids, company = street, street.ids, street.company
    c = ids["community"]
    console = t.console()
    page = console.get(f"{C}/communities/{c}/agreements")
    assert page.status_code == 200 and 'href="/console/links"' in page.text and 'name="service_link_id"' not in page.text
    management = console.get(f"{C}/sites/{ids['old']}/management")
    assert 'href="/console/links"' in management.text
    refused = console.post(f"{C}/sites/{ids['old']}/management", data={"manager": "company"})
    assert refused.status_code == 422 and 'id="e-service_link_id"' in refused.text

    link = wuye_service_link(t, ids["site"], company, company.ids["site"])
    page = console.get(f"{C}/communities/{c}/agreements")
    assert f'<option value="{link}">海景物业（街小区）</option>' in page.text
    made = console.post(f"{C}/communities/{c}/agreements", data={
        "service_link_id": str(link), "community_party": "社区党委", "signed_on": "2026-01-05",
        "starts_on": "2026-02-01"})
    assert made.status_code == 303, made.text
    shown = console.get(made.headers["Location"])
    assert "海景物业" in shown.text and f"服务关系 #{link} 生效中" in shown.text
    agreement = t.admin.get(f"{P}/communities/{c}/agreements").get_json()["items"][0]
    assert agreement["site_ids"] == [ids["site"]]
    wrong = console.post(made.headers["Location"], data={
        "service_link_id": str(link), "community_party": "社区党委", "signed_on": "2026-01-05",
        "starts_on": "2026-02-01", "site_ids": str(ids["village"])})
    assert wrong.status_code == 422 and 'id="e-site_ids"' in wrong.text

    # who serves a site: the linked one says so; another names the link
    linked = console.get(f"{C}/sites/{ids['site']}/management")
    assert "海景物业" in linked.text and 'name="manager"' not in linked.text
    made = console.post(f"{C}/sites/{ids['old']}/management", data={"manager": "company",
                                                                    "service_link_id": str(link)})
    assert made.status_code == 303
    assert t.admin.get(f"{P}/sites/{ids['old']}/management").get_json()["service_link_id"] == link

    # a resolution of the meeting assigned to the company
    meeting = t.admin.post(f"{P}/communities/{c}/meetings", json={}).get_json()
    page = console.get(f"{C}/meetings/{meeting['id']}")
    assert 'name="service_link_id"' in page.text
    made = console.post(f"{C}/meetings/{meeting['id']}/resolutions", data={
        "text": "维修单元门禁", "owner_side": "property", "owner_name": "张经理", "service_link_id": str(link)})
    assert made.status_code == 303
    page = console.get(f"{C}/meetings/{meeting['id']}").text
    assert "海景物业" in page
    resolution = t.admin.get(f"{P}/communities/{c}/resolutions").get_json()["items"][0]
    assert resolution["service_link_id"] == link
    assert "海景物业" in console.get(f"{C}/resolutions/{resolution['id']}").text


def test_demo_data_uses_the_links_of_the_community(street, wuye_service_link, wuye_app):
    from wuye_red_property import demo

    from wuye_core.plugins import db, tenant_context

    t, ids, company = street, street.ids, street.company
    c = ids["community"]
    link = wuye_service_link(t, ids["site"], company, company.ids["site"])
    config = t.admin.get(f"/api/v1/communities/{c}/plugins/red_property").get_json()["config"]
    with wuye_app.app_context():
        with tenant_context(t.id):
            demo.build(c, config, _today())
        db.session.remove()
    agreements = t.admin.get(f"{P}/communities/{c}/agreements").get_json()["items"]
    assert [(a["service_link_id"], a["company_name"], a["site_ids"]) for a in agreements] == [
        (link, "海景物业", [ids["site"]])]
    cover = {s["site_id"]: s for s in t.admin.get(f"{P}/communities/{c}/coverage").get_json()["sites"]}
    assert cover[ids["site"]]["company_name"] == "海景物业" and cover[ids["site"]]["coordinated"]
    assert cover[ids["village"]]["manager"] == "own_team" and cover[ids["old"]]["manager"] is None


def test_a_resolution_assigned_to_a_linked_company_is_handed_to_it_and_its_progress_comes_back(
        street, wuye_service_link):
    """#18 item 4: the resolution becomes a hand-off; the company's ticket's steps come back to the
    meeting's ledger as follow-ups (the meeting still decides when the resolution is done)."""
    t, ids, company = street, street.ids, street.company
    link = wuye_service_link(t, ids["site"], company, company.ids["site"])
    meeting = t.admin.post(f"{P}/communities/{ids['community']}/meetings", json={}).get_json()
    made = t.admin.post(f"{P}/meetings/{meeting['id']}/resolutions", json={
        "text": "清理3栋楼道堆物，两周内完成", "owner_side": "property", "owner_name": "张经理",
        "service_link_id": link})
    assert made.status_code == 201, made.get_json()
    resolution = made.get_json()
    assert resolution["handoff_id"]
    [received] = company.admin.get("/api/v1/handoffs", query_string={"direction": "received"}).get_json()["items"]
    assert received["id"] == resolution["handoff_id"] and received["state"] == "delivered"
    ticket = company.admin.get(f"/api/v1/tickets/{received['my_ticket_id']}").get_json()
    assert ticket["title"] == "清理3栋楼道堆物，两周内完成" and ticket["site_id"] == company.ids["site"]
    for action in ("accept", "resolve"):
        r = company.admin.post(f"/api/v1/tickets/{ticket['id']}/transitions", json={"action": action})
        assert r.status_code == 200, r.get_json()
    follow_ups = t.admin.get(f"{P}/resolutions/{resolution['id']}/follow-ups",
                             query_string={"sort": "id"}).get_json()["items"]
    notes = [f["note"] for f in follow_ups]
    assert notes == [f"物业企业已收到（其工单 #{ticket['id']}）。", "物业企业已受理。", "物业企业报告已完成，待联席会议确认。"]
    assert {f["actor"] for f in follow_ups} == {"system"}
    again = t.admin.get(f"{P}/resolutions/{resolution['id']}").get_json()
    assert again["status"] == "in_progress" and again["handoff_id"] == resolution["handoff_id"]
    # changing the resolution does not hand it off a second time
    assert t.admin.patch(f"{P}/resolutions/{resolution['id']}", json={"owner_name": "李经理"}).status_code == 200
    assert len(company.admin.get("/api/v1/handoffs", query_string={"direction": "received"}).get_json()["items"]) == 1
