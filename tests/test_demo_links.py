"""The demo's service link (wuye_core/demo/links.py), run on its own against two tenants shaped
like the demo's: made once (the company proposes, the street accepts), a proposal left by an
interrupted run accepted, a link someone ended never made again. The whole `wuye demo` with its
link: tests/test_cli.py."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")

LINKS = "/api/v1/service-links"


def _site(tenant, community_code: str, name: str) -> int:
    community = tenant.admin.post("/api/v1/communities", json={"name": f"{name}社区", "code": community_code})
    assert community.status_code == 201, community.get_json()
    site = tenant.admin.post("/api/v1/sites", json={"community_id": community.get_json()["id"], "name": name,
                                                    "kind": "compound"})
    assert site.status_code == 201, site.get_json()
    return site.get_json()["id"]


@pytest.fixture
def demo_tenants(wuye_make_tenant):
    street = wuye_make_tenant("jinghe", kind="subdistrict", name="径河街道办事处")
    company = wuye_make_tenant("xinghe", name="星河物业服务有限公司")
    return street, _site(street, "haijingbei", "海景花园"), company, _site(company, "xinghe-haijing", "海景花园")


def _load(app) -> list[dict]:
    from wuye_core.demo.links import load_demo_links
    from wuye_core.tenancy.context import reset_tenant

    with app.app_context():
        made = load_demo_links()
    reset_tenant()
    return made


def _trail(tenant) -> list[str]:
    return [i["action"] for i in tenant.admin.get("/api/v1/audit", query_string={"action": "link."})
            .get_json()["items"]]


def test_made_once_proposed_by_the_company_and_accepted_by_the_street(wuye_app, demo_tenants):
    street, street_site, company, company_site = demo_tenants
    first = _load(wuye_app)
    assert [{k: v for k, v in link.items() if k != "id"} for link in first] == [
        {"provider": "xinghe", "provider_site_id": company_site, "client": "jinghe", "client_site_id": street_site}]
    assert _load(wuye_app) == first  # again: the same link, nothing new
    link = street.admin.get(f"{LINKS}/{first[0]['id']}").get_json()
    assert link["state"] == "accepted" and link["proposed_by"] == "provider" and link["share_contact"] is True
    assert company.admin.get(LINKS).get_json()["total"] == 1
    assert _trail(street) == _trail(company) == ["link.accepted", "link.proposed"]


def test_a_left_proposal_is_accepted_and_an_ended_link_is_not_made_again(wuye_app, demo_tenants):
    street, street_site, company, company_site = demo_tenants
    proposal = company.admin.post(LINKS, json={"partner": "jinghe", "site_id": company_site})
    assert proposal.status_code == 201  # an interrupted run left it
    [made] = _load(wuye_app)
    assert made["id"] == proposal.get_json()["id"] and made["client_site_id"] == street_site
    assert street.admin.post(f"{LINKS}/{made['id']}/revoke", json={"reason": "试一试"}).status_code == 200
    assert _load(wuye_app) == []  # ended by someone trying the demo: left so, and not named
    assert company.admin.get(LINKS).get_json()["total"] == 1


def _load_with_handoffs(app) -> tuple[list[dict], list[dict]]:
    from wuye_core.demo.handoffs import load_demo_handoffs
    from wuye_core.demo.links import load_demo_links
    from wuye_core.tenancy.context import reset_tenant

    with app.app_context():
        links = load_demo_links()
        made = load_demo_handoffs(links)
    reset_tenant()
    return links, made


def _tickets(tenant) -> int:
    return tenant.admin.get("/api/v1/tickets").get_json()["total"]


def test_hand_offs_both_ways_made_once_and_worked_by_the_receiver(wuye_app, demo_tenants):
    street, street_site, company, company_site = demo_tenants
    links, made = _load_with_handoffs(wuye_app)
    assert [(h["from"], h["to"], h["state"]) for h in made] == [("jinghe", "xinghe", "delivered"),
                                                                ("xinghe", "jinghe", "delivered")]
    to_company, to_street = made
    # the street's window complaint: delivered before the command ends, accepted, dispatched, resolved
    seen = street.admin.get(f"/api/v1/handoffs/{to_company['id']}").get_json()
    assert seen["my_side"] == "sent" and seen["partner_ticket"]["status"] == "resolved"
    assert [s["step"] for s in seen["steps"]] == ["sent", "delivered", "accepted", "dispatched", "resolved"]
    theirs = company.admin.get(f"/api/v1/tickets/{to_company['to_ticket_id']}").get_json()
    assert theirs["site_id"] == company_site and theirs["channel"] == "handoff" and theirs["status"] == "resolved"
    assert theirs["reporter_name"] == "刘女士"  # the demo link shares the reporter's contact
    mine = street.admin.get(f"/api/v1/tickets/{to_company['from_ticket_id']}").get_json()
    assert mine["channel"] == "window" and mine["site_id"] == street_site and mine["status"] == "submitted"
    # the company's public-area problem: the street has accepted it, still open
    seen = company.admin.get(f"/api/v1/handoffs/{to_street['id']}").get_json()
    assert seen["partner_ticket"]["status"] == "accepted"
    street_ticket = street.admin.get(f"/api/v1/tickets/{to_street['to_ticket_id']}").get_json()
    assert street_ticket["site_id"] == street_site and street_ticket["reporter_name"] is None
    # both trails hold both hand-offs
    for tenant in (street, company):
        trail = tenant.admin.get("/api/v1/audit", query_string={"action": "handoff."}).get_json()["items"]
        assert sorted(i["target_id"] for i in trail) == sorted(str(h["id"]) for h in made)
    counts = _tickets(street), _tickets(company)
    # again: nothing more
    again_links, again = _load_with_handoffs(wuye_app)
    assert again_links == links and again == made
    assert (_tickets(street), _tickets(company)) == counts
    assert street.admin.get("/api/v1/handoffs").get_json()["total"] == 2


def test_a_hand_off_handed_back_is_left_so(wuye_app, demo_tenants):
    street, street_site, company, company_site = demo_tenants
    _links, made = _load_with_handoffs(wuye_app)
    to_street = made[1]
    r = street.admin.post(f"/api/v1/handoffs/{to_street['id']}/return", json={"reason": "试一试"})
    assert r.status_code == 200, r.get_json()
    _links, again = _load_with_handoffs(wuye_app)
    assert again[1]["id"] == to_street["id"] and again[1]["state"] == "returned"
    assert company.admin.get("/api/v1/handoffs").get_json()["total"] == 2
