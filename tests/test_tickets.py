"""Tickets: lifecycle, dispatch, history, SLA deadlines and breaches, rating, auto-close."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wuye_core.events.edge import unit_of_work
from wuye_core.extensions import db
from wuye_core.tenancy import tenant_context
from wuye_core.tickets import service
from wuye_core.tickets.models import Ticket


def _ticket(api, ids, **extra):
    body = {"community_id": ids["community"], "site_id": ids["site"], "building_id": ids["building"],
            "unit_id": ids["unit"], "household_id": ids["household"], "channel": "phone", "kind": "repair",
            "category": "水电维修", "title": "厨房水管漏水", "description": "楼下天花板渗水"}
    body.update(extra)
    r = api.post("/api/v1/tickets", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_a_tickets_place_must_hang_together(wuye_make_tenant, wuye_register):
    """Site, building, unit, household and reporter: each must exist in the ticket's community and
    lie in its site; the error names the first field that does not."""
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    site2 = t.admin.post("/api/v1/sites", json={"community_id": ids["community"], "name": "二期", "kind": "old"})
    building2 = t.admin.post("/api/v1/buildings", json={"site_id": site2.get_json()["id"], "name": "9栋"}).get_json()
    other = t.admin.post("/api/v1/communities", json={"name": "乙社区", "code": "c2"}).get_json()["id"]
    t.admin.post("/api/v1/sites", json={"community_id": other, "name": "乙小区", "kind": "old"})

    def refused(field, **change):
        body = {"community_id": ids["community"], "site_id": ids["site"], "building_id": ids["building"],
                "unit_id": ids["unit"], "household_id": ids["household"], "reporter_resident_id": ids["resident"],
                "channel": "phone", "kind": "repair", "category": "水电维修", "title": "漏水", **change}
        r = t.admin.post("/api/v1/tickets", json=body)
        assert r.status_code == 422 and list(r.get_json()["errors"]["json"]) == [field], r.get_json()
        return r.get_json()["errors"]["json"][field][0]

    assert refused("building_id", building_id=building2["id"]) != refused("building_id", building_id=999_999)
    refused("site_id", site_id=999_999)
    refused("unit_id", unit_id=999_999)
    refused("household_id", household_id=999_999)
    refused("reporter_resident_id", reporter_resident_id=999_999)
    refused("site_id", community_id=other)  # the site lies in the first community
    assert _ticket(t.admin, ids, reporter_resident_id=ids["resident"])["reporter_resident_id"] == ids["resident"]


def _at(text):
    return datetime.fromisoformat(text)


def test_the_5341_default_sets_deadlines(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    ticket = _ticket(t.admin, ids)
    created = _at(ticket["created_at"])
    assert ticket["status"] == "submitted" and ticket["sla_policy"] == "5341"
    assert _at(ticket["arrive_due_at"]) - created == timedelta(minutes=5)
    assert _at(ticket["resolve_due_at"]) - created == timedelta(minutes=30)
    major = t.admin.patch(f"/api/v1/tickets/{ticket['id']}", json={"priority": "major"}).get_json()
    assert _at(major["resolve_due_at"]) - created == timedelta(hours=4)
    complex_ = _ticket(t.admin, ids, priority="complex")
    assert _at(complex_["resolve_due_at"]) - _at(complex_["created_at"]) == timedelta(days=1)


def test_a_community_sets_its_own_policy_and_categories(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    url = f"/api/v1/communities/{ids['community']}/config"
    r = t.admin.put(url, json={"version": 1, "config": {"tickets": {
        "categories": ["电梯", "门禁"], "sla": {"name": "慢一点", "normal": {"arrive_minutes": 60, "resolve_minutes": None}}}}})
    assert r.status_code == 200, r.get_json()
    ticket = _ticket(t.admin, ids, category="门禁")
    assert ticket["sla_policy"] == "慢一点" and ticket["resolve_due_at"] is None
    assert _at(ticket["arrive_due_at"]) - _at(ticket["created_at"]) == timedelta(hours=1)
    r = t.admin.post("/api/v1/tickets", json={"community_id": ids["community"], "site_id": ids["site"],
                                              "channel": "app", "kind": "repair", "category": "水电维修", "title": "x"})
    assert r.status_code == 422 and "category" in r.get_json()["errors"]["json"]


def test_lifecycle_history_and_illegal_moves(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    worker = t.user("plumber", "community_staff", [ids["community"]])
    worker_id = worker.get("/api/v1/auth/me").get_json()
    users = {u["username"]: u["id"] for u in t.admin.get("/api/v1/users").get_json()["items"]}
    ticket = _ticket(t.admin, ids)
    url = f"/api/v1/tickets/{ticket['id']}"
    bad = t.admin.post(url + "/transitions", json={"action": "resolve"})
    assert bad.status_code == 409
    assert set(bad.get_json()["errors"]["allowed_actions"]) == {"accept", "dispatch", "cancel"}
    assert t.admin.post(url + "/transitions", json={"action": "accept"}).get_json()["status"] == "accepted"
    r = t.admin.post(url + "/transitions", json={"action": "dispatch"})
    assert r.status_code == 422 and "assignee_id" in r.get_json()["errors"]["json"]
    r = t.admin.post(url + "/transitions", json={"action": "dispatch", "assignee_id": users["plumber"]})
    assert r.get_json()["status"] == "dispatched" and r.get_json()["assignee_id"] == users["plumber"]
    mine = worker.get("/api/v1/tickets?mine=true").get_json()
    assert worker_id["username"] == "plumber" and [x["id"] for x in mine["items"]] == [ticket["id"]]
    assert worker.post(url + "/transitions", json={"action": "arrive", "note": "已到场"}).status_code == 200
    assert worker.post(url + "/transitions", json={"action": "resolve"}).get_json()["status"] == "resolved"
    reopened = t.admin.post(url + "/transitions", json={"action": "reopen", "note": "还在漏"}).get_json()
    assert reopened["status"] == "reopened" and reopened["reopened_count"] == 1
    history = [(h["action"], h["from_status"], h["to_status"]) for h in t.admin.get(url + "/transitions?sort=id").get_json()["items"]]
    assert history == [("submit", None, "submitted"), ("accept", "submitted", "accepted"),
                       ("dispatch", "accepted", "dispatched"), ("arrive", "dispatched", "on_site"),
                       ("resolve", "on_site", "resolved"), ("reopen", "resolved", "reopened")]


def test_dispatch_only_to_staff_of_the_community(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    other = t.admin.post("/api/v1/communities", json={"name": "二", "code": "c2"}).get_json()["id"]
    t.user("elsewhere", "community_staff", [other])
    users = {u["username"]: u["id"] for u in t.admin.get("/api/v1/users").get_json()["items"]}
    ticket = _ticket(t.admin, ids)
    r = t.admin.post(f"/api/v1/tickets/{ticket['id']}/transitions", json={"action": "dispatch",
                                                                          "assignee_id": users["elsewhere"]})
    assert r.status_code == 422 and "assignee_id" in r.get_json()["errors"]["json"]


def test_rating_closes_and_is_validated(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    ticket = _ticket(t.admin, ids, kind="complaint", category="噪音")
    url = f"/api/v1/tickets/{ticket['id']}"
    assert t.admin.put(url + "/rating", json={"rating": 5}).status_code == 409  # not resolved yet
    t.admin.post(url + "/transitions", json={"action": "accept"})
    t.admin.post(url + "/transitions", json={"action": "resolve"})
    assert t.admin.put(url + "/rating", json={"rating": 6}).status_code == 422
    rated = t.admin.put(url + "/rating", json={"rating": 4, "comment": "满意"}).get_json()
    assert rated["rating"] == 4 and rated["status"] == "closed"


def test_places_must_be_in_the_tickets_community(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    other = t.admin.post("/api/v1/communities", json={"name": "二", "code": "c2"}).get_json()["id"]
    site2 = t.admin.post("/api/v1/sites", json={"community_id": other, "name": "二小区", "kind": "old"}).get_json()
    r = t.admin.post("/api/v1/tickets", json={"community_id": ids["community"], "site_id": site2["id"],
                                              "channel": "app", "kind": "inquiry", "category": "其他", "title": "?"})
    assert r.status_code == 422 and "site_id" in r.get_json()["errors"]["json"]


def test_sla_breaches_are_marked_once_and_reach_plugins(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    ticket = _ticket(t.admin, ids)
    later = datetime.now(UTC) + timedelta(minutes=10)  # arrival (5 min) missed, resolution (30) not yet
    with wuye_app.test_request_context(), tenant_context(t.id), unit_of_work():  # the job's edge commits
        assert service.mark_sla_breaches(later) == 1
        assert service.mark_sla_breaches(later) == 0
        assert service.mark_sla_breaches(later + timedelta(hours=1)) == 1  # now resolution too
        row = db.session.get(Ticket, ticket["id"])
        assert row.arrive_breached_at is not None and row.resolve_breached_at is not None
    overdue = t.admin.get("/api/v1/tickets?overdue=true").get_json()
    assert overdue["total"] == 0  # not yet overdue in real time
    assert t.admin.get(f"/api/v1/tickets/{ticket['id']}").get_json()["arrive_breached_at"]


def test_the_periodic_sla_check_covers_every_tenant(wuye_app, wuye_make_tenant, wuye_register):
    from wuye_core.tickets import jobs as tasks

    handles = [wuye_make_tenant("acme"), wuye_make_tenant("beta")]
    for t in handles:
        ticket = _ticket(t.admin, wuye_register(t))
        with wuye_app.app_context(), tenant_context(t.id):  # its arrival deadline has passed
            db.session.get(Ticket, ticket["id"]).arrive_due_at = datetime.now(UTC) - timedelta(minutes=1)
            db.session.commit()
    with wuye_app.app_context():
        assert tasks.check_sla() == 2
        assert tasks.check_sla() == 0
    for t in handles:
        assert t.admin.get("/api/v1/tickets?overdue=true").get_json()["total"] == 1


def test_unrated_resolved_tickets_close_after_the_configured_days(wuye_app, wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    ticket = _ticket(t.admin, ids)
    url = f"/api/v1/tickets/{ticket['id']}"
    t.admin.post(url + "/transitions", json={"action": "accept"})
    t.admin.post(url + "/transitions", json={"action": "resolve"})
    with wuye_app.test_request_context(), tenant_context(t.id), unit_of_work():  # the job's edge commits
        assert service.auto_close(datetime.now(UTC) + timedelta(days=6)) == 0
        assert service.auto_close(datetime.now(UTC) + timedelta(days=8)) == 1
    closed = t.admin.get(url).get_json()
    assert closed["status"] == "closed"
    assert t.admin.get(url + "/transitions").get_json()["items"][0]["actor"] == "system"  # the newest


@pytest.mark.parametrize("action", ["accept", "cancel"])
def test_readonly_cannot_move_tickets(wuye_make_tenant, wuye_register, action):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    ticket = _ticket(t.admin, ids)
    viewer = t.user("viewer", "readonly")
    assert viewer.get(f"/api/v1/tickets/{ticket['id']}").status_code == 200
    assert viewer.post(f"/api/v1/tickets/{ticket['id']}/transitions", json={"action": action}).status_code == 403


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_attachments_are_checked_stored_and_served_to_the_tenant_only(wuye_make_tenant, wuye_register):
    import io

    a, b = wuye_make_tenant("acme"), wuye_make_tenant("other")
    ids = wuye_register(a)
    wuye_register(b)
    ticket = _ticket(a.admin, ids)
    url = f"/api/v1/tickets/{ticket['id']}/attachments"

    def upload(client, data, name, mimetype):
        return client.post(url, data={"file": (io.BytesIO(data), name, mimetype)},
                           headers={"Content-Type": "multipart/form-data"}, json=None)

    r = upload(a.admin, PNG, "现场.png", "image/png")
    assert r.status_code == 201, r.get_json()
    attachment = r.get_json()
    assert attachment["content_type"] == "image/png" and attachment["size"] == len(PNG)
    bad = upload(a.admin, b"#!/bin/sh\necho hi\n", "evil.png", "image/png")
    assert bad.status_code == 422 and "file" in bad.get_json()["errors"]["files"]
    lying = upload(a.admin, PNG, "photo.jpg", "image/jpeg")
    assert lying.status_code == 422
    got = a.admin.get(f"{url}/{attachment['id']}")
    assert got.status_code == 200 and got.data == PNG and got.headers["Content-Type"] == "image/png"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert [x["id"] for x in a.admin.get(url).get_json()["items"]] == [attachment["id"]]
    assert b.admin.get(f"{url}/{attachment['id']}").status_code == 404
    assert upload(b.admin, PNG, "x.png", "image/png").status_code == 404


def test_the_assignee_is_notified_once(wuye_app, wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    plumber = t.user("plumber", "community_staff", [ids["community"]])
    users = {u["username"]: u["id"] for u in t.admin.get("/api/v1/users").get_json()["items"]}
    ticket = _ticket(t.admin, ids)
    t.admin.post(f"/api/v1/tickets/{ticket['id']}/transitions", json={"action": "dispatch",
                                                                      "assignee_id": users["plumber"]})
    notes = plumber.get("/api/v1/notifications?unread=true").get_json()
    # community staff is the window by default: told of the new ticket, then of its dispatch to them
    assert notes["total"] == 2 and [n["ticket_id"] for n in notes["items"]] == [ticket["id"]] * 2
    assert [n["kind"] for n in notes["items"]] == ["assigned", "created"]  # newest first
    assert t.admin.get("/api/v1/notifications").get_json()["total"] == 0  # not the admin's
    for note in notes["items"]:
        assert t.admin.put(f"/api/v1/notifications/{note['id']}/read").status_code == 404
        assert plumber.put(f"/api/v1/notifications/{note['id']}/read").status_code == 204
    assert plumber.get("/api/v1/notifications?unread=true").get_json()["total"] == 0
    # a missed deadline on their ticket reaches them too, once (and who dispatched it: the admin)
    with wuye_app.test_request_context(), tenant_context(t.id), unit_of_work():  # the job's edge commits
        service.mark_sla_breaches(datetime.now(UTC) + timedelta(minutes=10))
    kinds = [n["kind"] for n in plumber.get("/api/v1/notifications").get_json()["items"]]
    assert kinds == ["sla_breached", "assigned", "created"]  # newest first
    assert [n["kind"] for n in t.admin.get("/api/v1/notifications").get_json()["items"]] == ["sla_breached"]


def test_a_new_ticket_is_written_with_every_field_the_api_takes():
    """create_ticket writes a fixed list of columns (one statement shape); a field added to
    TicketCreate but not to that list would be accepted and silently dropped."""
    from wuye_core.tickets.schemas import TicketCreate

    assert set(TicketCreate().fields) <= set(service.NEW_TICKET_COLUMNS)
    assert set(service.NEW_TICKET_COLUMNS) <= set(Ticket.__table__.columns.keys())
