"""Hand-offs (#18 item 3): a ticket taken by one tenant of a service link is handed to the other
side in one action; the partner gets a ticket of its own with what the link allows; each side sees
the other's progress, deadlines and breaches; the receiver may hand it back with a reason; both
directions; a revoked link stops them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wuye_core.events.edge import unit_of_work
from wuye_core.tenancy import tenant_context
from wuye_core.tickets import service as ticket_service


@pytest.fixture
def linked(wuye_make_tenant, wuye_register, wuye_service_link):
    return make_linked(wuye_make_tenant, wuye_register, wuye_service_link)


def make_linked(wuye_make_tenant, wuye_register, wuye_service_link):
    """A street and a company; `link()` has the company serve the street's site (its own 企小区)."""
    street = wuye_make_tenant("street", kind="subdistrict", name="径河街道")
    company = wuye_make_tenant("company", name="幸福物业")
    s_ids, c_ids = wuye_register(street, prefix="街"), wuye_register(company, prefix="企")

    def link(share_contact=False):
        return wuye_service_link(street, s_ids["site"], company, c_ids["site"], share_contact=share_contact)

    return street, s_ids, company, c_ids, link


def ticket(tenant, ids, **extra):
    body = {"community_id": ids["community"], "site_id": ids["site"], "channel": "window", "kind": "complaint",
            "category": "噪音", "title": "楼下施工噪音", "description": "每天早上六点开始", "location": "3栋北侧",
            "reporter_name": "王女士", "reporter_phone": "13800138000", **extra}
    r = tenant.admin.post("/api/v1/tickets", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def hand(tenant, ticket_id, **body):
    return tenant.admin.post(f"/api/v1/tickets/{ticket_id}/handoff", json=body)


def move(tenant, ticket_id, action, **body):
    r = tenant.admin.post(f"/api/v1/tickets/{ticket_id}/transitions", json={"action": action, **body})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def detail(tenant, handoff_id):
    r = tenant.admin.get(f"/api/v1/handoffs/{handoff_id}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def received(tenant):
    return tenant.admin.get("/api/v1/handoffs", query_string={"direction": "received"}).get_json()["items"]


def test_street_hands_a_ticket_to_the_company(linked):
    street, s_ids, company, c_ids, link = linked
    link_id = link()
    mine = ticket(street, s_ids)
    r = hand(street, mine["id"], note="请尽快处理")
    assert r.status_code == 201, r.get_json()
    sent = r.get_json()
    assert sent["my_side"] == "sent" and sent["partner"]["name"] == "幸福物业" and sent["link_id"] == link_id
    assert sent["my_ticket_id"] == mine["id"] and sent["title"] == "楼下施工噪音"

    # delivered after the commit: the company has a ticket of its own, on its own site
    theirs = received(company)
    assert [h["id"] for h in theirs] == [sent["id"]]
    assert theirs[0]["state"] == "delivered" and theirs[0]["my_side"] == "received"
    their_ticket = company.admin.get(f"/api/v1/tickets/{theirs[0]['my_ticket_id']}").get_json()
    assert their_ticket["site_id"] == c_ids["site"] and their_ticket["community_id"] == c_ids["community"]
    assert their_ticket["channel"] == "handoff" and their_ticket["handoff_id"] == sent["id"]
    assert their_ticket["title"] == "楼下施工噪音" and their_ticket["location"] == "3栋北侧"
    assert their_ticket["category"] == "噪音" and "请尽快处理" in their_ticket["description"]
    # no contact without share_contact
    assert their_ticket["reporter_name"] is None and their_ticket["reporter_phone"] is None
    assert their_ticket["arrive_due_at"] is not None

    # the street's ticket shows the hand-off and the partner's ticket with its deadlines
    assert street.admin.get(f"/api/v1/tickets/{mine['id']}").get_json()["handoff_id"] == sent["id"]
    seen = detail(street, sent["id"])
    assert seen["state"] == "delivered"
    assert seen["partner_ticket"]["id"] == their_ticket["id"]
    assert seen["partner_ticket"]["status"] == "submitted"
    assert seen["partner_ticket"]["arrive_due_at"] == their_ticket["arrive_due_at"]
    assert [s["step"] for s in seen["steps"]] == ["sent", "delivered"]
    assert [s["by"] for s in seen["steps"]] == ["me", "partner"]
    # and the company sees the street's deadlines
    assert detail(company, sent["id"])["partner_ticket"]["resolve_due_at"] == mine["resolve_due_at"]

    # one live hand-off per ticket
    again = hand(street, mine["id"])
    assert again.status_code == 409, again.get_json()
    # both trails
    for tenant in (street, company):
        items = tenant.admin.get("/api/v1/audit", query_string={"action": "handoff."}).get_json()["items"]
        assert [(i["action"], i["target_id"]) for i in items] == [("handoff.sent", str(sent["id"]))]
    # the ticket's hand-offs, either side
    assert [h["id"] for h in street.admin.get(f"/api/v1/tickets/{mine['id']}/handoffs").get_json()] == [sent["id"]]
    assert [h["id"] for h in company.admin.get(f"/api/v1/tickets/{their_ticket['id']}/handoffs").get_json()] == \
        [sent["id"]]


def test_contact_travels_only_when_the_link_shares_it_and_the_client_sends(linked):
    street, s_ids, company, c_ids, link = linked
    link(share_contact=True)
    mine = ticket(street, s_ids)
    handoff = hand(street, mine["id"]).get_json()
    their_ticket = company.admin.get(f"/api/v1/tickets/{received(company)[0]['my_ticket_id']}").get_json()
    assert their_ticket["reporter_name"] == "王女士" and their_ticket["reporter_phone"] == "13800138000"
    assert handoff["id"]
    # from the company (the provider) to the street: never the contact
    own = ticket(company, c_ids, category="公共设施", title="小区外道路破损")
    assert hand(company, own["id"]).status_code == 201
    back = received(street)[0]
    street_ticket = street.admin.get(f"/api/v1/tickets/{back['my_ticket_id']}").get_json()
    assert street_ticket["reporter_name"] is None and street_ticket["reporter_phone"] is None


def test_company_hands_to_the_street_and_an_unknown_category_falls_back(linked):
    street, s_ids, company, c_ids, link = linked
    link()
    config = {"tickets": {"categories": ["水电维修", "公共区域", "其他"]}}
    r = street.admin.put(f"/api/v1/communities/{s_ids['community']}/config", json={"version": 1, "config": config})
    assert r.status_code == 200, r.get_json()
    own = ticket(company, c_ids, category="噪音", title="小区门口道路破损", description=None)
    r = hand(company, own["id"])
    assert r.status_code == 201, r.get_json()
    got = received(street)
    assert len(got) == 1 and got[0]["partner"]["name"] == "幸福物业"
    street_ticket = street.admin.get(f"/api/v1/tickets/{got[0]['my_ticket_id']}").get_json()
    assert street_ticket["category"] == "其他" and "噪音" in street_ticket["description"]
    assert street_ticket["site_id"] == s_ids["site"]


def test_progress_is_mirrored_both_ways_with_breaches(linked, wuye_app):
    street, s_ids, company, c_ids, link = linked
    link()
    mine = ticket(street, s_ids)
    handoff_id = hand(street, mine["id"]).get_json()["id"]
    their_id = received(company)[0]["my_ticket_id"]

    move(company, their_id, "accept")
    # the company misses its arrival deadline, the street misses its own too
    for tenant in (company, street):
        with wuye_app.test_request_context(), tenant_context(tenant.id), unit_of_work():
            ticket_service.mark_sla_breaches(datetime.now(UTC) + timedelta(days=2))
    seen = detail(street, handoff_id)
    assert seen["partner_ticket"]["status"] == "accepted" and seen["partner_ticket"]["accepted_at"]
    assert seen["partner_ticket"]["arrive_breached_at"] is not None
    assert seen["partner_ticket"]["resolve_breached_at"] is not None
    # the company sees the street's breaches
    other = detail(company, handoff_id)
    assert other["partner_ticket"]["arrive_breached_at"] is not None
    assert other["partner_ticket"]["resolve_breached_at"] is not None

    move(company, their_id, "resolve", note="已协调施工方")
    r = company.admin.put(f"/api/v1/tickets/{their_id}/rating", json={"rating": 5})
    assert r.status_code == 200, r.get_json()
    seen = detail(street, handoff_id)
    assert seen["state"] == "closed" and seen["partner_ticket"]["status"] == "closed"
    assert seen["partner_ticket"]["rating"] == 5 and seen["partner_ticket"]["resolved_at"]
    partner_steps = [s["step"] for s in seen["steps"] if s["by"] == "partner"]
    assert partner_steps == ["delivered", "accepted", "breached", "breached", "resolved", "rated", "closed"]
    # the street's own progress shows on the company's side
    move(street, mine["id"], "accept")
    assert detail(company, handoff_id)["partner_ticket"]["status"] == "accepted"


def test_a_priority_change_moves_the_mirrored_deadlines(linked, wuye_app):
    """Either side raises the priority: its deadlines count again from submission, on the
    hand-off too, and a deadline it had missed is missed no longer (the SLA check says so anew)."""
    street, s_ids, company, c_ids, link = linked
    link()
    mine = ticket(street, s_ids)
    handoff_id = hand(street, mine["id"]).get_json()["id"]
    their_id = received(company)[0]["my_ticket_id"]
    with wuye_app.test_request_context(), tenant_context(company.id), unit_of_work():
        ticket_service.mark_sla_breaches(datetime.now(UTC) + timedelta(days=2))
    before = detail(street, handoff_id)["partner_ticket"]
    assert before["arrive_breached_at"] is not None

    r = company.admin.patch(f"/api/v1/tickets/{their_id}", json={"priority": "major"})  # 5341: 4 h to resolve
    assert r.status_code == 200, r.get_json()
    theirs = company.admin.get(f"/api/v1/tickets/{their_id}").get_json()
    seen = detail(street, handoff_id)
    assert seen["partner_ticket"]["arrive_due_at"] == theirs["arrive_due_at"]
    assert seen["partner_ticket"]["resolve_due_at"] == theirs["resolve_due_at"] != before["resolve_due_at"]
    assert seen["partner_ticket"]["arrive_breached_at"] is None
    assert seen["partner_ticket"]["resolve_breached_at"] is None
    assert [(x["step"], x["note"]) for x in seen["steps"] if x["by"] == "partner"][-1] == ("deadlines", "major")

    # the street raises its own: the company sees the street's new deadlines
    r = street.admin.patch(f"/api/v1/tickets/{mine['id']}", json={"priority": "complex"})
    assert r.status_code == 200, r.get_json()
    ours = street.admin.get(f"/api/v1/tickets/{mine['id']}").get_json()
    other = detail(company, handoff_id)["partner_ticket"]
    assert (other["arrive_due_at"], other["resolve_due_at"]) == (ours["arrive_due_at"], ours["resolve_due_at"])


def test_the_company_hands_it_back_with_a_reason(linked):
    street, s_ids, company, c_ids, link = linked
    link()
    mine = ticket(street, s_ids)
    handoff_id = hand(street, mine["id"]).get_json()["id"]
    their_id = received(company)[0]["my_ticket_id"]
    path = f"/api/v1/handoffs/{handoff_id}/return"
    r = company.admin.post(path, json={})
    assert r.status_code == 422 and "reason" in r.get_json()["errors"]["json"], r.get_json()
    # the sender cannot hand it back
    assert street.admin.post(path, json={"reason": "x"}).status_code == 403
    r = company.admin.post(path, json={"reason": "不属于本公司服务范围"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "returned"
    assert company.admin.get(f"/api/v1/tickets/{their_id}").get_json()["status"] == "cancelled"
    seen = detail(street, handoff_id)
    assert seen["state"] == "returned" and seen["returned_reason"] == "不属于本公司服务范围"
    assert seen["steps"][-1]["step"] == "returned"
    # the street's ticket is still open, theirs again: it may be handed off once more
    again = street.admin.get(f"/api/v1/tickets/{mine['id']}").get_json()
    assert again["status"] == "submitted" and again["handoff_id"] is None
    for tenant in (street, company):
        items = tenant.admin.get("/api/v1/audit", query_string={"action": "handoff."}).get_json()["items"]
        assert [i["action"] for i in items] == ["handoff.returned", "handoff.sent"]
    assert company.admin.post(path, json={"reason": "again"}).status_code == 409


def test_a_revoked_link_stops_hand_offs(linked):
    street, s_ids, company, c_ids, link = linked
    no_link = hand(street, ticket(street, s_ids)["id"])
    assert no_link.status_code == 409, no_link.get_json()
    link_id = link()
    r = street.admin.post(f"/api/v1/service-links/{link_id}/revoke", json={"reason": "合同到期"})
    assert r.status_code == 200
    assert hand(street, ticket(street, s_ids)["id"]).status_code == 409


def test_who_may_hand_off_and_read(linked, wuye_make_tenant, wuye_register):
    street, s_ids, company, c_ids, link = linked
    link()
    mine = ticket(street, s_ids)
    reader = street.user("reader", "readonly", [s_ids["community"]])
    assert reader.post(f"/api/v1/tickets/{mine['id']}/handoff", json={}).status_code == 403
    handoff_id = hand(street, mine["id"]).get_json()["id"]
    assert reader.get(f"/api/v1/handoffs/{handoff_id}").status_code == 200
    worker = street.user("fixer", "worker", [s_ids["community"]])
    assert worker.get("/api/v1/handoffs").status_code == 403
    assert worker.get(f"/api/v1/handoffs/{handoff_id}").status_code == 404
    # a third tenant sees nothing
    third = wuye_make_tenant("third")
    wuye_register(third)
    assert third.admin.get(f"/api/v1/handoffs/{handoff_id}").status_code == 404
    assert third.admin.get("/api/v1/handoffs").get_json()["items"] == []
    assert third.admin.post(f"/api/v1/handoffs/{handoff_id}/return", json={"reason": "x"}).status_code == 404


def test_nobody_creates_a_hand_off_ticket_by_hand(linked):
    street, s_ids, *_ = linked
    body = {"community_id": s_ids["community"], "site_id": s_ids["site"], "channel": "handoff", "kind": "complaint",
            "category": "噪音", "title": "冒充的转办"}
    r = street.admin.post("/api/v1/tickets", json=body)
    assert r.status_code == 422, r.get_json()
    assert "/handoff" in r.get_json()["errors"]["json"]["channel"][0]
    assert street.admin.get("/api/v1/tickets").get_json()["total"] == 0
