"""Supervision through the API (#18 item 2): a street reads, read-only, the tickets, history,
ratings and KPIs of a linked company for the linked sites, residents' data masked, every read in
the company's trail; nothing after the link ends; nothing for a worker or another community's
clerk. Street-wide figures (item 5): our own row and each company's per community, and the
workbook."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

P = "/api/v1/supervision/providers"
NAME, PHONE = "王小明", "13912345678"
HIDDEN = ("reporter_phone", "reporter_resident_id", "household_id", "unit_id", "building_id", "assignee_id",
          "created_by", "team", "actor", "site_id", "community_id", "attachments")


def _ticket(tenant, community, site, title, *, steps=(), kind="repair", rating=None):
    r = tenant.admin.post("/api/v1/tickets", json={
        "community_id": community, "site_id": site, "channel": "phone", "kind": kind, "category": "电梯",
        "title": title, "reporter_name": NAME, "reporter_phone": PHONE})
    assert r.status_code == 201, r.get_json()
    tid = r.get_json()["id"]
    for step in steps:
        body = {"action": step, **({"team": "维修一班"} if step == "dispatch" else {})}
        r = tenant.admin.post(f"/api/v1/tickets/{tid}/transitions", json=body)
        assert r.status_code == 200, (step, r.get_json())
    if rating:
        r = tenant.admin.put(f"/api/v1/tickets/{tid}/rating", json={"rating": rating, "comment": "不错"})
        assert r.status_code == 200, r.get_json()
    return tid


@pytest.fixture
def linked(wuye_make_tenant, wuye_register, wuye_service_link):
    street = wuye_make_tenant("street", kind="subdistrict", name="径河街道")
    company = wuye_make_tenant("company", name="幸福物业")
    s_ids, c_ids = wuye_register(street, prefix="街"), wuye_register(company, prefix="企")
    # the company's other community and site: not linked
    other_c = company.admin.post("/api/v1/communities", json={"name": "别处社区", "code": "c2"}).get_json()["id"]
    other_site = company.admin.post("/api/v1/sites", json={"community_id": other_c, "name": "别处小区",
                                                           "kind": "compound"}).get_json()["id"]
    s_other_c = street.admin.post("/api/v1/communities", json={"name": "二社区", "code": "c2"}).get_json()["id"]
    link = wuye_service_link(street, s_ids["site"], company, c_ids["site"])
    c, s = c_ids["community"], c_ids["site"]
    inside = [
        _ticket(company, c, s, "电梯停运", steps=("accept",)),
        _ticket(company, c, s, "楼道灯坏", steps=("accept", "dispatch", "arrive", "resolve"), rating=4),
        _ticket(company, c, s, "噪音投诉", kind="complaint", steps=("cancel",)),
    ]
    outside = _ticket(company, other_c, other_site, "别处的工单")
    own = _ticket(street, s_ids["community"], s_ids["site"], "街道自己的工单")
    return {"street": street, "company": company, "s_ids": s_ids, "c_ids": c_ids, "link": link, "inside": inside,
            "outside": outside, "own": own, "s_other_community": s_other_c}


def _trail(company):
    return company.admin.get("/api/v1/audit", query_string={"action": "supervision.", "per_page": 100}).get_json()["items"]


def _clean(body: str):
    assert PHONE not in body and PHONE[-4:] not in body and NAME not in body and "别处" not in body


def test_the_street_reads_the_linked_sites_tickets_masked(linked):
    street, company, s_ids = linked["street"], linked["company"], linked["s_ids"]
    providers = street.admin.get(P)
    assert providers.status_code == 200, providers.get_json()
    [provider] = providers.get_json()["items"]
    assert provider["id"] == company.id and provider["name"] == "幸福物业"
    assert [(x["site_id"], x["site_name"], x["provider_site_name"]) for x in provider["links"]] == [
        (s_ids["site"], "街小区", "企小区")] and provider["links"][0]["since"]

    r = street.admin.get(f"{P}/{company.id}/tickets")
    assert r.status_code == 200, r.get_json()
    page = r.get_json()
    assert sorted(t["id"] for t in page["items"]) == sorted(linked["inside"]) and page["total"] == 3
    _clean(r.get_data(as_text=True))
    for item in page["items"]:
        assert item["reporter_name"] == "王**" and not set(HIDDEN) & set(item), item
        assert (item["client_site_id"], item["client_site_name"], item["client_community_id"]) == (
            s_ids["site"], "街小区", s_ids["community"])
    # the core's filters, our site for theirs
    assert [t["id"] for t in street.admin.get(f"{P}/{company.id}/tickets", query_string={
        "status": "resolved", "site_id": s_ids["site"]}).get_json()["items"]] == []
    closed = street.admin.get(f"{P}/{company.id}/tickets", query_string={"status": "closed"}).get_json()
    assert [t["id"] for t in closed["items"]] == [linked["inside"][1]]
    assert [t["id"] for t in street.admin.get(f"{P}/{company.id}/tickets", query_string={
        "q": "楼道", "sort": "id"}).get_json()["items"]] == [linked["inside"][1]]
    assert street.admin.get(f"{P}/{company.id}/tickets", query_string={"kind": "complaint"}).get_json()["total"] == 1
    wrong = street.admin.get(f"{P}/{company.id}/tickets", query_string={"site_id": linked["c_ids"]["site"]})
    assert wrong.status_code == 422 and "site_id" in wrong.get_json()["errors"]["query"]

    detail = street.admin.get(f"{P}/{company.id}/tickets/{linked['inside'][1]}")
    assert detail.status_code == 200, detail.get_json()
    d = detail.get_json()
    _clean(detail.get_data(as_text=True))
    assert [s["action"] for s in d["history"]] == ["submit", "accept", "dispatch", "arrive", "resolve", "rate", "close"]
    assert all("actor" not in s and "actor_name" not in s for s in d["history"])
    assert [(x["rating"], x["comment"]) for x in d["ratings"]] == [(4, "不错")] and d["rating"] == 4
    assert not set(HIDDEN) & set(d)
    assert street.admin.get(f"{P}/{company.id}/tickets/{linked['outside']}").status_code == 404
    assert street.admin.get(f"{P}/{company.id}/tickets/{linked['own']}").status_code == 404  # our own: not theirs

    trail = _trail(company)
    reads = [(i["action"], i["target_id"]) for i in trail]
    assert ("supervision.read", f"ticket {linked['inside'][1]}") in reads
    assert sum(1 for _, what in reads if what == "tickets") == 5  # each list read (the 422 one is not kept)
    assert all(i["actor_name"] == "admin" for i in trail)
    assert _trail(street) == []


def test_nothing_once_the_link_ends(linked):
    street, company = linked["street"], linked["company"]
    assert company.admin.post(f"/api/v1/service-links/{linked['link']}/revoke", json={"reason": "到期"}).status_code == 200
    assert street.admin.get(P).get_json()["items"] == []
    for path in (f"{P}/{company.id}/tickets", f"{P}/{company.id}/tickets/{linked['inside'][0]}", f"{P}/{company.id}/kpis"):
        r = street.admin.get(path)
        assert r.status_code == 404, (path, r.get_json())


def test_a_worker_or_another_communitys_clerk_reads_nothing(linked):
    street, company, s_ids = linked["street"], linked["company"], linked["s_ids"]
    worker = street.user("w", "worker", [s_ids["community"]])
    for path in (P, f"{P}/{company.id}/tickets", f"{P}/{company.id}/tickets/{linked['inside'][0]}",
                 "/api/v1/supervision/street-figures"):
        assert worker.get(path).status_code == 403, path
    clerk = street.user("c2", "community_staff", [linked["s_other_community"]])
    assert clerk.get(P).get_json()["items"] == []
    for path in (f"{P}/{company.id}/tickets", f"{P}/{company.id}/tickets/{linked['inside'][0]}",
                 f"{P}/{company.id}/kpis"):
        assert clerk.get(path).status_code == 404, path
    here = street.user("c1", "readonly", [s_ids["community"]])
    assert here.get(f"{P}/{company.id}/tickets").get_json()["total"] == 3
    # the company itself is no client of its own: 404
    assert company.admin.get(f"{P}/{company.id}/tickets").status_code == 404


FIGURES = ("total", "open", "by_kind", "by_category", "by_status", "by_priority", "response", "resolution",
           "completion_rate", "complaint_closure_rate", "resolve_sla_rate", "arrive_sla_rate", "satisfaction",
           "reopened_rate")


def test_kpis_are_the_companys_own_over_the_same_tickets(linked):
    street, company = linked["street"], linked["company"]
    # the linked site is alone in its community: the company's community KPIs are over the same tickets
    theirs = company.admin.get(f"/api/v1/communities/{linked['c_ids']['community']}/kpis").get_json()
    r = street.admin.get(f"{P}/{company.id}/kpis")
    assert r.status_code == 200, r.get_json()
    ours = r.get_json()
    assert {k: ours[k] for k in FIGURES} == {k: theirs[k] for k in FIGURES}
    assert ours["total"] == 3 and ours["completion_rate"]["numerator"] == 1 and ours["satisfaction"]["average"] == 4
    assert ours["period"] == theirs["period"] and "community_ids" not in ours
    assert [s["site_name"] for s in ours["sites"]] == ["街小区"]
    same = street.admin.get(f"{P}/{company.id}/kpis", query_string={"site_id": linked["s_ids"]["site"]}).get_json()
    assert same["total"] == 3
    assert ("supervision.read", "kpis") in [(i["action"], i["target_id"]) for i in _trail(company)]


def test_street_figures_by_community_and_organisation(linked):
    street, company, s_ids = linked["street"], linked["company"], linked["s_ids"]
    r = street.admin.get("/api/v1/supervision/street-figures")
    assert r.status_code == 200, r.get_json()
    rows = r.get_json()["rows"]
    summary = [(x["community_name"], x["organisation"], x["organisation_name"], x["total"], x["open_now"])
               for x in rows]
    assert summary == [("街社区", "own", "径河街道", 1, 1), ("街社区", "provider", "幸福物业", 3, 1),
                       ("二社区", "own", "径河街道", 0, 0)]
    provider = rows[1]
    theirs = company.admin.get(f"/api/v1/communities/{linked['c_ids']['community']}/kpis").get_json()
    assert {k: provider[k] for k in FIGURES} == {k: theirs[k] for k in FIGURES}
    assert provider["site_names"] == ["街小区"] and provider["provider_id"] == company.id
    own = street.admin.get(f"/api/v1/communities/{s_ids['community']}/kpis").get_json()
    assert {k: rows[0][k] for k in FIGURES} == {k: own[k] for k in FIGURES}
    assert ("supervision.read", f"street-figures {s_ids['community']}") in [
        (i["action"], i["target_id"]) for i in _trail(company)]
    _clean(r.get_data(as_text=True))

    x = street.admin.get("/api/v1/supervision/street-figures.xlsx")
    assert x.status_code == 200 and x.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in x.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(x.get_data()), read_only=True)
    sheet = list(book["街道汇总"].iter_rows(values_only=True))
    assert sheet[0][:4] == ("社区", "服务单位", "类别", "服务小区")
    assert [row[:4] for row in sheet[1:]] == [("街社区", "径河街道", "本单位", None),
                                              ("街社区", "幸福物业", "服务企业", "街小区"),
                                              ("二社区", "径河街道", "本单位", None)]
    assert sheet[2][7] == 3

    # a clerk of the other community: its own row only, no company's
    clerk = street.user("c2", "community_staff", [linked["s_other_community"]])
    assert [(x["community_name"], x["organisation"]) for x in
            clerk.get("/api/v1/supervision/street-figures").get_json()["rows"]] == [("二社区", "own")]
    bad = street.admin.get("/api/v1/supervision/street-figures", query_string={"from": "2026-02-01", "to": "2026-01-01"})
    assert bad.status_code == 422
