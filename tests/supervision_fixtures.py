"""A company serving one of tenant A's sites through an accepted link, with a ticket there: the ids
the supervision pages' path parameters name (`provider_id`, `partner_ticket_id`), for the tests
that walk every console page with A's ids (tests/console/test_console_isolation.py `a_ids`)."""

from __future__ import annotations

from wuye_core.extensions import db
from wuye_core.testing import TenantHandle, login


def _company(app, slug: str) -> TenantHandle:
    from wuye_core.tenancy.context import reset_tenant
    from wuye_core.tenants.service import create_tenant

    with app.app_context():
        tenant_id = create_tenant(slug, "服务企业", "company", admin_username="admin",
                                  admin_password="admin-pass-123").id
        db.session.commit()
        db.session.remove()
    reset_tenant()
    return TenantHandle(tenant_id, slug, login(app, slug, "admin", "admin-pass-123"), app)


def supervised_ids(client: TenantHandle, client_site: int) -> dict:
    """A company (slug `<client>-provider`) serving `client_site` of `client`, with one ticket of
    the linked site: {"provider": its tenant id, "partner_ticket": the ticket's id}."""
    company = _company(client.app, f"{client.slug}-provider")
    api = company.admin
    community = api.post("/api/v1/communities", json={"name": "企社区", "code": "p1"}).get_json()["id"]
    site = api.post("/api/v1/sites", json={"community_id": community, "name": "企小区", "kind": "compound"}).get_json()["id"]
    proposal = api.post("/api/v1/service-links", json={"partner": client.slug, "site_id": site, "side": "provider"})
    assert proposal.status_code == 201, proposal.get_json()
    accepted = client.admin.post(f"/api/v1/service-links/{proposal.get_json()['id']}/accept",
                                 json={"site_id": client_site})
    assert accepted.status_code == 200, accepted.get_json()
    ticket = api.post("/api/v1/tickets", json={"community_id": community, "site_id": site, "channel": "phone",
                                               "kind": "repair", "category": "电梯", "title": "电梯停运",
                                               "reporter_name": "赵六", "reporter_phone": "13700000000"})
    assert ticket.status_code == 201, ticket.get_json()
    return {"provider": company.id, "partner_ticket": ticket.get_json()["id"]}
