"""The plugin's per-community settings, its roles and its console entry."""

from __future__ import annotations

from _fees_rows import world


def test_defaults(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    config = wuye_enable_plugin(tenant, "fees", ids["community"])["config"]
    assert config["billing_cycle"] == "monthly" and config["due_days"] == 30 and config["auto_billing"] is True
    assert config["receipt_prefix"] == "SF" and config["provider_payments"] is True


def test_bad_config_names_the_field(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "fees", ids["community"], {"billing_cycle": "quarterly"})
    url = f"/api/v1/communities/{ids['community']}/plugins/fees"
    r = tenant.admin.put(url, json={"enabled": True, "config": {"billing_cycle": "weekly", "due_days": -1}})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "billing_cycle" in body and "due_days" in body
    r = tenant.admin.put(url, json={"enabled": True, "config": {"receipt_prefix": "a b"}})
    assert r.status_code == 422 and "receipt_prefix" in r.get_data(as_text=True)
    # nothing stored was lost
    assert tenant.admin.get(url).get_json()["config"]["billing_cycle"] == "quarterly"


def test_console_entry_goes_to_the_only_community(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    console = w.tenant.console("cashier", "password-123")
    r = console.get("/console/plugins/fees/")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/communities/{w.cid}")
    page = console.get(r.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Property fees" in page and "Cashier desk" in page and "Public statements" in page
    # a clerk without a fee role sees no menu entry, and a community without the plugin is a 404
    clerk = w.tenant.console("clerk", "password-123")
    assert "/console/plugins/fees/" not in clerk.get("/console/").get_data(as_text=True)
    assert console.get(f"/console/plugins/fees/communities/{w.cid + 999}").status_code == 404
