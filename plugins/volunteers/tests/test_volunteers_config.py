"""The plugin's per-community settings and its console entry."""

from __future__ import annotations


def test_defaults(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    config = wuye_enable_plugin(tenant, "volunteers", ids["community"])["config"]
    assert config["time_bank"] is False and config["points_per_hour"] == 10
    assert config["qr_checkin"] is True and config["certificate_prefix"] == "志证"


def test_bad_config_names_the_field_in_chinese(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "volunteers", ids["community"])
    url = f"/api/v1/communities/{ids['community']}/plugins/volunteers"
    r = tenant.admin.put(url, json={"enabled": True, "config": {"points_per_hour": 0, "max_record_minutes": 5}})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "points_per_hour" in body and "max_record_minutes" in body and "必须在 1 到 1000 之间" in body
    r = tenant.admin.put(url, json={"enabled": True, "config": {"time_bank": "maybe"}})
    assert r.status_code == 422 and "time_bank" in r.get_data(as_text=True)
    # nothing stored was lost
    assert tenant.admin.get(url).get_json()["config"]["points_per_hour"] == 10


def test_console_entry_goes_to_the_only_community(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "volunteers", ids["community"])
    tenant.user("mgr", "volunteers_manager", [ids["community"]])
    console = tenant.console("mgr", "password-123")
    r = console.get("/console/plugins/volunteers/")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/communities/{ids['community']}")
    page = console.get(r.headers["Location"]).get_data(as_text=True)
    assert "居民服务联盟" in page and "成员" in page and "时间银行" not in page
