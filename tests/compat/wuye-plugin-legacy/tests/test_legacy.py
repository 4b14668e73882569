"""Tests of the plugin, with wuye's own fixtures (wuye_core.testing): on SQLite, and on
PostgreSQL + Redis when WUYE_TEST_DATABASE_URL / WUYE_TEST_REDIS_URL are set."""


def test_enabled_in_one_community_only(make_tenant, register, enable_plugin):
    tenant = make_tenant("acme")
    here = register(tenant, prefix="甲")
    there = tenant.admin.post("/api/v1/communities", json={"name": "乙社区", "code": "c2"}).get_json()["id"]
    enable_plugin(tenant, "legacy", here["community"], {"greeting": "您好"})

    notes = f"/api/v1/plugins/legacy/communities/{here['community']}/notes"
    assert tenant.admin.post(notes, json={"text": "电梯年检"}).status_code == 201
    assert [n["text"] for n in tenant.admin.get(notes).get_json()] == ["电梯年检"]
    # not enabled there: the core answers 404
    assert tenant.admin.get(f"/api/v1/plugins/legacy/communities/{there}/notes").status_code == 404


def test_event_hook_runs_only_where_enabled(make_tenant, register, enable_plugin):
    tenant = make_tenant("acme")
    here = register(tenant)
    enable_plugin(tenant, "legacy", here["community"])
    unit = tenant.admin.post("/api/v1/units", json={"building_id": here["building"], "number": "102"}).get_json()
    household = tenant.admin.post("/api/v1/households", json={"unit_id": unit["id"], "kind": "owner"}).get_json()
    notes = tenant.admin.get(f"/api/v1/plugins/legacy/communities/{here['community']}/notes").get_json()
    assert [n["text"] for n in notes] == [f"新住户 / new household #{household['id']}"]

    other = tenant.admin.post("/api/v1/communities", json={"name": "乙", "code": "c2"}).get_json()["id"]
    site = tenant.admin.post("/api/v1/sites", json={"community_id": other, "name": "乙小区", "kind": "old"}).get_json()
    building = tenant.admin.post("/api/v1/buildings", json={"site_id": site["id"], "name": "1栋"}).get_json()
    unit = tenant.admin.post("/api/v1/units", json={"building_id": building["id"], "number": "1"}).get_json()
    tenant.admin.post("/api/v1/households", json={"unit_id": unit["id"], "kind": "owner"})
    enable_plugin(tenant, "legacy", other)  # enabled afterwards: nothing happened there
    assert tenant.admin.get(f"/api/v1/plugins/legacy/communities/{other}/notes").get_json() == []


def test_bad_config_is_refused(make_tenant, register, enable_plugin):
    tenant = make_tenant("acme")
    ids = register(tenant)
    tenant.admin.put("/api/v1/plugins/legacy", json={"enabled": True})
    r = tenant.admin.put(f"/api/v1/communities/{ids['community']}/plugins/legacy",
                         json={"enabled": True, "config": {"greeting": "x" * 51, "colour": "red"}})
    assert r.status_code == 422
    assert set(r.get_json()["errors"]["json"]["config"]) == {"greeting", "colour"}


def test_a_note_becomes_a_ticket(make_tenant, register, enable_plugin):
    tenant = make_tenant("acme")
    ids = register(tenant)
    enable_plugin(tenant, "legacy", ids["community"])
    r = tenant.admin.post(f"/api/v1/plugins/legacy/communities/{ids['community']}/notes/escalate",
                          json={"site_id": ids["site"], "title": "楼道灯坏了"})
    assert r.status_code == 201, r.get_json()
    ticket = tenant.admin.get(f"/api/v1/tickets/{r.get_json()['ticket_id']}").get_json()
    assert (ticket["title"], ticket["status"]) == ("楼道灯坏了", "submitted")
