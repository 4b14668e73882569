"""Service links between tenants (#18 item 1): proposed by one side, accepted by the other, ended
by either, every change in both tenants' audit trails; and the rows two tenants share stay
between those two."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from wuye_core.extensions import db
from wuye_core.links.models import ServiceLink
from wuye_core.tenancy import TenantContextError, tenant_context

LINKS = "/api/v1/service-links"


def _trail(tenant, prefix="link."):
    items = tenant.admin.get("/api/v1/audit", query_string={"action": prefix}).get_json()["items"]
    return [(i["action"], i["target_id"]) for i in items]


@pytest.fixture
def street_and_company(wuye_make_tenant, wuye_register):
    street = wuye_make_tenant("street", kind="subdistrict", name="径河街道")
    company = wuye_make_tenant("company", name="幸福物业")
    return street, wuye_register(street, prefix="街"), company, wuye_register(company, prefix="企")


def test_a_company_proposes_the_street_accepts_and_either_can_end_it(street_and_company):
    street, s_ids, company, c_ids = street_and_company
    proposal = company.admin.post(LINKS, json={"partner": "street", "site_id": c_ids["site"], "note": "共建"})
    assert proposal.status_code == 201, proposal.get_json()
    link = proposal.get_json()
    assert link["state"] == "proposed" and link["my_side"] == "provider" and link["awaiting_me"] is False
    assert link["partner"] == {"id": street.id, "slug": "street", "name": "径河街道"}
    assert link["provider_site_name"] == "企小区" and link["client_site_id"] is None

    # the street sees it waiting for its answer; a third tenant does not see it at all
    seen = street.admin.get(LINKS).get_json()["items"]
    assert [(i["id"], i["my_side"], i["awaiting_me"]) for i in seen] == [(link["id"], "client", True)]
    # the proposer cannot accept its own proposal
    assert company.admin.post(f"{LINKS}/{link['id']}/accept", json={"site_id": c_ids["site"]}).status_code == 403
    # the street names its own site; another tenant's site id is "does not exist"
    wrong = street.admin.post(f"{LINKS}/{link['id']}/accept", json={"site_id": c_ids["site"]})
    assert wrong.status_code == 422 and "site_id" in wrong.get_json()["errors"]["json"]
    accepted = street.admin.post(f"{LINKS}/{link['id']}/accept", json={"site_id": s_ids["site"]})
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["state"] == "accepted"
    assert accepted.get_json()["client_community_id"] == s_ids["community"]
    # one live link per site
    again = company.admin.post(LINKS, json={"partner": "street", "site_id": c_ids["site"]})
    assert again.status_code == 409 and "site_id" in again.get_json()["errors"]["json"]

    ended = street.admin.post(f"{LINKS}/{link['id']}/revoke", json={"reason": "合同到期"})
    assert ended.status_code == 200 and ended.get_json()["state"] == "revoked"
    assert ended.get_json()["ended_by"] == "client" and ended.get_json()["end_reason"] == "合同到期"
    assert street.admin.post(f"{LINKS}/{link['id']}/revoke", json={}).status_code == 409
    # both trails hold all three changes, newest first
    expected = [("link.revoked", str(link["id"])), ("link.accepted", str(link["id"])),
                ("link.proposed", str(link["id"]))]
    assert _trail(street) == expected and _trail(company) == expected


def test_bad_proposals_name_the_field(street_and_company):
    street, s_ids, company, c_ids = street_and_company
    for body, field in (({"partner": "nobody", "site_id": c_ids["site"]}, "partner"),
                        ({"partner": "company", "site_id": c_ids["site"]}, "partner"),  # ourselves
                        ({"partner": "street", "site_id": s_ids["site"]}, "site_id"),  # not our site
                        ({"partner": "street", "site_id": c_ids["site"], "side": "boss"}, "side")):
        r = company.admin.post(LINKS, json=body)
        assert r.status_code == 422, (body, r.get_json())
        assert field in r.get_json()["errors"]["json"], r.get_json()
    clerk = street.user("clerk", "community_staff", [s_ids["community"]])
    assert clerk.post(LINKS, json={"partner": "company", "site_id": s_ids["site"]}).status_code == 403
    assert clerk.get(LINKS).status_code == 200
    worker = street.user("fixer", "worker", [s_ids["community"]])
    assert worker.get(LINKS).status_code == 403


def test_a_declined_proposal_frees_the_site(street_and_company):
    street, s_ids, company, c_ids = street_and_company
    link = company.admin.post(LINKS, json={"partner": "street", "site_id": c_ids["site"]}).get_json()
    assert street.admin.post(f"{LINKS}/{link['id']}/decline", json={"reason": "非本街道"}).get_json()["state"] == "declined"
    assert company.admin.post(LINKS, json={"partner": "street", "site_id": c_ids["site"]}).status_code == 201
    assert _trail(company)[-2:] == [("link.declined", str(link["id"])), ("link.proposed", str(link["id"]))]


def test_shared_rows_stay_between_their_two_tenants(wuye_app, street_and_company, wuye_make_tenant,
                                                    wuye_service_link):
    street, s_ids, company, c_ids = street_and_company
    other = wuye_make_tenant("other")
    link_id = wuye_service_link(street, s_ids["site"], company, c_ids["site"])
    assert other.admin.get(f"{LINKS}/{link_id}").status_code == 404
    assert other.admin.post(f"{LINKS}/{link_id}/revoke", json={}).status_code == 404
    assert other.admin.get(LINKS).get_json()["items"] == []
    with wuye_app.app_context():
        with tenant_context(other.id):
            assert db.session.scalars(select(ServiceLink)).all() == []
        with tenant_context(street.id):
            assert [link.id for link in db.session.scalars(select(ServiceLink))] == [link_id]
            # a shared row must name the current tenant as a party
            db.session.add(ServiceLink(provider_tenant_id=company.id, client_tenant_id=other.id, state="proposed",
                                       proposed_by="provider", proposed_at=db.func.now()))
            with pytest.raises(TenantContextError):
                db.session.flush()
            db.session.rollback()
        with pytest.raises(TenantContextError):  # no tenant: fail closed
            db.session.scalars(select(ServiceLink)).all()


def test_plugins_read_the_links_in_force_from_their_side(wuye_app, street_and_company, wuye_service_link):
    from wuye_core.plugins import service_links

    street, s_ids, company, c_ids = street_and_company
    link_id = wuye_service_link(street, s_ids["site"], company, c_ids["site"])
    with wuye_app.app_context():
        with tenant_context(street.id):
            [mine] = service_links()
            assert (mine.id, mine.my_side, mine.partner_name, mine.my_site_id, mine.partner_site_name,
                    mine.community_id) == (link_id, "client", "幸福物业", s_ids["site"], "企小区", s_ids["community"])
            assert service_links(s_ids["community"]) == [mine] and service_links(s_ids["community"] + 99) == []
        with tenant_context(company.id):
            [theirs] = service_links()
            assert (theirs.my_side, theirs.my_site_id, theirs.partner_site_name, theirs.community_id) == (
                "provider", c_ids["site"], "街小区", None)
    assert street.admin.post(f"{LINKS}/{link_id}/revoke", json={}).status_code == 200
    with wuye_app.app_context(), tenant_context(company.id):
        assert service_links() == []


def test_every_shared_table_forces_its_policy(wuye_app, wuye_backend, wuye_owner_engine):
    if not wuye_backend.is_postgresql:
        pytest.skip("row-level security is a PostgreSQL feature")
    from wuye_core.tenancy.shared import SHARED_MODELS, SHARED_POLICY

    assert ServiceLink in SHARED_MODELS
    with wuye_owner_engine.connect() as conn:
        for model in SHARED_MODELS:
            table = model.__tablename__
            enabled, forced = conn.execute(text(
                "select relrowsecurity, relforcerowsecurity from pg_class where relname = :t"), {"t": table}).one()
            policies = set(conn.execute(text("select policyname from pg_policies where tablename = :t"),
                                        {"t": table}).scalars())
            assert enabled and forced and SHARED_POLICY in policies, table
