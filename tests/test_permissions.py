"""Roles and communities: users act only within their role and their communities."""

from __future__ import annotations


def _two_communities(tenant, wuye_register):
    x = wuye_register(tenant, prefix="X")
    api = tenant.admin
    y_community = api.post("/api/v1/communities", json={"name": "Y社区", "code": "y1"}).get_json()["id"]
    y_site = api.post("/api/v1/sites", json={"community_id": y_community, "name": "Y小区", "kind": "old"}).get_json()["id"]
    return x, {"community": y_community, "site": y_site}


def test_community_staff_sees_and_touches_only_their_community(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    x, y = _two_communities(t, wuye_register)
    staff = t.user("grid", "community_staff", [x["community"]])
    assert [s["id"] for s in staff.get("/api/v1/sites").get_json()["items"]] == [x["site"]]
    assert [c["id"] for c in staff.get("/api/v1/communities").get_json()["items"]] == [x["community"]]
    assert staff.get(f"/api/v1/sites/{y['site']}").status_code == 404
    assert staff.patch(f"/api/v1/sites/{y['site']}", json={"name": "hijack"}).status_code == 404
    assert staff.delete(f"/api/v1/sites/{y['site']}").status_code == 404
    r = staff.post("/api/v1/buildings", json={"site_id": y["site"], "name": "9栋"})
    assert r.status_code == 422 and "site_id" in r.get_json()["errors"]["json"]
    # within their own community they can work
    assert staff.patch(f"/api/v1/sites/{x['site']}", json={"name": "新名字"}).status_code == 200
    assert staff.post("/api/v1/buildings", json={"site_id": x["site"], "name": "2栋"}).status_code == 201
    assert t.admin.get(f"/api/v1/sites/{y['site']}").get_json()["name"] == "Y小区"


def test_community_staff_cannot_administer(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    x, _ = _two_communities(t, wuye_register)
    staff = t.user("grid", "community_staff", [x["community"]])
    assert staff.post("/api/v1/communities", json={"name": "新社区", "code": "n1"}).status_code == 403
    assert staff.patch(f"/api/v1/communities/{x['community']}", json={"name": "改"}).status_code == 403
    assert staff.get("/api/v1/users").status_code == 403
    cfg = staff.get(f"/api/v1/communities/{x['community']}/config").get_json()
    assert staff.put(f"/api/v1/communities/{x['community']}/config",
                     json={"version": cfg["version"], "config": cfg["config"]}).status_code == 403


def test_readonly_reads_but_never_writes(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    viewer = t.user("viewer", "readonly")
    assert viewer.get(f"/api/v1/residents/{ids['resident']}").status_code == 200
    assert viewer.patch(f"/api/v1/residents/{ids['resident']}", json={"name": "改名"}).status_code == 403
    assert viewer.delete(f"/api/v1/residents/{ids['resident']}").status_code == 403
    assert viewer.post("/api/v1/residents", json={"household_id": ids["household"], "name": "新人"}).status_code == 403
    assert t.admin.get(f"/api/v1/residents/{ids['resident']}").get_json()["name"] == "张三"


def test_readonly_limited_to_a_community(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    x, y = _two_communities(t, wuye_register)
    viewer = t.user("viewer", "readonly", [y["community"]])
    assert viewer.get("/api/v1/sites").get_json()["total"] == 1
    assert viewer.get(f"/api/v1/residents/{x['resident']}").status_code == 404


def test_role_grants_are_validated(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    bad = [
        ([{"role": "wizard"}], "roles.0.role"),
        ([{"role": "tenant_admin", "community_id": ids["community"]}], "roles.0.community_id"),
        ([{"role": "readonly", "community_id": 999999}], "roles.0.community_id"),
    ]
    for roles, field in bad:
        r = t.admin.post("/api/v1/users", json={"username": "u1", "password": "password-123", "roles": roles})
        assert r.status_code == 422 and field in r.get_json()["errors"]["json"], r.get_json()
    assert t.admin.get("/api/v1/users").get_json()["total"] == 1


def test_a_patch_sends_whole_grants(wuye_make_tenant, wuye_register):
    """PATCH leaves out top-level fields, not the role of a grant it sends."""
    t = wuye_make_tenant("acme")
    clerk = t.admin.post("/api/v1/users", json={"username": "u1", "password": "password-123",
                                                "roles": [{"role": "readonly"}]}).get_json()
    r = t.admin.patch(f"/api/v1/users/{clerk['id']}", json={"roles": [{}]})
    assert r.status_code == 422 and "roles" in r.get_json()["errors"]["json"]
    assert t.admin.patch(f"/api/v1/users/{clerk['id']}", json={"active": False}).status_code == 200


def test_usernames_are_unique_within_a_tenant(wuye_make_tenant):
    t = wuye_make_tenant("acme")
    body = {"username": "li", "password": "password-123", "roles": [{"role": "readonly"}]}
    assert t.admin.post("/api/v1/users", json=body).status_code == 201
    r = t.admin.post("/api/v1/users", json=body)
    assert r.status_code == 409 and "username" in r.get_json()["errors"]["json"]


def test_admin_cannot_deactivate_themselves(wuye_make_tenant):
    t = wuye_make_tenant("acme")
    me = t.admin.get("/api/v1/auth/me").get_json()
    users = t.admin.get("/api/v1/users").get_json()["items"]
    assert me["username"] == users[0]["username"]
    assert t.admin.delete(f"/api/v1/users/{users[0]['id']}").status_code == 409
