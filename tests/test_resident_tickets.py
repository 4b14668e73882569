"""Residents report and follow tickets on their phones (#19 item 2): for one of their own
households only (another household of the community, another tenant's: 404 like none), with
photos (JPEG/PNG/WEBP, limited in number and size), followed in plain words with the promise,
rated once after it is resolved; the ticket is an ordinary one (channel app, SLA, staff's queue)."""

from __future__ import annotations

import io
import json

import pytest

from wuye_core.testing import ApiClient, resident_login

PHONE, NEIGHBOUR = "13800000000", "13900000000"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"\x00" * 64


def resident(app, tenant, phone=PHONE, agree=True) -> ApiClient:
    """A resident signed in with a support-desk code (and agreed to the notice)."""
    return resident_login(app, tenant.slug, phone, agree=agree)


def set_service_phone(tenant, community_id: int, phone: str) -> None:
    """The community's service phone (its config's core section), as its admin sets it."""
    version = tenant.admin.get(f"/api/v1/communities/{community_id}/config").get_json()["version"]
    r = tenant.admin.put(f"/api/v1/communities/{community_id}/config",
                         json={"version": version, "config": {"core": {"service_phone": phone}}})
    assert r.status_code == 200, r.get_json()


@pytest.fixture
def world(wuye_make_tenant, wuye_register):
    """acme's register (张三 of room 101, PHONE) with the service phone 0571-12345 and a neighbour:
    李四 (NEIGHBOUR) of room 102 in the same building."""
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    set_service_phone(tenant, ids["community"], "0571-12345")
    api = tenant.admin
    unit = api.post("/api/v1/units", json={"building_id": ids["building"], "number": "102", "entrance": "1"})
    ids["neighbour_household"] = api.post("/api/v1/households", json={"unit_id": unit.get_json()["id"],
                                                                      "kind": "owner"}).get_json()["id"]
    r = api.post("/api/v1/residents", json={"household_id": ids["neighbour_household"], "name": "李四",
                                            "phone": NEIGHBOUR})
    assert r.status_code == 201, r.get_json()
    return tenant, ids


def report(client, household, **changes):
    body = {"household_id": household, "kind": "repair", "category": "水电维修",
            "description": "厨房水管漏水\n从昨晚开始", **changes}
    return client.post("/api/v1/resident/tickets", json=body)


def staff_ticket(tenant, ids, household):
    r = tenant.admin.post("/api/v1/tickets", json={
        "community_id": ids["community"], "site_id": ids["site"], "household_id": household, "channel": "phone",
        "kind": "complaint", "category": "噪音", "title": "楼上噪音"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def move(tenant, ticket_id, action, **extra):
    r = tenant.admin.post(f"/api/v1/tickets/{ticket_id}/transitions", json={"action": action, **extra})
    assert r.status_code == 200, r.get_json()


def upload(client, ticket_id, *files):
    data = {"photos": [(io.BytesIO(content), name, kind) for content, name, kind in files]}
    return client.post(f"/api/v1/resident/tickets/{ticket_id}/photos", data=data, content_type="multipart/form-data")


def test_a_resident_reports_a_repair_for_their_household_and_follows_it(wuye_app, world):
    tenant, ids = world
    me = resident(wuye_app, tenant)
    options = me.get("/api/v1/resident/tickets/options", query_string={"household_id": ids["household"]}).get_json()
    assert "水电维修" in options["categories"] and options["service_phone"] == "0571-12345"
    assert options["kinds"] == ["repair", "complaint", "inquiry", "suggestion"] and options["max_photos"] == 6

    r = report(me, ids["household"])
    assert r.status_code == 201, r.get_json()
    mine = r.get_json()
    assert mine["title"] == "厨房水管漏水" and mine["status"] == "submitted" and mine["can_rate"] is False
    assert mine["status_label"] == "已提交，等待受理" and mine["service_phone"] == "0571-12345"
    assert mine["promise"]["text"] == "承诺 5 分钟内到场、30 分钟内办结。"
    assert [(s["label"], s["done"]) for s in mine["steps"]] == [
        ("已提交", True), ("已派单", False), ("师傅已到场", False), ("已办结", False)]
    assert mine["steps"][-1]["due_at"] == mine["promise"]["resolve_due_at"]

    # the staff's queue has it like any other: channel app, the reporter from the register, the 5341 deadlines
    staff = tenant.admin.get(f"/api/v1/tickets/{mine['id']}").get_json()
    assert (staff["channel"], staff["household_id"], staff["reporter_name"], staff["reporter_phone"]) == (
        "app", ids["household"], "张三", PHONE)
    assert staff["created_by"].startswith("resident:") and staff["created_by_name"] == "居民"
    assert staff["sla_policy"] == "5341"
    assert staff["unit_id"] is not None and staff["resolve_due_at"] is not None

    move(tenant, mine["id"], "dispatch", team="水电班", note="内部备注：叫老王去")
    mine = me.get(f"/api/v1/resident/tickets/{mine['id']}").get_json()
    assert mine["status_label"] == "已派单"
    assert [s["label"] for s in mine["steps"] if s["done"]] == ["已提交", "已受理", "已派单"] or \
        [s["label"] for s in mine["steps"] if s["done"]] == ["已提交", "已派单"]
    text = json.dumps(mine, ensure_ascii=False)
    assert "内部备注" not in text and "水电班" not in text and "admin" not in text  # no staff, no notes
    move(tenant, mine["id"], "arrive")
    assert me.get(f"/api/v1/resident/tickets/{mine['id']}").get_json()["status_label"] == "师傅已到场"


def test_a_resident_sees_only_their_households_tickets(wuye_app, world, wuye_make_tenant, wuye_register):
    tenant, ids = world
    mine_by_staff = staff_ticket(tenant, ids, ids["household"])
    neighbours = staff_ticket(tenant, ids, ids["neighbour_household"])
    other = wuye_make_tenant("other")
    other_ids = wuye_register(other)  # the same phone lives in the other tenant too
    others = staff_ticket(other, other_ids, other_ids["household"])

    me = resident(wuye_app, tenant)
    reported = report(me, ids["household"]).get_json()["id"]
    listed = me.get("/api/v1/resident/tickets").get_json()
    assert [t["id"] for t in listed["items"]] == [reported, mine_by_staff] and listed["total"] == 2
    assert me.get(f"/api/v1/resident/tickets/{mine_by_staff}").status_code == 200
    for ticket_id in (neighbours, others, 999_999):
        r = me.get(f"/api/v1/resident/tickets/{ticket_id}")
        assert r.status_code == 404, (ticket_id, r.get_json())
        assert me.put(f"/api/v1/resident/tickets/{ticket_id}/rating", json={"rating": 5}).status_code == 404
        assert upload(me, ticket_id, (PNG, "a.png", "image/png")).status_code == 404

    # reporting for the neighbour's household, another tenant's or none: the same 404
    for household in (ids["neighbour_household"], other_ids["household"], 999_999):
        r = report(me, household)
        assert r.status_code == 404 and "household_id" in r.get_json()["errors"]["json"], r.get_json()
        r = me.get("/api/v1/resident/tickets/options", query_string={"household_id": household})
        assert r.status_code == 404
    assert tenant.admin.get("/api/v1/tickets").get_json()["total"] == 3  # nothing was made

    neighbour = resident(wuye_app, tenant, NEIGHBOUR)
    assert [t["id"] for t in neighbour.get("/api/v1/resident/tickets").get_json()["items"]] == [neighbours]
    # the other tenant's resident (the same phone) sees the other tenant's ticket only
    assert [t["id"] for t in resident(wuye_app, other).get("/api/v1/resident/tickets").get_json()["items"]] == [
        others]


def test_what_a_report_must_be(wuye_app, world):
    tenant, ids = world
    assert report(resident(wuye_app, tenant, agree=False), ids["household"]).get_json()["reason"] == \
        "consent_required"
    me = resident(wuye_app, tenant)
    r = report(me, ids["household"], category="不存在的类别")
    assert r.status_code == 422 and "category" in r.get_json()["errors"]["json"]
    r = report(me, ids["household"], kind="dispute")
    assert r.status_code == 422 and "kind" in r.get_json()["errors"]["json"]
    r = report(me, ids["household"], description="   ")
    assert r.status_code == 422 and "description" in r.get_json()["errors"]["json"]
    assert report(me, ids["household"], kind="suggestion", category="绿化").status_code == 201


def test_photos_are_limited_in_type_number_and_size(wuye_app, world):
    tenant, ids = world
    me = resident(wuye_app, tenant)
    ticket_id = report(me, ids["household"]).get_json()["id"]
    r = upload(me, ticket_id, (PNG, "厨房.png", "image/png"), (PNG, "b.png", "image/png"))
    assert r.status_code == 201, r.get_json()
    photos = r.get_json()["photos"]
    assert [p["filename"] for p in photos] == ["厨房.png", "b.png"]
    photo = me.get(f"/api/v1/resident/tickets/{ticket_id}/photos/{photos[0]['id']}")
    assert photo.status_code == 200 and photo.data == PNG and photo.mimetype == "image/png"
    # staff see them with the ticket
    assert tenant.admin.get(f"/api/v1/tickets/{ticket_id}/attachments").get_json()["total"] == 2

    for content, name, kind in ((GIF, "a.gif", "image/gif"), (PDF, "a.pdf", "application/pdf"),
                                (b"#!/bin/sh\n", "evil.png", "image/png"),
                                (b"\x89PNG\r\n\x1a\n" + b"\x00" * (5 * 1024 * 1024), "big.png", "image/png")):
        r = upload(me, ticket_id, (content, name, kind))
        assert r.status_code == 422 and "photos" in r.get_json()["errors"]["files"], (name, r.get_json())
    r = upload(me, ticket_id, *[(PNG, f"{i}.png", "image/png") for i in range(5)])  # 2 + 5 > 6
    assert r.status_code == 422 and r.get_json()["errors"]["files"]["photos"] == ["最多 6 张照片。"]
    assert upload(me, ticket_id, *[(PNG, f"{i}.png", "image/png") for i in range(4)]).status_code == 201
    assert upload(me, ticket_id, (PNG, "7.png", "image/png")).status_code == 422
    assert tenant.admin.get(f"/api/v1/tickets/{ticket_id}/attachments").get_json()["total"] == 6


def test_rating_only_once_the_ticket_is_resolved_and_only_once(wuye_app, world):
    tenant, ids = world
    me = resident(wuye_app, tenant)
    ticket_id = report(me, ids["household"]).get_json()["id"]
    r = me.put(f"/api/v1/resident/tickets/{ticket_id}/rating", json={"rating": 5, "comment": "很快"})
    assert r.status_code == 409 and "rating" in r.get_json()["errors"]["json"]
    move(tenant, ticket_id, "dispatch", team="水电班")
    move(tenant, ticket_id, "resolve")
    mine = me.get(f"/api/v1/resident/tickets/{ticket_id}").get_json()
    assert mine["can_rate"] is True and mine["status_label"] == "已办结"
    assert me.put(f"/api/v1/resident/tickets/{ticket_id}/rating", json={"rating": 6}).status_code == 422
    r = me.put(f"/api/v1/resident/tickets/{ticket_id}/rating", json={"rating": 5, "comment": "很快"})
    assert r.status_code == 200, r.get_json()
    mine = r.get_json()
    assert (mine["status"], mine["rating"], mine["rating_comment"], mine["can_rate"]) == ("closed", 5, "很快", False)
    assert [s["label"] for s in mine["steps"]][-2:] == ["已评价", "已关闭"]
    r = me.put(f"/api/v1/resident/tickets/{ticket_id}/rating", json={"rating": 1})
    assert r.status_code == 409 and r.get_json()["message"] == "您已评价过这张工单。"
    staff = tenant.admin.get(f"/api/v1/tickets/{ticket_id}").get_json()
    assert (staff["status"], staff["rating"]) == ("closed", 5)
