"""The audit trail (#15 item 2): who reads it, what is recorded, and the operator's CLI.

What the database enforces (append-only, retention) is in tests/test_append_only.py."""

from __future__ import annotations

from datetime import date, timedelta

from wuye_core.audit import actions

AUDIT = "/api/v1/audit"
PLATFORM = "/api/v1/platform/audit"


def _items(client, path=AUDIT, **query):
    r = client.get(path, query_string=query)
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def _not_accounts(items):
    """Without the account actions (logins, users created by the fixtures: tests/test_accounts.py)."""
    return [i for i in items if not i["action"].startswith(("auth.", "user."))]


def test_a_tenant_admin_reads_their_tenants_trail_newest_first(wuye_make_tenant, wuye_register):
    a, b = wuye_make_tenant("tenant-a"), wuye_make_tenant("tenant-b")
    ids = wuye_register(a)
    wuye_register(b)
    url = f"/api/v1/communities/{ids['community']}/config"
    assert a.admin.put(url, json={"version": 1, "config": {"core": {"service_phone": "027-1"}}}).status_code == 200
    assert a.admin.put("/api/v1/plugins/sample", json={"enabled": True}).status_code == 200
    items = _not_accounts(_items(a.admin))
    assert [i["action"] for i in items] == ["plugin.enabled", "community.config_changed"]  # newest first
    config = items[1]
    assert config["action_title"] == "修改社区配置"
    assert config["actor_kind"] == "staff" and config["actor_name"] == "admin" and config["actor_id"]
    assert config["target_type"] == "community" and config["target_id"] == str(ids["community"])
    assert config["details"] == {"version": 2, "changed": ["core.service_phone"]}  # the field, not its value
    assert config["address"] == "127.0.0.1"
    # English readers get English titles
    english = _not_accounts(a.admin.get(AUDIT, headers={"Accept-Language": "en"}).get_json()["items"])
    assert english[0]["action_title"] == "Plugin enabled for the tenant"
    # tenant B's trail holds nothing of A's
    assert _not_accounts(_items(b.admin)) == []
    assert {i["actor_name"] for i in _items(b.admin)} <= {"admin", None}  # B's own logins only
    assert b.admin.get(AUDIT, query_string={"target_id": str(ids["community"])}).get_json()["total"] == 0


def test_only_tenant_admins_and_only_operators_read_their_trails(wuye_make_tenant, wuye_register, wuye_operator):
    a = wuye_make_tenant("tenant-a")
    ids = wuye_register(a)
    staff = a.user("clerk", "community_staff", [ids["community"]])
    assert staff.get(AUDIT).status_code == 403
    assert staff.get(PLATFORM).status_code == 403
    assert a.admin.get(PLATFORM).status_code == 403  # a tenant admin never sees the platform's trail
    assert wuye_operator.get(AUDIT).status_code == 403  # operators read no tenant data
    assert wuye_operator.get(PLATFORM).status_code == 200
    anonymous = a.app.test_client()
    assert anonymous.get(AUDIT).status_code == 401 and anonymous.get(PLATFORM).status_code == 401


def test_operators_actions_on_tenants_are_in_the_platform_trail(wuye_app, wuye_operator):
    r = wuye_operator.post("/api/v1/tenants", json={"slug": "acme", "name": "甲公司", "kind": "company"})
    assert r.status_code == 201, r.get_json()
    tenant_id = r.get_json()["id"]
    assert wuye_operator.patch(f"/api/v1/tenants/{tenant_id}", json={"active": False}).status_code == 200
    assert wuye_operator.patch(f"/api/v1/tenants/{tenant_id}", json={"active": False}).status_code == 200  # no change
    assert wuye_operator.patch(f"/api/v1/tenants/{tenant_id}", json={"active": True, "name": "甲"}).status_code == 200
    items = _items(wuye_operator, PLATFORM, target_type="tenant")
    assert [i["action"] for i in items] == ["tenant.activated", "tenant.renamed", "tenant.deactivated",
                                            "tenant.created"]
    assert {(i["actor_kind"], i["actor_name"], i["target_id"]) for i in items} == {("operator", "op", str(tenant_id))}
    assert items[-1]["details"] == {"slug": "acme", "name": "甲公司", "kind": "company"}
    assert items[1]["details"] == {"from": "甲公司", "to": "甲"}
    assert items[0]["action_title"] == "启用租户"
    # the CLI reads the same trail, and a tenant's (for someone with the server, not the API)
    out = wuye_app.test_cli_runner().invoke(args=["audit", "list", "--action", "tenant."])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[0].split("\t")[1:4] == ["operator:op", "tenant.activated", "启用租户"]
    assert len(out.output.splitlines()) == 4


def test_filters_action_prefix_actor_target_and_days(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    a = wuye_make_tenant("tenant-a")
    ids = wuye_register(a)
    wuye_enable_plugin(a, "sample", ids["community"], {"greeting": "你好"})
    other = a.user("admin2", "tenant_admin")
    assert other.put("/api/v1/plugins/sample", json={"enabled": False}).status_code == 200
    assert [i["action"] for i in _items(a.admin, action="plugin.")] == [
        "plugin.disabled", "plugin.community_enabled", "plugin.enabled"]
    assert [i["action"] for i in _items(a.admin, action="plugin.community")] == ["plugin.community_enabled"]
    assert [i["action"] for i in _not_accounts(_items(a.admin, actor="admin2"))] == ["plugin.disabled"]
    first = _items(a.admin, action="plugin.community")[0]["details"]  # from nothing: every field, defaults too
    assert first["community_id"] == ids["community"] and first["version"] == 1 and "greeting" in first["changed"]
    assert len(_items(a.admin, target_type="plugin", target_id="sample")) == 3
    assert _items(a.admin, action="plugin%") == []  # a prefix, not a pattern
    today = date.today()
    assert len(_items(a.admin, action="plugin.", **{"from": (today - timedelta(days=1)).isoformat(),
                                                    "to": (today + timedelta(days=1)).isoformat()})) == 3
    assert _items(a.admin, **{"from": (today + timedelta(days=2)).isoformat()}) == []
    assert _items(a.admin, to=(today - timedelta(days=2)).isoformat()) == []
    page = a.admin.get(AUDIT, query_string={"action": "plugin.", "per_page": 2, "page": 2}).get_json()
    assert page["total"] == 3 and page["page"] == 2 and len(page["items"]) == 1
    assert page["items"][0]["action"] == "plugin.enabled"  # the oldest, on the last page


def test_bad_filters_are_422_naming_the_field(wuye_make_tenant):
    a = wuye_make_tenant("tenant-a")
    for query, field in (({"from": "2026-02-01", "to": "2026-01-01"}, "from"), ({"from": "yesterday"}, "from"),
                         ({"per_page": 1000}, "per_page"), ({"action": "x" * 65}, "action")):
        r = a.admin.get(AUDIT, query_string=query)
        assert r.status_code == 422, (query, r.get_json())
        assert field in r.get_json()["errors"]["query"], (query, r.get_json())


def test_plugin_config_changes_record_the_fields_that_changed(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    a = wuye_make_tenant("tenant-a")
    ids = wuye_register(a)
    wuye_enable_plugin(a, "sample", ids["community"])
    url = f"/api/v1/communities/{ids['community']}/plugins/sample"
    assert a.admin.put(url, json={"enabled": True, "config": {"greeting": "秘密"}}).status_code == 200
    assert a.admin.put(url, json={"enabled": True, "config": {"greeting": "秘密"}}).status_code == 200  # same again
    assert a.admin.put(url, json={"enabled": False, "config": {"greeting": "秘密"}}).status_code == 200
    items = _items(a.admin, action="plugin.c")
    assert [(i["action"], i["details"]["changed"]) for i in items[:2]] == [
        ("plugin.community_disabled", []), ("plugin.config_changed", ["greeting"])]
    assert [i["action"] for i in items[2:]] == ["plugin.community_enabled"]
    assert "秘密" not in a.admin.get(AUDIT).get_data(as_text=True)
    # a refused change leaves nothing in the trail
    before = a.admin.get(AUDIT).get_json()["total"]
    assert a.admin.put(url, json={"enabled": True, "config": {"greeting": "x"}, "version": 1}).status_code == 409
    assert a.admin.get(AUDIT).get_json()["total"] == before


def test_tenant_files_record_tenants_config_and_plugins(wuye_app, tmp_path, wuye_operator):
    doc = tmp_path / "acme.yaml"
    doc.write_text("""
tenant: {slug: acme, name: 甲公司, kind: company}
plugins: {sample: true}
communities:
  - code: c1
    name: 一社区
    config: {core: {service_phone: "027-1"}}
    plugins:
      sample: {enabled: true, config: {greeting: 你好}}
""", encoding="utf-8")
    r = wuye_app.test_cli_runner().invoke(args=["tenants", "apply", str(doc)])
    assert r.exit_code == 0, r.output
    platform = _not_accounts(_items(wuye_operator, PLATFORM))
    assert [(i["action"], i["actor_kind"]) for i in platform] == [("tenant.created", "system")]
    assert platform[0]["actor_name"].startswith("tenants apply")
    out = wuye_app.test_cli_runner().invoke(args=["audit", "list", "--tenant", "acme"])
    assert out.exit_code == 0, out.output
    assert [line.split("\t")[2] for line in out.output.splitlines()] == [
        "plugin.community_enabled", "community.config_changed", "plugin.enabled"]
    assert "system:tenants apply" in out.output


def test_exports_of_personal_data_are_recorded(wuye_make_tenant, wuye_register):
    a = wuye_make_tenant("tenant-a")
    ids = wuye_register(a)
    today = date.today().isoformat()
    r = a.admin.get("/api/v1/tickets/export.xlsx", query_string={"from": today, "to": today})
    assert r.status_code == 200
    items = _items(a.admin, action="tickets.exported")
    assert len(items) == 1 and items[0]["details"] == {"from": today, "to": today, "communities": [ids["community"]]}
    assert items[0]["action_title"] == "导出工单台账（含个人信息）"
    # a refused export is not an export
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    assert a.admin.get("/api/v1/tickets/export.xlsx", query_string={"from": today, "to": yesterday}).status_code == 422
    assert len(_items(a.admin, action="tickets.exported")) == 1


def test_the_vocabulary_titles_every_action_in_both_languages():
    for code, action in actions.ACTIONS.items():
        assert code.count(".") == 1 and action.zh and action.en, code
        assert actions.title(code) == action.zh and actions.title(code, "en") == action.en
    assert actions.title("care_visits.exported") == "导出个人信息"
    assert actions.title("something.new") == "something.new"
    assert actions.plugin_action("notes", "exported") == "notes.exported"
    import pytest

    with pytest.raises(ValueError):
        actions.plugin_action("notes", "deleted_everything")
