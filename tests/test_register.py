"""The housing register through the API: CRUD, paging, filters, search, validation, privacy."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from wuye_core.app import create_app
from wuye_core.testing import login, settings_for

VALID_ID_CARD = "11010519491231002X"


def test_create_read_update_delete_a_site(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    api = t.admin
    r = api.post("/api/v1/sites", json={"community_id": ids["community"], "name": "张家湾", "kind": "village",
                                        "area_m2": 12345.678})
    assert r.status_code == 201
    site = r.get_json()
    assert site["kind"] == "village" and site["area_m2"] == 12345.68 and site["community_id"] == ids["community"]
    assert api.patch(f"/api/v1/sites/{site['id']}", json={"address": "村口"}).get_json()["address"] == "村口"
    # PUT replaces: optional fields left out are cleared
    put = api.put(f"/api/v1/sites/{site['id']}", json={"name": "张家湾村", "kind": "village"}).get_json()
    assert put["address"] is None and put["area_m2"] is None and put["name"] == "张家湾村"
    assert api.delete(f"/api/v1/sites/{site['id']}").status_code == 204
    assert api.get(f"/api/v1/sites/{site['id']}").status_code == 404


def test_children_inherit_their_ancestry(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    resident = t.admin.get(f"/api/v1/residents/{ids['resident']}").get_json()
    assert {k: resident[k] for k in ("community_id", "site_id", "building_id", "household_id")} == {
        "community_id": ids["community"], "site_id": ids["site"], "building_id": ids["building"],
        "household_id": ids["household"]}


def test_parents_cannot_be_changed_after_creation(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    r = t.admin.patch(f"/api/v1/buildings/{ids['building']}", json={"site_id": 123})
    assert r.status_code == 422 and "site_id" in r.get_json()["errors"]["json"]


def test_deleting_a_parent_with_children_is_refused_and_loses_nothing(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    for kind in ("community", "site", "building", "unit", "household"):
        plural = {"community": "communities"}.get(kind, kind + "s")
        r = t.admin.delete(f"/api/v1/{plural}/{ids[kind]}")
        assert r.status_code == 409, kind
        assert r.get_json()["message"]
    assert t.admin.get(f"/api/v1/residents/{ids['resident']}").status_code == 200
    assert t.admin.delete(f"/api/v1/residents/{ids['resident']}").status_code == 204
    assert t.admin.delete(f"/api/v1/households/{ids['household']}").status_code == 204


def _households(t, community_id, count):
    site = t.admin.post("/api/v1/sites", json={"community_id": community_id, "name": "页", "kind": "old"}).get_json()
    building = t.admin.post("/api/v1/buildings", json={"site_id": site["id"], "name": "1栋"}).get_json()
    ids = []
    for n in range(count):
        unit = t.admin.post("/api/v1/units", json={"building_id": building["id"], "number": str(100 + n)}).get_json()
        ids.append(t.admin.post("/api/v1/households", json={"unit_id": unit["id"], "kind": "renter"}).get_json()["id"])
    return site["id"], building["id"], ids


def test_pagination_is_stable_and_has_a_total(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    _, _, created = _households(t, ids["community"], 7)
    seen = []
    for page in (1, 2, 3):
        body = t.admin.get(f"/api/v1/households?per_page=3&page={page}").get_json()
        assert body["total"] == 8 and body["page"] == page and body["per_page"] == 3
        seen += [h["id"] for h in body["items"]]
    assert seen == sorted(seen, reverse=True) and set(seen) == set(created) | {ids["household"]}  # newest first
    assert t.admin.get("/api/v1/households?page=99").get_json()["items"] == []
    for bad in ("per_page=0", "per_page=101", "page=0", "page=abc"):
        r = t.admin.get(f"/api/v1/households?{bad}")
        assert r.status_code == 422, bad
        assert bad.split("=")[0] in r.get_json()["errors"]["query"]


def test_list_totals_follow_writes_at_once_here_and_within_the_cache_time_elsewhere(wuye_backend, wuye_app, wuye_make_tenant, wuye_register,
                                                                                  wuye_plugin_entry_points):
    """Totals are remembered per worker for `list_total_cache_seconds`: the worker that wrote
    forgets at once (also after a resident's tag changes a filtered total), another within those seconds."""
    other_worker = create_app(settings_for(wuye_backend, list_total_cache_seconds=1),
                              plugin_entry_points=wuye_plugin_entry_points)
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    there = login(other_worker, "acme", "admin", "admin-pass-123")
    assert t.admin.get("/api/v1/households").get_json()["total"] == 1
    assert t.admin.get("/api/v1/households?tag=党员").get_json()["total"] == 1
    assert there.get("/api/v1/households").get_json()["total"] == 1
    _households(t, ids["community"], 2)
    assert t.admin.patch(f"/api/v1/residents/{ids['resident']}", json={"tags": []}).status_code == 200
    assert t.admin.get("/api/v1/households").get_json()["total"] == 3
    assert t.admin.get("/api/v1/households?tag=党员").get_json()["total"] == 0
    stale = there.get("/api/v1/households").get_json()
    assert stale["total"] == 1 and len(stale["items"]) == 3  # the rows themselves are always fresh
    time.sleep(1.1)
    assert there.get("/api/v1/households").get_json()["total"] == 3


def test_filters_by_community_site_building_and_tag(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    site, building, created = _households(t, ids["community"], 3)
    api = t.admin
    assert api.get(f"/api/v1/households?site_id={site}").get_json()["total"] == 3
    assert api.get(f"/api/v1/households?building_id={ids['building']}").get_json()["total"] == 1
    assert api.get(f"/api/v1/households?community_id={ids['community']}").get_json()["total"] == 4
    assert api.get(f"/api/v1/units?building_id={building}&q=101").get_json()["total"] == 1
    api.post("/api/v1/residents", json={"household_id": created[0], "name": "李四", "phone": "13912345678",
                                        "tags": ["业委会", "党员"]})
    api.post("/api/v1/residents", json={"household_id": created[1], "name": "王五", "tags": []})
    assert api.get("/api/v1/residents?tag=党员").get_json()["total"] == 2
    assert [r["name"] for r in api.get("/api/v1/residents?tag=业委会").get_json()["items"]] == ["李四"]
    assert api.get("/api/v1/households?tag=业委会").get_json()["items"][0]["id"] == created[0]
    assert api.get(f"/api/v1/residents?site_id={site}").get_json()["total"] == 2


def test_search_by_name_or_phone(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    api = t.admin
    api.post("/api/v1/residents", json={"household_id": ids["household"], "name": "李小红", "phone": "13912345678"})
    assert [r["name"] for r in api.get("/api/v1/residents?q=小红").get_json()["items"]] == ["李小红"]
    assert [r["name"] for r in api.get("/api/v1/residents?q=1391234").get_json()["items"]] == ["李小红"]
    assert api.get("/api/v1/residents?q=%25").get_json()["total"] == 0  # % is text, not a wildcard
    assert api.get("/api/v1/households?q=李小红").get_json()["total"] == 1


def test_tags_are_replaced_not_appended(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    url = f"/api/v1/residents/{ids['resident']}"
    assert t.admin.patch(url, json={"tags": ["网格员", "网格员", "业委会"]}).get_json()["tags"] == ["业委会", "网格员"]
    assert t.admin.patch(url, json={"tags": []}).get_json()["tags"] == []


def test_id_card_is_encrypted_at_rest_and_shown_masked(wuye_make_tenant, wuye_register, wuye_owner_engine, wuye_backend):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    r = t.admin.patch(f"/api/v1/residents/{ids['resident']}", json={"id_card": VALID_ID_CARD})
    body = r.get_json()
    assert r.status_code == 200 and "id_card" not in body
    assert body["id_card_masked"] == "110***********002X"
    with wuye_owner_engine.connect() as conn:
        if wuye_backend.is_postgresql:
            conn.execute(text("select set_config('app.tenant_id', :t, false)"), {"t": str(t.id)})
        stored = conn.execute(text("select id_card from residents")).scalar()
    assert stored and VALID_ID_CARD not in stored and "002X" not in stored
    bad = t.admin.patch(f"/api/v1/residents/{ids['resident']}", json={"id_card": "110105194912310021"})
    assert bad.status_code == 422 and "id_card" in bad.get_json()["errors"]["json"]


def test_validation_errors_name_every_field(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    r = t.admin.post("/api/v1/residents", json={
        "household_id": ids["household"], "name": "", "phone": "call me", "gender": "x", "birth_year": 1800,
        "tags": ["a" * 21], "nickname": "unknown field"})
    assert r.status_code == 422
    errors = r.get_json()["errors"]["json"]
    assert set(errors) == {"name", "phone", "gender", "birth_year", "tags", "nickname"}
    assert t.admin.get("/api/v1/residents").get_json()["total"] == 1  # nothing half-stored


@pytest.mark.parametrize("payload", [
    None, [], "text", 12, {"community_id": "1"}, {"community_id": 2**40, "name": "x", "kind": "old"},
    {"community_id": -5, "name": "x", "kind": "old"}, {"community_id": 1, "name": "x\u0000y", "kind": "old"},
    {"community_id": 1, "name": "x" * 10_000, "kind": "old"}, {"community_id": 1, "name": "x", "kind": "old",
                                                             "area_m2": "NaN"},
    {"community_id": 1, "name": "x", "kind": "old", "area_m2": 1e300}, {"community_id": None},
])
def test_garbage_input_is_a_4xx_never_a_500(wuye_make_tenant, wuye_register, payload):
    t = wuye_make_tenant("acme")
    wuye_register(t)
    r = t.admin.post("/api/v1/sites", json=payload)
    assert 400 <= r.status_code < 500, (payload, r.status_code)
    assert r.get_json()["code"] == r.status_code
    for path in ("/api/v1/sites/99999999999", "/api/v1/sites/abc", "/api/v1/households?site_id=1e9",
                 "/api/v1/residents?q=" + "长" * 100):
        assert 400 <= t.admin.get(path).status_code < 500, path


def test_not_json_is_a_4xx(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    wuye_register(t)
    r = t.admin.client.post("/api/v1/sites", data="{not json", headers={
        "Authorization": f"Bearer {t.admin.token}", "Content-Type": "application/json"})
    assert 400 <= r.status_code < 500 and r.get_json()["code"] == r.status_code


def test_duplicate_unit_is_a_409(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    r = t.admin.post("/api/v1/units", json={"building_id": ids["building"], "number": "101", "entrance": "1"})
    assert r.status_code == 409
