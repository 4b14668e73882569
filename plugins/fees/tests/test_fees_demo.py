"""The fees demo: the module on its own (in-process, a street's resettlement compound and a
commercial compound side by side: rates, collection, the journal's consistency, few statements,
quick, idempotent), and `wuye demo` run for real twice on a fresh database (the demo tenants'
communities billed in their cycles, totals consistent, receipts unique, the demo users sign in,
a second run adds nothing)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter as Tally
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import event, func, select, text
from wuye_fees.bill_state import settle
from wuye_fees.demo import area_of
from wuye_fees.models import (
    Allocation,
    Bill,
    BillingRun,
    Discount,
    Entry,
    FeeRate,
    FeeUnit,
    LedgerImport,
    Payment,
    Reminder,
)
from wuye_fees.periods import add_months

from wuye_core.plugins import (
    LOCAL_TZ,
    Building,
    Community,
    Household,
    Resident,
    Site,
    Unit,
    db,
    local_today,
    staff_holding,
    tenant_context,
)

WUYE = str(Path(sys.executable).with_name("wuye"))
TABLES = ("fees_units", "fees_rates", "fees_billing_runs", "fees_bills", "fees_discounts", "fees_payments",
          "fees_allocations", "fees_counters", "fees_reminders", "fees_entries", "fees_imports")
DEMO_USERS = {"caiwu": ("jinghe-fees-2026", "fees_manager"), "shoufei": ("jinghe-cashier-2026", "fees_cashier")}
RECEIPT = re.compile(r"^[A-Za-z0-9-]{1,10}\d{4}-\d{6}$")


# --- what every demo community must satisfy -------------------------------------------------------------


def check_journal(community_id: int, today: date) -> dict:
    """The rules of models.py / bill_state.py on the community's rows; returns figures to judge."""
    bills = db.session.scalars(select(Bill).where(Bill.community_id == community_id)).all()
    allocated = dict(db.session.execute(select(Allocation.bill_id, func.sum(Allocation.amount_fen))
                                        .where(Allocation.community_id == community_id)
                                        .group_by(Allocation.bill_id)).all())
    discounted = dict(db.session.execute(select(Discount.bill_id, func.sum(Discount.amount_fen))
                                         .where(Discount.community_id == community_id,
                                                Discount.status == "approved").group_by(Discount.bill_id)).all())
    for b in bills:
        assert b.paid_fen == allocated.get(b.id, 0), (b.id, b.paid_fen, allocated.get(b.id))
        assert b.discount_fen == discounted.get(b.id, 0), b.id
        assert 0 <= b.paid_fen + b.discount_fen <= b.amount_fen, b.id
        state = SimpleNamespace(status=b.status, settled_on=b.settled_on, amount_fen=b.amount_fen,
                                discount_fen=b.discount_fen, paid_fen=b.paid_fen)
        settle(state, today)
        assert (state.status, state.settled_on) == (b.status, b.settled_on), b.id
        assert b.status != "open" or b.settled_on is None
    # every payment's allocations add up to at most its amount (the rest is credit); refunds point back
    payments = db.session.scalars(select(Payment).where(Payment.community_id == community_id)).all()
    per_payment = dict(db.session.execute(select(Allocation.payment_id, func.sum(Allocation.amount_fen))
                                          .where(Allocation.community_id == community_id)
                                          .group_by(Allocation.payment_id)).all())
    for p in payments:
        if p.kind == "payment":
            assert p.amount_fen > 0 and RECEIPT.match(p.receipt_no), p.receipt_no
            assert 0 < per_payment.get(p.id, 0) <= p.amount_fen or p.note
        else:
            assert p.amount_fen < 0 and p.reverses_id and p.reason and p.receipt_no is None
        assert p.paid_at.astimezone(LOCAL_TZ).date() < today
    # the units' unique label per site and kind; each bill's unit is the community's
    units = {u.id: u for u in db.session.scalars(select(FeeUnit).where(FeeUnit.community_id == community_id))}
    assert all(b.fee_unit_id in units and b.site_id == units[b.fee_unit_id].site_id for b in bills)
    generated = [b for b in bills if b.source == "generated" and b.due_on < today]
    due = sum(b.amount_fen - b.discount_fen for b in generated)
    by_kind: dict[str, list[int]] = {}
    for b in generated:
        pair = by_kind.setdefault(units[b.fee_unit_id].kind, [0, 0])
        pair[0] += b.paid_fen
        pair[1] += b.amount_fen - b.discount_fen
    return {
        "bills": bills, "payments": payments, "units": units,
        "rate": sum(b.paid_fen for b in generated) / due if due else None,
        "by_kind": {k: paid / owed for k, (paid, owed) in by_kind.items() if owed},
    }


def receipts_unique(tenant_id: int) -> None:
    numbers = db.session.scalars(select(Payment.receipt_no).where(Payment.receipt_no.is_not(None))).all()
    assert len(numbers) == len(set(numbers)) and numbers


# --- the module alone --------------------------------------------------------------------------------------


def _register(tenant, community_id: int, homes: int = 40) -> dict:
    """A resettlement compound in the community with `homes` units (some without an area, some
    vacant), households and residents (two tagged 低保户), written through the models."""
    with tenant.app.app_context(), tenant_context(tenant.id):
        site = Site(community_id=community_id, name="稻香苑", kind="resettlement")
        db.session.add(site)
        db.session.flush()
        building = Building(community_id=community_id, site_id=site.id, name="1栋", floors=10)
        db.session.add(building)
        db.session.flush()
        for i in range(homes):
            unit = Unit(community_id=community_id, site_id=site.id, building_id=building.id, entrance="1",
                        floor=i // 4 + 1, number=f"{i // 4 + 1}{i % 4 + 1:02d}",
                        area_m2=None if i % 10 == 3 else 60 + i)
            db.session.add(unit)
            db.session.flush()
            household = Household(community_id=community_id, site_id=site.id, building_id=building.id,
                                  unit_id=unit.id, kind="vacant" if i % 13 == 5 else "owner")
            db.session.add(household)
            db.session.flush()
            if i % 13 != 5:
                resident = Resident(community_id=community_id, site_id=site.id, building_id=building.id,
                                    household_id=household.id, name=f"住户{i:02d}", phone=f"1390000{i:04d}")
                resident.tags = ["低保户"] if i in (6, 17) else []
                db.session.add(resident)
        db.session.commit()
        ids = {"site": site.id}
        db.session.remove()
    return ids


def test_the_module_alone_is_quick_consistent_and_idempotent(wuye_app, wuye_backend, wuye_make_tenant, wuye_register,
                                                              wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)  # its site is a commercial compound with one unit of no area
    cid = ids["community"]
    street = _register(tenant, cid)
    wuye_enable_plugin(tenant, "fees", cid)
    from wuye_fees.demo import add_demo_data

    today = local_today()
    seen = []
    with wuye_app.test_request_context(), tenant_context(tenant.id):
        engine = db.engine
        listener = lambda *args, **kw: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            started = time.monotonic()
            add_demo_data(cid, {}, today)
            db.session.commit()
            took = time.monotonic() - started
            first = len(seen)
            add_demo_data(cid, {}, today)
            again = len(seen) - first
        finally:
            event.remove(engine, "before_cursor_execute", listener)

        # rates: the street's 0.45 / 2.00 / 60, the company's 1.50 (after a closed 1.30) / 3.50 / 120
        rates = {(r.site_id, r.unit_kind, r.valid_until is None): (r.basis, r.price)
                 for r in db.session.scalars(select(FeeRate))}
        assert rates[(street["site"], "residential", True)] == ("per_m2", Decimal("0.45"))
        assert rates[(street["site"], "shop", True)] == ("per_m2", Decimal("2.00"))
        assert rates[(street["site"], "parking", True)] == ("fixed", Decimal("60"))
        assert rates[(ids["site"], "residential", True)] == ("per_m2", Decimal("1.50"))
        assert rates[(ids["site"], "residential", False)] == ("per_m2", Decimal("1.30"))

        # units: every home of the register, its area or the stand-in; 12 shops and 30 parking spaces
        units = db.session.scalars(select(FeeUnit).order_by(FeeUnit.id)).all()
        kinds = Tally(u.kind for u in units)
        assert kinds == {"residential": 41, "shop": 12, "parking": 30}
        homes = {u.unit_id: u for u in units if u.kind == "residential"}
        register = dict(db.session.execute(select(Unit.id, Unit.area_m2)).all())
        for unit_id, area in register.items():
            expected = Decimal(str(area)).quantize(Decimal("0.01")) if area else area_of(unit_id)
            assert homes[unit_id].area_m2 == expected
            assert Decimal(55) <= area_of(unit_id) <= Decimal(125)
        assert homes[ids["unit"]].label == "1栋1单元101"
        let = [u for u in units if u.kind != "residential"]
        assert all(u.payer_name and u.payer_phone and len(u.payer_phone) == 11 for u in let)
        residents = dict(db.session.execute(select(Resident.phone, Resident.name)).all())
        assert any(residents.get(u.payer_phone) == u.payer_name for u in let)  # some let to residents

        # twelve monthly bills per unit, from one run per month; the amounts are the rate's
        runs = db.session.scalars(select(BillingRun).order_by(BillingRun.period_start)).all()
        assert len(runs) == 12 and runs[-1].period_start == today.replace(day=1)
        j = check_journal(cid, today)
        generated = [b for b in j["bills"] if b.source == "generated"]
        assert len(generated) == 12 * len(units)
        assert sum(r.bills_made for r in runs) == len(generated)
        assert sum(r.amount_fen for r in runs) == sum(b.amount_fen for b in generated)
        home = next(u for u in units if u.kind == "residential" and u.site_id == street["site"])
        bill = next(b for b in generated if b.fee_unit_id == home.id)
        assert bill.amount_fen == int((Decimal("0.45") * home.area_m2 * 100).quantize(Decimal(1), "ROUND_HALF_UP"))
        assert all(b.amount_fen == 6000 for b in generated
                   if j["units"][b.fee_unit_id].kind == "parking" and b.site_id == street["site"])

        # the street collects ~60–70 % of its homes' fees, the company ~90 %
        street_units = {u.id for u in units if u.site_id == street["site"] and u.kind == "residential"}
        due = [b for b in generated if b.due_on < today and b.fee_unit_id in street_units]
        rate = sum(b.paid_fen for b in due) / sum(b.amount_fen - b.discount_fen for b in due)
        assert 0.5 < rate < 0.8, rate
        statuses = Tally(b.status for b in j["bills"])
        assert statuses["paid"] and statuses["open"] and statuses["waived"]
        assert any(b.status == "open" and b.paid_fen > 0 for b in j["bills"])  # partly paid

        # older arrears imported from the old ledger, over a year overdue
        imported = [b for b in j["bills"] if b.source == "imported"]
        assert imported and all(b.status == "open" and b.months == 6 and "~" in b.period_label and
                                b.due_on == b.period_end for b in imported)
        assert sum(b.due_on < today - timedelta(days=365) for b in imported) == len(imported) * 2 // 3
        assert db.session.scalar(select(LedgerImport.rows)) == len(imported)

        # waivers: 3 households (the register's 低保户 first), approved by someone else than who asked
        waivers = db.session.scalars(select(Discount).where(Discount.kind == "waiver")).all()
        waived_households = {db.session.get(Bill, d.bill_id).household_id for d in waivers}
        assert len(waived_households) == 3
        tagged = set(db.session.scalars(select(Resident.household_id).where(Resident.tag_rows.any(tag="低保户"))))
        assert tagged <= waived_households
        assert all(d.status == "approved" and d.reason == "subsistence" and d.decided_by and
                   d.decided_by != d.requested_by or d.decided_by == "admin" for d in waivers)
        assert db.session.scalar(select(func.count()).select_from(Discount).where(Discount.status == "requested")) == 1

        # one refund of a duplicate payment (credit, no allocation)
        refunds = [p for p in j["payments"] if p.kind == "refund"]
        assert len(refunds) == 1
        original = db.session.get(Payment, refunds[0].reverses_id)
        assert original.amount_fen == -refunds[0].amount_fen and original.method == "transfer"
        assert db.session.scalar(select(func.count()).select_from(Allocation).where(
            Allocation.payment_id == original.id)) == 0
        assert {p.method for p in j["payments"]} >= {"cash", "wechat", "transfer"}
        receipts_unique(tenant.id)

        # other income and spending: the gap and how it is covered
        entries = db.session.scalars(select(Entry).where(Entry.cancelled_at.is_(None))).all()
        income = Tally()
        for e in entries:
            income[(e.direction, e.category)] += e.amount_fen
        assert {c for d, c in income if d == "spending"} >= {"staff", "cleaning", "greening", "security", "repairs",
                                                              "utilities"}
        assert income[("income", "subsidy")] > 0 and income[("income", "shop_rent")] > 0
        subsidies = [e for e in entries if e.category == "subsidy"]
        assert all(e.counterparty == "区财政局" and e.site_id == street["site"] for e in subsidies)
        assert 3 <= len(subsidies) <= 4
        street_fees = sum(b.paid_fen for b in generated if b.site_id == street["site"])
        street_cost = sum(e.amount_fen for e in entries if e.site_id == street["site"] and e.direction == "spending")
        street_other = sum(e.amount_fen for e in entries if e.site_id == street["site"] and e.direction == "income")
        # a gap between fee income and cost, mostly covered by rents and the subsidy
        assert street_fees < street_cost and 0.8 < (street_fees + street_other) / street_cost < 1.05
        assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.cancelled_at.is_not(None))) == 1
        assert db.session.scalar(select(func.count()).select_from(Reminder)) > 0

        db.session.remove()
    assert again == 1  # the marker: fee units exist
    assert took < 2, took  # well under a second here
    if wuye_backend.is_postgresql:
        assert first < 40, first


def test_the_demo_is_deterministic(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """The same community and day give the same rows (amounts, statuses, receipts, times): made
    twice in a savepoint rolled back in between; quarterly here."""
    from wuye_fees.demo import add_demo_data

    found = []
    today = date(2026, 11, 20)
    tenant = wuye_make_tenant("acme")
    cid = wuye_register(tenant)["community"]
    _register(tenant, cid, homes=15)
    wuye_enable_plugin(tenant, "fees", cid, {"billing_cycle": "quarterly"})
    with wuye_app.test_request_context(), tenant_context(tenant.id):
        for _ in range(2):
            savepoint = db.session.begin_nested()
            add_demo_data(cid, {"billing_cycle": "quarterly"}, today)
            db.session.flush()
            unit = db.session.scalar(select(func.min(FeeUnit.id)))
            found.append((
                [(b.fee_unit_id - unit, b.period_label, b.amount_fen, b.paid_fen, b.discount_fen, b.status,
                  b.settled_on) for b in db.session.scalars(select(Bill).order_by(Bill.id))],
                [(p.kind, p.amount_fen, p.method, p.receipt_no, p.paid_at, p.payer_name) for p in
                 db.session.scalars(select(Payment).order_by(Payment.id))],
                [(e.category, e.amount_fen, e.occurred_on) for e in db.session.scalars(select(Entry).order_by(Entry.id))],
            ))
            generated = {label for _u, label, _a, _p, _d, _s, _o in found[-1][0]}
            assert generated >= {"2026Q1", "2026Q2", "2026Q3", "2026Q4"}
            check_journal(cid, today)
            savepoint.rollback()
        db.session.remove()
    assert found[0] == found[1]


# --- `wuye demo` for real ------------------------------------------------------------------------------------


@pytest.fixture
def wuye_cli(wuye_app, wuye_backend, tmp_path):
    settings = wuye_app.config["WUYE"]
    env = {**os.environ, "WUYE_DATABASE_URL": wuye_backend.app_url, "WUYE_MIGRATE_DATABASE_URL": wuye_backend.owner_url,
           "WUYE_SECRET_KEY": settings.secret_key, "WUYE_PASSWORD_TIME_COST": "1",
           "WUYE_PASSWORD_MEMORY_COST": "1024", "WUYE_LOG_LEVEL": "WARNING"}
    env.pop("WUYE_REDIS_URL", None)

    def run(*args):
        result = subprocess.run([WUYE, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
        return result

    return run


def _counts(wuye_owner_engine, wuye_backend, tenant_id) -> dict:
    with wuye_owner_engine.connect() as conn:
        if wuye_backend.is_postgresql:
            conn.execute(text("select set_config('app.tenant_id', :t, false)"), {"t": str(tenant_id)})
        return {t: conn.execute(text(f"select count(*) from {t} where tenant_id = :t"), {"t": tenant_id}).scalar()
                for t in TABLES}


def test_wuye_demo_bills_the_street_and_the_company(wuye_app, wuye_cli, wuye_owner_engine, wuye_backend):
    first = json.loads(wuye_cli("demo", "--json").stdout)
    jinghe = next(t for t in first["tenants"] if t["slug"] == "jinghe")
    listed = {u["username"]: (u["password"], u["role"]) for u in jinghe["users"]}
    assert {name: listed.get(name) for name in DEMO_USERS} == DEMO_USERS
    with wuye_owner_engine.connect() as conn:
        tenants = dict(conn.execute(text("select slug, id from tenants")).all())
    counts = {slug: _counts(wuye_owner_engine, wuye_backend, tenants[slug]) for slug in ("jinghe", "xinghe")}
    today = local_today()

    with wuye_app.app_context(), tenant_context(tenants["jinghe"]):
        codes = dict(db.session.execute(select(Community.code, Community.id)).all())
        for code in ("daoxiang", "sandian"):
            j = check_journal(codes[code], today)
            assert 0.55 <= j["by_kind"]["residential"] <= 0.75, (code, j["by_kind"])
            assert Tally(u.kind for u in j["units"].values())["shop"] == 12
            assert {r.price for r in db.session.scalars(select(FeeRate).where(
                FeeRate.community_id == codes[code], FeeRate.unit_kind == "residential"))} == {Decimal("0.45")}
            assert {b.period_label for b in j["bills"] if b.source == "generated"} == \
                {f"{d:%Y-%m}" for d in (add_months(today.replace(day=1), -k) for k in range(12))}
        # 海景北 has no fees (its compound is the company's; its village pays none)
        assert db.session.scalar(select(func.count()).select_from(FeeUnit).where(
            FeeUnit.community_id == codes["haijingbei"])) == 0
        daoxiang = codes["daoxiang"]
        waivers = db.session.scalars(select(Discount).where(Discount.community_id == daoxiang,
                                                            Discount.kind == "waiver")).all()
        assert {d.decided_by for d in waivers} == {"caiwu"} and {d.requested_by for d in waivers} == {"shoufei"}
        assert len({db.session.get(Bill, d.bill_id).household_id for d in waivers}) == 3
        receipts_unique(tenants["jinghe"])
        assert all(n.startswith("SF") for n in db.session.scalars(select(Payment.receipt_no).where(
            Payment.receipt_no.is_not(None))))
        for role in ("fees_manager", "fees_cashier"):
            assert staff_holding([role], daoxiang)
        db.session.remove()

    with wuye_app.app_context(), tenant_context(tenants["xinghe"]):
        codes = dict(db.session.execute(select(Community.code, Community.id)).all())
        j = check_journal(codes["xinghe-01"], today)  # quarterly, at the company's rates
        assert j["by_kind"]["residential"] >= 0.82, j["by_kind"]
        assert {b.period_label[4] for b in j["bills"]} == {"Q"} and len({b.period_label for b in j["bills"]}) == 4
        assert {r.price for r in db.session.scalars(select(FeeRate).where(
            FeeRate.community_id == codes["xinghe-01"], FeeRate.unit_kind == "residential",
            FeeRate.valid_until.is_(None)))} == {Decimal("1.50")}
        j = check_journal(codes["xinghe-haijing"], today)  # monthly
        assert j["by_kind"]["residential"] >= 0.82, j["by_kind"]
        receipts_unique(tenants["xinghe"])
        db.session.remove()

    # the demo users sign in and reach the plugin's pages
    for username, (password, _role) in DEMO_USERS.items():
        client = wuye_app.test_client()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/sign-in").get_data(as_text=True))
        r = client.post("/console/sign-in", data={"tenant": "jinghe", "username": username, "password": password,
                                                  "csrf_token": csrf.group(1)})
        assert r.status_code in (302, 303), r.get_data(as_text=True)[:500]
        page = client.get("/console/plugins/fees/?lang=en", follow_redirects=True)  # a choice of two, or the one
        assert page.status_code == 200 and "Property fees" in page.get_data(as_text=True)
        token = client.post("/api/v1/auth/token", json={"tenant": "jinghe", "username": username,
                                                        "password": password}).get_json()
        assert token.get("access_token"), token

    # idempotent: a second run adds nothing
    second = json.loads(wuye_cli("demo", "--json").stdout)
    assert second == first
    for slug in ("jinghe", "xinghe"):
        assert _counts(wuye_owner_engine, wuye_backend, tenants[slug]) == counts[slug]
    assert counts["jinghe"]["fees_bills"] > 1500 and counts["jinghe"]["fees_payments"] > 500
    assert counts["xinghe"]["fees_bills"] > 500
