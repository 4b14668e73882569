"""The two helpers this plugin added to wuye_core.plugins.services: plugin_config and mask_id_card."""

from __future__ import annotations

from wuye_core.plugins import services, tenant_context


def test_plugin_config_has_the_defaults_and_what_was_stored(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "care_visits", ids["community"], {"interval_a": 14})
    with wuye_app.app_context(), tenant_context(tenant.id):
        config = services.plugin_config("care_visits", ids["community"])
    assert config["interval_a"] == 14 and config["interval_b"] == 90 and config["ticket_category"] == "其他"


def test_mask_id_card_shows_only_the_ends():
    assert services.mask_id_card("110101194001011234") == "110***********1234"
    assert services.mask_id_card(None) is None
