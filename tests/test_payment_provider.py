"""A payment provider's signed notification, end to end (#22 item 3): the example provider plugin
(tests/payment_provider/example.py) receives it at its webhook (plugin API 1.13), verifies the
signature and reports the payment with the event `paydemo.payment_reported`; the fees plugin
records it against the unit's bills — once per transaction id, however often the provider sends
it. An unsigned or wrongly signed notification records nothing.

The example is loaded as an installed plugin is (an entry point) into a second app on the suite's
database, beside the plugins the suite loads."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from importlib import metadata

import pytest
from sqlalchemy import select

from wuye_core.app import create_app
from wuye_core.extensions import db
from wuye_core.host.manager import ENTRY_POINT_GROUP
from wuye_core.plugins import sign
from wuye_core.tenancy import tenant_context
from wuye_core.testing import login, settings_for

SECRET = "merchant-secret-2026"


@pytest.fixture
def provider_app(wuye_backend, wuye_app, wuye_plugin_entry_points):
    installed = list(wuye_plugin_entry_points or metadata.entry_points(group=ENTRY_POINT_GROUP))
    example = metadata.EntryPoint("paydemo", "tests.payment_provider.example", ENTRY_POINT_GROUP)
    return create_app(settings_for(wuye_backend), plugin_entry_points=[*installed, example])


@pytest.fixture
def world(provider_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """acme's community with fees and the provider on; a home billed 39.31 for October and November."""
    from wuye_fees.models import Bill, FeeUnit
    from wuye_fees.payment_codes import payment_code

    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    c = ids["community"]
    wuye_enable_plugin(tenant, "fees", c)
    admin = login(provider_app, "acme", "admin", "admin-pass-123")
    assert admin.put("/api/v1/plugins/paydemo", json={"enabled": True}).status_code == 200
    r = admin.put(f"/api/v1/communities/{c}/plugins/paydemo", json={"enabled": True,
                                                                    "config": {"merchant_secret": SECRET}})
    assert r.status_code == 200, r.get_json()
    with tenant.app.app_context(), tenant_context(tenant.id):
        unit = FeeUnit(community_id=c, site_id=ids["site"], kind="residential", unit_id=ids["unit"], label="1栋1单元101",
                       area_m2=Decimal("87.35"), billing_from=date(2026, 1, 1), created_by="test")
        db.session.add(unit)
        db.session.flush()
        for month in (10, 11):
            db.session.add(Bill(community_id=c, site_id=ids["site"], fee_unit_id=unit.id, household_id=ids["household"],
                                period_start=date(2026, month, 1), period_end=date(2026, month, 28),
                                period_label=f"2026-{month}", months=1, amount_fen=3931, status="open",
                                due_on=date(2026, month, 28)))
        db.session.commit()
        unit_id = unit.id
        db.session.remove()
    return {"tenant": tenant, "community": c, "unit": unit_id, "code": payment_code(unit_id)}


def _notify(app, body: dict, secret: str | None = SECRET):
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Signature"] = sign(secret, raw)
    return app.test_client().post("/api/v1/webhooks/acme/paydemo/notify", data=raw, headers=headers)


def _journal(world):
    from wuye_fees.models import Bill, Payment

    with world["tenant"].app.app_context(), tenant_context(world["tenant"].id):
        payments = [(p.provider, p.provider_txn_id, p.amount_fen, p.fee_unit_id, p.recorded_by, p.receipt_no)
                    for p in db.session.scalars(select(Payment).order_by(Payment.id))]
        bills = [(b.period_label, b.paid_fen, b.status) for b in db.session.scalars(select(Bill).order_by(Bill.id))]
        db.session.remove()
    return payments, bills


def test_a_signed_notification_pays_the_oldest_bill_once(provider_app, world):
    body = {"txn_id": "4200001234202611150123456789", "community_id": world["community"],
            "payment_code": world["code"], "amount_fen": 5000, "paid_at": "2026-11-15T10:23:45+08:00",
            "payer_name": "张三"}
    r = _notify(provider_app, body)
    assert r.status_code == 200, r.get_data(as_text=True)
    payments, bills = _journal(world)
    assert [p[:5] for p in payments] == [("paydemo", body["txn_id"], 5000, world["unit"], "paydemo")]
    assert payments[0][5]  # a receipt number
    assert bills == [("2026-10", 3931, "paid"), ("2026-11", 1069, "open")]  # oldest first
    # the provider sends it again (no answer seen): nothing more
    assert _notify(provider_app, body).status_code == 200
    assert _journal(world) == (payments, bills)
    # staff see it on the unit's account, with the receipt
    account = world["tenant"].admin.get(f"/api/v1/plugins/fees/units/{world['unit']}/account").get_json()
    assert account["credit_fen"] == 0, account


def test_an_unsigned_or_wrongly_signed_notification_records_nothing(provider_app, world):
    body = {"txn_id": "T-1", "community_id": world["community"], "payment_code": world["code"], "amount_fen": 3931,
            "paid_at": "2026-11-15T10:23:45+08:00"}
    for secret in (None, "not-the-secret", ""):
        assert _notify(provider_app, body, secret).status_code == 401
    # signed for another community (one where the provider is not on): the same answer
    assert _notify(provider_app, {**body, "community_id": world["community"] + 1}).status_code == 401
    assert _journal(world)[0] == []
