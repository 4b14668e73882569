"""Residents' phone numbers and sensitive tags only for the roles that need them (#15, item 6).

tenant_admin, community_staff and plugin roles declaring `Role.sees_personal_data` (the care
worker) see them in full; readonly and plugin roles without the flag (the liaison officer, the
care supervisor) see 138****5678, no sensitive tag, find nobody by phone, and get 403 filtering by
a sensitive tag — on the list, the detail, the household search and the ticket export alike.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from wuye_core.households.personal_data import is_sensitive_tag, mask_phone
from wuye_core.plugins import local_today
from wuye_core.testing import login

PHONE = "13812345678"
MASKED = "138****5678"


@pytest.fixture
def world(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    c = ids["community"]
    for plugin in ("care_visits", "red_property"):
        wuye_enable_plugin(t, plugin, c)
    r = t.admin.post("/api/v1/residents", json={"household_id": ids["household"], "name": "王老太", "phone": PHONE,
                                                "tags": ["党员", "低保户", "独居老人"]})
    assert r.status_code == 201, r.get_json()
    ids["poor"] = r.get_json()["id"]
    r = t.admin.post("/api/v1/tickets", json={
        "community_id": c, "site_id": ids["site"], "channel": "phone", "kind": "repair", "category": "电梯",
        "title": "电梯停运", "reporter_name": "王老太", "reporter_phone": PHONE})
    assert r.status_code == 201, r.get_json()
    ids["ticket"] = r.get_json()["id"]
    clients = {
        "admin": t.admin,
        "staff": t.user("staff", "community_staff", [c]),
        "care_worker": t.user("worker", "care_worker", [c]),
        "readonly": t.user("viewer", "readonly", [c]),
        "liaison": t.user("liaison", "red_property_liaison", [c]),
        "care_supervisor": t.user("boss", "care_supervisor", [c]),
    }
    return ids, clients


FULL = ("admin", "staff", "care_worker")
MASKED_ROLES = ("readonly", "liaison", "care_supervisor")


def _poor(items, ids):
    return next(item for item in items if item["id"] == ids["poor"])


@pytest.mark.parametrize("who", FULL + MASKED_ROLES)
def test_list_and_detail_show_phone_and_sensitive_tags_only_to_roles_that_need_them(world, who):
    ids, clients = world
    client = clients[who]
    r = client.get("/api/v1/residents", query_string={"community_id": ids["community"]})
    assert r.status_code == 200, r.get_json()
    listed = _poor(r.get_json()["items"], ids)
    r = client.get(f"/api/v1/residents/{ids['poor']}")
    assert r.status_code == 200, r.get_json()
    detail = r.get_json()
    for seen in (listed, detail):
        if who in FULL:
            assert seen["phone"] == PHONE and sorted(seen["tags"]) == sorted(["党员", "低保户", "独居老人"]), who
        else:
            # the sensitive tags are left out, not replaced: nothing tells that there were any
            assert seen["phone"] == MASKED and seen["tags"] == ["党员"], who
        assert seen["name"] == "王老太"


@pytest.mark.parametrize("who", FULL + MASKED_ROLES)
def test_a_phone_number_finds_nobody_for_a_masked_role(world, who):
    ids, clients = world
    client = clients[who]
    for path in ("/api/v1/residents", "/api/v1/households"):
        r = client.get(path, query_string={"q": "1381234"})
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["total"] == (1 if who in FULL else 0), (who, path)
        r = client.get(path, query_string={"q": "王老"})  # a name finds them for everyone
        assert r.get_json()["total"] == 1, (who, path)


@pytest.mark.parametrize("who", FULL + MASKED_ROLES)
def test_filtering_by_a_sensitive_tag_is_refused_to_a_masked_role(world, who):
    ids, clients = world
    client = clients[who]
    for path in ("/api/v1/residents", "/api/v1/households"):
        r = client.get(path, query_string={"tag": "低保户", "community_id": ids["community"]})
        if who in FULL:
            assert r.status_code == 200 and r.get_json()["total"] == 1, (who, path, r.get_json())
        else:
            assert r.status_code == 403, (who, path, r.get_json())
            assert list(r.get_json()["errors"]["query"]) == ["tag"]
        r = client.get(path, query_string={"tag": "党员"})  # an ordinary tag: for everyone
        assert r.status_code == 200 and r.get_json()["total"] >= 1, (who, path)


@pytest.mark.parametrize("who", ("staff", "readonly", "liaison"))
def test_ticket_reporter_phone_in_the_api_and_the_export(world, who):
    ids, clients = world
    client = clients[who]
    expected = PHONE if who in FULL else MASKED
    r = client.get(f"/api/v1/tickets/{ids['ticket']}")
    assert r.status_code == 200 and r.get_json()["reporter_phone"] == expected, r.get_json()
    r = client.get("/api/v1/tickets", query_string={"community_id": ids["community"]})
    assert [t["reporter_phone"] for t in r.get_json()["items"]] == [expected]
    today = local_today().isoformat()
    r = client.get("/api/v1/tickets/export.xlsx", query_string={"from": today, "to": today})
    assert r.status_code == 200, r.get_data()[:300]
    rows = list(load_workbook(io.BytesIO(r.get_data()))["工单"].iter_rows(values_only=True))
    column = rows[0].index("联系电话")
    assert [row[column] for row in rows[1:]] == [expected]
    assert PHONE not in repr(rows) or who in FULL


def test_the_roles_flag_and_the_masking_rules():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("027-8888 1234") == "027******1234"
    assert mask_phone("12345") == "*****" and mask_phone(None) is None and mask_phone("") is None
    assert all(is_sensitive_tag(t) for t in ("低保户", "低保边缘户", "特困", "残疾人", "独居老人", "孤寡老人"))
    assert not any(is_sensitive_tag(t) for t in ("党员", "业委会", "网格员", "志愿者"))


def test_masking_is_per_community(world, wuye_app):
    """Staff in one community and readonly in another: full there, masked here — in one list."""
    ids, clients = world
    admin = clients["admin"]

    def made(path, body):
        r = admin.post(path, json=body)
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"]

    c2 = made("/api/v1/communities", {"name": "乙社区", "code": "c2"})
    site = made("/api/v1/sites", {"community_id": c2, "name": "乙小区", "kind": "compound"})
    building = made("/api/v1/buildings", {"site_id": site, "name": "2栋"})
    unit = made("/api/v1/units", {"building_id": building, "number": "201"})
    household = made("/api/v1/households", {"unit_id": unit, "kind": "owner"})
    other = made("/api/v1/residents", {"household_id": household, "name": "李大爷", "phone": "13987654321",
                                       "tags": ["残疾人", "志愿者"]})
    r = admin.post("/api/v1/users", json={"username": "both", "password": "password-123", "roles": [
        {"role": "community_staff", "community_id": ids["community"]}, {"role": "readonly", "community_id": c2}]})
    assert r.status_code == 201, r.get_json()
    staff = login(wuye_app, "acme", "both", "password-123")
    items = {i["id"]: i for i in staff.get("/api/v1/residents", query_string={"per_page": 100}).get_json()["items"]}
    assert items[ids["poor"]]["phone"] == PHONE and "低保户" in items[ids["poor"]]["tags"]
    assert items[other]["phone"] == "139****4321" and items[other]["tags"] == ["志愿者"]
    # by phone: found where they see phones, not where they do not
    assert staff.get("/api/v1/residents", query_string={"q": "1398765"}).get_json()["total"] == 0
    assert staff.get("/api/v1/residents", query_string={"q": "1381234"}).get_json()["total"] == 1
    # a sensitive tag: only where they see it (no community named), 403 for the other one named
    r = staff.get("/api/v1/residents", query_string={"tag": "残疾人"})
    assert r.status_code == 200 and r.get_json()["total"] == 0
    assert staff.get("/api/v1/residents", query_string={"tag": "残疾人", "community_id": c2}).status_code == 403
    assert admin.get("/api/v1/residents", query_string={"tag": "残疾人"}).get_json()["total"] == 1


def test_a_writer_who_sees_them_masked_does_not_overwrite_them(world, monkeypatch):
    """A role that may write the register but does not see personal data (none of the core's; a
    plugin's could be) sends back the masked phone and the tags it saw: the stored ones stay."""
    from wuye_core.auth import roles

    ids, clients = world
    monkeypatch.setitem(roles.TENANT_ROLES, roles.READONLY, (True, True, False))
    viewer = clients["readonly"]
    seen = viewer.get(f"/api/v1/residents/{ids['poor']}").get_json()
    r = viewer.put(f"/api/v1/residents/{ids['poor']}", json={"name": seen["name"], "phone": seen["phone"]})
    assert r.status_code == 422 and list(r.get_json()["errors"]["json"]) == ["phone"]  # never stored masked
    r = viewer.patch(f"/api/v1/residents/{ids['poor']}", json={"tags": [*seen["tags"], "志愿者"]})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["phone"] == MASKED and sorted(r.get_json()["tags"]) == ["党员", "志愿者"]
    stored = clients["admin"].get(f"/api/v1/residents/{ids['poor']}").get_json()
    assert stored["phone"] == PHONE and sorted(stored["tags"]) == sorted(["党员", "低保户", "独居老人", "志愿者"])
    r = clients["admin"].patch(f"/api/v1/residents/{ids['poor']}", json={"tags": ["党员"]})  # who sees them may drop them
    assert r.status_code == 200 and r.get_json()["tags"] == ["党员"]
