"""An example payment-provider plugin — what a third party writes for a bank's 代收 service or a
WeChat Pay / Alipay merchant account — loaded by tests/test_payment_provider.py, and the shape to
copy (docs/plugins.md §3.4, plugins/fees/README.md "payment providers"):

    POST /api/v1/webhooks/<tenant slug>/paydemo/notify
    X-Signature: <HMAC-SHA256 of the body's bytes under the community's `merchant_secret`, hex>
    {"txn_id": "4200001234202611150123456789", "community_id": 12, "payment_code": "0001234-5",
     "amount_fen": 39310, "paid_at": "2026-11-15T10:23:45+08:00", "payer_name": "张三"}

The provider calls this when a resident paid (with the fee unit's 缴费编号 as the reference). The
signature is checked first, on the bytes as sent; a notification that is not signed with the
community's secret changes nothing (401). A verified one is reported to the fees plugin with the
event `paydemo.payment_reported` (the contract: plugins/fees/wuye_fees/provider_payments.py),
recorded when the request commits; fees records each transaction id once, so the provider sending
it again (it does, when it saw no answer) is harmless. A real provider's signature scheme and body
differ: only this plugin knows them — the fees plugin knows the event alone.
"""

from __future__ import annotations

from marshmallow import fields, validate

from wuye_core.plugins import (
    PluginInfo,
    StrictSchema,
    Webhook,
    WebhookRequest,
    emit,
    hookimpl,
    plugin_config,
    plugin_enabled,
    verify_signature,
)

NAME = "paydemo"
SIGNATURE = "X-Signature"


class Config(StrictSchema):
    # the key the provider signs its notifications for this community with (its merchant account)
    merchant_secret = fields.String(load_default="", validate=validate.Length(max=100))


def notify(request: WebhookRequest) -> tuple[int, dict]:
    body = request.json()  # 400 naming `body` when it is no JSON
    body = body if isinstance(body, dict) else {}
    community_id = body.get("community_id")
    secret = None
    if type(community_id) is int and community_id > 0 and plugin_enabled(NAME, community_id):
        secret = plugin_config(NAME, community_id)["merchant_secret"]  # "" (unset): nothing verifies
    if not verify_signature(secret, request.body, request.headers.get(SIGNATURE)):
        return 401, {"error": "signature"}  # one answer for a bad signature and an unknown community
    emit(NAME, "payment_reported", community_id, None,
         **{key: body.get(key) for key in ("txn_id", "payment_code", "amount_fen", "paid_at", "payer_name")},
         method="wechat")
    return 200, {"received": body.get("txn_id")}


@hookimpl
def wuye_plugin_info():
    return PluginInfo(name=NAME, version="0.1.0", title_zh="演示支付渠道", title_en="Demo payment provider",
                      description="An example payment provider: a signed notification becomes a fee payment.",
                      api_version="1.13")


@hookimpl
def wuye_config_schema():
    return Config


@hookimpl
def wuye_webhooks():
    return (Webhook("notify", notify),)
