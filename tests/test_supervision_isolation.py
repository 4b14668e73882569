"""The cross-tenant probe with a link in force (#18 item 2): A (a company holding the isolation
matrix's SECRET objects, on a site that is NOT linked) serves another site of its community for
B (a street). B's admin walks every /api/v1 route with A's ids: 404 everywhere (403 on platform and
residents' routes), but the supervision routes, which show the linked site's tickets and nothing else — never
the SECRET of the unlinked site, never a phone. The grant admits what the link says, nothing more."""

from __future__ import annotations

import pytest

from tests.test_isolation import (
    PLATFORM_ONLY,
    RESIDENTS,
    SECRET,
    _a_ids,
    _b_setup,
    _fill,
    _linked_ids,
    _request_body,
    _required_query,
    _routes,
)

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")

PHONE = "13987654321"
SUPERVISION = "/api/v1/supervision/"


@pytest.fixture
def a_serves_b(wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_service_link):
    a, b = wuye_make_tenant("tenant-a"), wuye_make_tenant("tenant-b", kind="subdistrict")
    ids = _a_ids(a, wuye_register, wuye_enable_plugin)
    _linked_ids(a, ids, wuye_make_tenant, wuye_register, wuye_service_link)  # A's hand-off with a third tenant
    _b_setup(b, wuye_register, wuye_enable_plugin)
    linked_site = a.admin.post("/api/v1/sites", json={"community_id": ids["community"], "name": "共建小区",
                                                      "kind": "compound"}).get_json()["id"]
    r = a.admin.post("/api/v1/tickets", json={
        "community_id": ids["community"], "site_id": linked_site, "channel": "phone", "kind": "repair",
        "category": "电梯", "title": "共建小区电梯", "reporter_name": "李四", "reporter_phone": PHONE})
    assert r.status_code == 201, r.get_json()
    b_site = b.admin.get("/api/v1/sites").get_json()["items"][0]["id"]
    ids["link"] = wuye_service_link(b, b_site, a, linked_site)
    ids["provider"], ids["tenant"] = a.id, a.id
    return a, b, ids, r.get_json()["id"]


def test_b_sees_the_linked_sites_tickets_and_nothing_else_of_a(wuye_app, a_serves_b):
    a, b, ids, linked_ticket = a_serves_b
    spec = a.admin.get("/api/v1/openapi.json").get_json()
    supervised, checked = [], 0
    for rule in _routes(wuye_app):
        if not rule.arguments or rule.arguments == {"plugin_name"}:
            continue
        path = _fill(rule, ids)
        before = a.admin.get(path, query_string=_required_query(spec, rule, "GET"))
        for method in sorted(rule.methods & {"GET", "PUT", "PATCH", "DELETE"}):
            sample = _request_body(spec, rule, method, before.get_json() if before.status_code == 200 else None)
            response = b.admin.request(method, path, json=sample, query_string=_required_query(spec, rule, method))
            body = response.get_data().decode("utf-8", "replace")
            assert SECRET not in body and PHONE not in body, (method, path)
            checked += 1
            if rule.rule.startswith("/api/v1/service-links/"):
                continue  # the link itself: B is a party to it (tests/test_service_links.py)
            if rule.rule.startswith(SUPERVISION) and method == "GET":
                supervised.append((path, response.status_code))
                continue
            expected = 403 if rule.rule.startswith((*PLATFORM_ONLY, RESIDENTS)) else 404
            assert response.status_code == expected, (method, path, response.status_code, response.get_json())
    answers = dict(supervised)
    base = f"{SUPERVISION}providers/{a.id}"
    assert answers[f"{base}/tickets"] == 200 and answers[f"{base}/kpis"] == 200
    assert answers[f"{base}/tickets/{ids['ticket']}"] == 404  # A's SECRET ticket: its site is not linked
    listed = b.admin.get(f"{base}/tickets").get_json()
    assert [t["id"] for t in listed["items"]] == [linked_ticket] and listed["items"][0]["reporter_name"] == "李*"
    assert b.admin.get(f"{base}/tickets/{linked_ticket}").status_code == 200
    assert b.admin.get(f"{base}/kpis").get_json()["total"] == 1
    # the lists without ids: B's own, and A's only through the grant
    for rule in _routes(wuye_app):
        if rule.arguments or "GET" not in rule.methods:
            continue
        body = b.admin.get(rule.rule).get_data().decode("utf-8", "replace")
        assert SECRET not in body and PHONE not in body, rule.rule
    assert checked >= 20
