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
