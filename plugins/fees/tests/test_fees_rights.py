"""A resident's rights over the fees plugin's data (hooks wuye_resident_personal_data and
wuye_resident_erase): the copy holds their household's bills, discounts and payments and the
premises they pay for (nobody else's); the erasure anonymises the premises' payer and keeps the
money records (accounting records the law keeps for 30 years)."""

from __future__ import annotations

from datetime import UTC, datetime

from _fees_rows import bill, payment, rows, unit, world
from sqlalchemy import select, text
from wuye_fees.models import Bill, Discount, FeeUnit, Payment

from wuye_core.plugins import db, tenant_context

PHONE = "13800000000"  # the register's resident (wuye_register)


def _world(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    t, cid, site = w.tenant, w.cid, w.site
    home = unit(t, cid, site, unit_id=w.ids["unit"], label="1栋1单元101")
    shop = unit(t, cid, site, label="商铺 A-01", kind="shop", area="40", payer_name="张三（便民超市）",
                payer_phone="138-0000-0000")
    other = unit(t, cid, site, label="车位 A-001", kind="parking", area=None, payer_name="李四", payer_phone="13900000001")
    paid = bill(t, cid, site, home, amount_fen=3931, period="2026-10", household_id=w.ids["household"], status="paid",
                paid_fen=3931)
    waived = bill(t, cid, site, home, amount_fen=3931, period="2026-11", household_id=w.ids["household"],
                  status="waived", discount_fen=3931)
    shop_bill = bill(t, cid, site, shop, amount_fen=8000, period="2026-11", status="paid", paid_fen=8000)
    other_bill = bill(t, cid, site, other, amount_fen=6000, period="2026-11")
    at = datetime(2026, 11, 12, 2, 0, tzinfo=UTC)
    payment(t, cid, site, home, 3931, {paid: 3931}, household_id=w.ids["household"], payer_name="张三",
            receipt_no="SF2026-000001", paid_at=at)
    payment(t, cid, site, shop, 8000, {shop_bill: 8000}, payer_name="张三（便民超市）", receipt_no="SF2026-000002",
            method="wechat", paid_at=at)
    payment(t, cid, site, shop, 8000, None, payer_name="王五（前租户）", receipt_no="SF2026-000003", paid_at=at)
    payment(t, cid, site, other, 6000, None, payer_name="李四", receipt_no="SF2026-000004", paid_at=at)
    with t.app.app_context(), tenant_context(t.id):
        db.session.add(Discount(community_id=cid, bill_id=waived, kind="waiver", amount_fen=3931, reason="subsistence",
                                explanation="低保证 420112-2026-0088", status="approved", requested_by="cashier",
                                decided_by="mgr", decided_at=at))
        db.session.commit()
        db.session.remove()
    return w, {"home": home, "shop": shop, "other": other, "other_bill": other_bill}


def test_the_copy_holds_the_households_bills_and_the_premises_they_pay_for(wuye_app, wuye_make_tenant, wuye_register,
                                                                            wuye_enable_plugin):
    from wuye_fees import rights

    w, ids = _world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    with wuye_app.test_request_context("/?lang=en"), tenant_context(w.tenant.id):
        sections = rights.personal_data([w.ids["resident"]], PHONE)
        assert [s.key for s in sections] == ["fees.payer_units", "fees.bills", "fees.discounts", "fees.payments",
                                             "fees.retention"]
        by_key = {s.key: s for s in sections}
        assert by_key["fees.payer_units"].items == [{
            "unit": "商铺 A-01", "kind": by_key["fees.payer_units"].items[0]["kind"], "payer_name": "张三（便民超市）",
            "payer_phone": "138-0000-0000", "billing_from": by_key["fees.payer_units"].items[0]["billing_from"],
            "billing_until": None}]
        bills = by_key["fees.bills"].items
        assert sorted((b["period"], b["unit"], b["amount"], b["paid"], b["owed"]) for b in bills) == [
            ("2026-10", "1栋1单元101", "39.31", "39.31", "0.00"), ("2026-11", "1栋1单元101", "39.31", "0.00", "0.00"),
            ("2026-11", "商铺 A-01", "80.00", "80.00", "0.00")]
        assert by_key["fees.discounts"].items[0]["explanation"] == "低保证 420112-2026-0088"
        receipts = sorted(p["receipt_no"] for p in by_key["fees.payments"].items)
        assert receipts == ["SF2026-000001", "SF2026-000002"]  # not the earlier tenant's, not 李四's
        text_ = str(sections)
        assert "李四" not in text_ and "13900000001" not in text_ and "王五" not in text_
        for section in sections:  # every key named in both languages
            assert all(set(item) <= set(section.fields) for item in section.items), section.key
            assert all(len(pair) == 2 for pair in section.fields.values())
        # the phone alone (no register row): the premises only; the register row alone: the household's
        assert [s.key for s in rights.personal_data([], "13800000000")][:2] == ["fees.payer_units", "fees.bills"]
        assert "fees.payer_units" not in [s.key for s in rights.personal_data([w.ids["resident"]], None)]
        assert rights.personal_data([w.ids["resident"] + 1000], "13700000000") == []
        assert rights.personal_data([], None) == []
        # and through the plugin's hook, as the core calls it
        from wuye_fees import plugin

        assert [s.key for s in plugin.wuye_resident_personal_data(PHONE, [w.ids["resident"]])] == \
            [s.key for s in sections]
        db.session.remove()


def test_the_erasure_anonymises_the_payer_and_keeps_the_money_records(wuye_app, wuye_make_tenant, wuye_register,
                                                                      wuye_enable_plugin, wuye_owner_engine,
                                                                      wuye_backend):
    from wuye_fees import rights

    w, ids = _world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    before = {model: len(rows(w.tenant, model)) for model in (Bill, Payment, Discount, FeeUnit)}
    with wuye_app.test_request_context(), tenant_context(w.tenant.id):
        assert rights.erase([w.ids["resident"]], PHONE) == {"payers": 1}
        db.session.commit()
        shop = db.session.get(FeeUnit, ids["shop"])
        assert (shop.payer_name, shop.payer_phone, shop.label, shop.active) == (None, None, "商铺 A-01", True)
        other = db.session.get(FeeUnit, ids["other"])
        assert (other.payer_name, other.payer_phone) == ("李四", "13900000001")
        # the accounting records stay as they were, the receipt's payer name too
        names = set(db.session.scalars(select(Payment.payer_name)))
        assert names == {"张三", "张三（便民超市）", "王五（前租户）", "李四"}
        # another copy finds the household's records (kept), no premises; a second erasure has nothing
        assert "fees.payer_units" not in [s.key for s in rights.personal_data([w.ids["resident"]], PHONE)]
        assert rights.erase([w.ids["resident"]], PHONE) is None
        assert rights.erase([], None) is None
        db.session.remove()
    assert {model: len(rows(w.tenant, model)) for model in (Bill, Payment, Discount, FeeUnit)} == before
    with wuye_owner_engine.connect() as conn:  # at rest: nothing left of the phone
        if wuye_backend.is_postgresql:
            conn.execute(text("select set_config('app.tenant_id', :t, false)"), {"t": str(w.tenant.id)})
        raw = conn.execute(text("select payer_name, payer_phone from fees_units where id = :i"),
                           {"i": ids["shop"]}).one()
    assert tuple(raw) == (None, None)


def test_a_failing_erasure_erases_nothing(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, monkeypatch):
    """The core runs the hook in a savepoint of the approval: when it fails, rolling back leaves the
    payer as they were."""
    from wuye_fees import rights

    w, ids = _world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    with wuye_app.test_request_context(), tenant_context(w.tenant.id):
        # a second unit let to the same phone; the flush fails after both were changed
        db.session.add(FeeUnit(community_id=w.cid, site_id=w.site, kind="parking", label="车位 A-002",
                               payer_name="张三", payer_phone=PHONE, billing_from=datetime(2026, 1, 1).date(),
                               active=True, created_by="test"))
        db.session.commit()

        def failing():
            raise RuntimeError("disk full")

        savepoint = db.session.begin_nested()
        monkeypatch.setattr(db.session, "flush", failing)
        try:
            rights.erase([w.ids["resident"]], PHONE)
        except RuntimeError:
            pass
        monkeypatch.undo()
        savepoint.rollback()
        db.session.commit()
        kept = {u.label: (u.payer_name, u.payer_phone) for u in db.session.scalars(
            select(FeeUnit).where(FeeUnit.kind != "residential"))}
        db.session.remove()
    assert kept == {"商铺 A-01": ("张三（便民超市）", "138-0000-0000"), "车位 A-002": ("张三", PHONE),
                    "车位 A-001": ("李四", "13900000001")}
