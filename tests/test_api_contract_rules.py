"""What the server enforces and the OpenAPI document states, rule by rule (test_fuzz.py checks
the whole document with schemathesis; these name each rule and what a client sees):
integers are JSON integers (2.5 is not truncated to 2), an empty PATCH is refused, text that
cannot be encoded as UTF-8 is a 422 naming its field, blank text where some is required is
refused, and the document says each of these."""

from __future__ import annotations

import json

import pytest

ADMIN_PASSWORD = "admin-pass-123"


@pytest.fixture
def world(wuye_make_tenant, wuye_register):
    tenant = wuye_make_tenant("rules")
    return tenant, wuye_register(tenant)


def _errors(response) -> dict:
    body = response.get_json()
    assert set(body) >= {"code", "status", "message", "errors"}, body
    return body["errors"]


def _ticket(ids, **changes) -> dict:
    return {"community_id": ids["community"], "site_id": ids["site"], "channel": "phone", "kind": "repair",
            "category": "水电维修", "title": "漏水", **changes}


@pytest.mark.parametrize("site_id", [2.5, 2.5890419884777833e-42, 2.0, "2", True])
def test_an_integer_must_be_a_json_integer(world, site_id):
    tenant, ids = world
    r = tenant.admin.post("/api/v1/tickets", json=_ticket(ids, site_id=site_id), headers={"Accept-Language": "en"})
    assert r.status_code == 422, r.get_json()
    assert _errors(r) == {"json": {"site_id": ["Not a valid integer."]}}
    # nothing was filed anywhere
    assert tenant.admin.get("/api/v1/tickets").get_json()["total"] == 0


def test_integers_in_lists_and_nested_objects_too(world):
    tenant, ids = world
    r = tenant.admin.post("/api/v1/users", headers={"Accept-Language": "en"}, json={
        "username": "u1", "password": "Long-enough-pass-1",
        "roles": [{"role": "readonly", "community_id": float(ids["community"])}]})
    assert r.status_code == 422, r.get_json()
    assert _errors(r) == {"json": {"roles": {"0": {"community_id": ["Not a valid integer."]}}}}


def test_a_real_integer_and_a_query_string_still_work(world):
    tenant, ids = world
    r = tenant.admin.post("/api/v1/tickets", json=_ticket(ids))
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["site_id"] == ids["site"]
    page = tenant.admin.get("/api/v1/tickets", query_string={"page": "1", "per_page": "5",
                                                              "site_id": str(ids["site"])})
    assert page.status_code == 200 and page.get_json()["total"] == 1
    assert tenant.admin.get("/api/v1/tickets", query_string={"page": "1.5"}).status_code == 422


def test_numbers_and_booleans_are_json_types_too(world):
    tenant, ids = world
    r = tenant.admin.patch(f"/api/v1/sites/{ids['site']}", json={"area_m2": "12.5"},
                           headers={"Accept-Language": "en"})
    assert r.status_code == 422 and _errors(r) == {"json": {"area_m2": ["Not a valid number."]}}
    assert tenant.admin.patch(f"/api/v1/sites/{ids['site']}", json={"area_m2": 12}).status_code == 200
    r = tenant.admin.post("/api/v1/users", headers={"Accept-Language": "en"}, json={
        "username": "u2", "password": "Long-enough-pass-1", "roles": [{"role": "readonly"}], "active": "yes"})
    assert r.status_code == 422 and _errors(r) == {"json": {"active": ["Not a valid boolean."]}}


@pytest.mark.parametrize("body", [{}, None])
def test_an_empty_patch_is_refused(world, body):
    tenant, ids = world
    path = f"/api/v1/communities/{ids['community']}"
    if body is None:
        r = tenant.admin.request("PATCH", path, headers={"Accept-Language": "en"})
    else:
        r = tenant.admin.patch(path, json=body, headers={"Accept-Language": "en"})
    assert r.status_code == 422, r.get_json()
    assert _errors(r) == {"json": {"_schema": ["Send at least one field to change."]}}
    assert tenant.admin.patch(path, json={"address": "新地址"}).status_code == 200


def test_an_empty_plugin_patch_is_refused_too(world, wuye_enable_plugin):
    tenant, ids = world
    wuye_enable_plugin(tenant, "red_property", ids["community"])
    meeting = tenant.admin.post(f"/api/v1/plugins/red_property/communities/{ids['community']}/meetings", json={})
    assert meeting.status_code == 201, meeting.get_json()
    r = tenant.admin.patch(f"/api/v1/plugins/red_property/meetings/{meeting.get_json()['id']}", json={},
                           headers={"Accept-Language": "en"})
    assert r.status_code == 422, r.get_json()
    assert _errors(r) == {"json": {"_schema": ["Send at least one field to change."]}}


@pytest.mark.parametrize("field", ["username", "password", "tenant"])
def test_a_lone_surrogate_at_login_is_a_422_naming_the_field(wuye_app, world, field):
    body = {"tenant": "rules", "username": "admin", "password": ADMIN_PASSWORD}
    body[field] = "a\ud800b"
    r = wuye_app.test_client().post("/api/v1/auth/token", data=json.dumps(body),  # \ud800 escaped
                                    headers={"Content-Type": "application/json", "Accept-Language": "en"})
    assert r.status_code == 422, r.get_json()
    assert _errors(r) == {"json": {field: [
        "Contains text that cannot be encoded as UTF-8 (half of a surrogate pair)."]}}


def test_a_lone_surrogate_anywhere_in_a_body(world):
    tenant, ids = world
    body = json.dumps({"household_id": ids["household"], "name": "李四", "tags": ["党员", "\udfff"]})
    r = tenant.admin.request("POST", "/api/v1/residents", data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.get_json()
    assert list(_errors(r)["json"]) == ["tags"] and list(_errors(r)["json"]["tags"]) == ["1"]
    # a whole pair is one character, and welcome
    body = json.dumps({"household_id": ids["household"], "name": "李四\U0001F600"})
    assert "\\ud83d\\ude00" in body
    r = tenant.admin.request("POST", "/api/v1/residents", data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 201 and r.get_json()["name"] == "李四\U0001F600"


def test_text_rules_are_the_documents(world, wuye_app):
    tenant, ids = world
    r = tenant.admin.patch(f"/api/v1/communities/{ids['community']}", json={"name": " \u3000\t"},
                           headers={"Accept-Language": "en"})
    assert r.status_code == 422 and _errors(r) == {"json": {"name": ["Must not be blank."]}}
    # other control characters are text like any other; NUL is refused (the database cannot store it)
    r = tenant.admin.patch(f"/api/v1/communities/{ids['community']}", json={"name": "一\x01二"})
    assert r.status_code == 200 and r.get_json()["name"] == "一\x01二"
    r = tenant.admin.patch(f"/api/v1/communities/{ids['community']}", json={"name": "一\x00二"})
    assert r.status_code == 422
    # the length is the length sent, as maxLength counts it
    r = tenant.admin.patch(f"/api/v1/communities/{ids['community']}", json={"name": "x" * 100 + " "})
    assert r.status_code == 422
    # a code's pattern must match the whole value ("$" in Python would let a final newline pass)
    r = tenant.admin.post("/api/v1/communities", json={"name": "二区", "code": "c2\n"})
    assert r.status_code == 422 and list(_errors(r)["json"]) == ["code"]

    document = wuye_app.test_client().get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    name = schemas["CommunityUpdate"]["properties"]["name"]
    assert name["minLength"] == 1 and name["maxLength"] == 100
    import re
    blank = re.compile(name["pattern"])
    assert blank.search("一\x01二") and not blank.search(" \u3000\t") and not blank.search("a\x00")
    assert not re.compile(schemas["CommunityCreate"]["properties"]["code"]["pattern"]).fullmatch("c2\n")


def test_the_document_states_the_rules(wuye_app):
    document = wuye_app.test_client().get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    patches = {name for path in document["paths"].values() for method, op in path.items() if method == "patch"
               for name in [op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]]}
    assert {"CommunityUpdatePatch", "UserUpdatePatch", "MeetingPatch"} <= patches
    assert all(schemas[name].get("minProperties") == 1 for name in patches)
    role = schemas["Grant"]["properties"]["role"]
    assert {"tenant_admin", "community_staff", "readonly"} <= set(role["enum"])
    assert {"care_worker", "care_supervisor", "red_property_liaison"} <= set(role["enum"])
    kpis = {p["name"]: p for p in document["paths"]["/api/v1/kpis"]["get"]["parameters"]}
    assert kpis["from"]["schema"]["pattern"] == "^20[0-9]{2}-" and kpis["from"]["schema"]["format"] == "date"
    delete_user = document["paths"]["/api/v1/users/{user_id}"]["delete"]
    assert delete_user["deprecated"] is True and "PATCH" in delete_user["description"]


def test_a_deleted_user_is_deactivated_and_stays_readable(world):
    tenant, _ = world
    user = tenant.admin.post("/api/v1/users", json={
        "username": "gone", "password": "Long-enough-pass-1", "roles": [{"role": "readonly"}]}).get_json()
    assert tenant.admin.delete(f"/api/v1/users/{user['id']}").status_code == 204
    r = tenant.admin.get(f"/api/v1/users/{user['id']}")
    assert r.status_code == 200 and r.get_json()["active"] is False
