"""Generating a period's bills (出账), cancelling a bill, entering one by hand.

`generate(community_id, period, by)` makes one bill per active fee unit of the community whose
billing window (billing_from … billing_until) overlaps the period:

- **the rate** is the one of the unit's site and kind in force on the period's first day
  (rates.rate_for); none → skipped as `no_rate`; a per-㎡ rate and a unit without an area →
  skipped as `no_area`;
- **months**: the period's (1, 3 or 12); a unit whose billing_from falls inside the period is
  billed for the months from billing_from's month on (handed over on 15 November: a Q4 bill for
  November and December, 2 months); one whose billing_until falls inside, up to that month;
- **amount** = money.charge_fen(price, months, area) — Decimal, rounded half up once, never float
  (0.45 元 × 87.35 ㎡ × 1 month = 3,931 fen; × 3 months = 11,792 fen);
- **household**: the register unit's current household (not moved out on the day of billing; the
  latest such when there are several); shops and parking spaces have none;
- **due_on** = the period's first day + the community's `due_days`.

Idempotent: the bills are inserted with INSERT … ON CONFLICT DO NOTHING on the unique index
(tenant, fee_unit_id, period_start), so generating twice — or two runs at once on PostgreSQL —
makes each bill once; a unit already billed counts as `already_billed` in the run. Set-based: the
units, the rates and the households are read in one query each, the bills inserted in one
statement (batched by the driver), nothing per unit.

The period's cycle is the community's `billing_cycle`; a past period may be billed, one starting
more than one cycle ahead may not (422 `period`). The daily job (`generate_bills`) bills the
current period of every community where the plugin is on and `auto_billing` is set, when no run
of that period is recorded yet.
"""

from __future__ import annotations

from collections import Counter as Tally
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from wuye_core.plugins import (
    Conflict,
    Household,
    Schedule,
    db,
    get_for_update,
    invalid,
    local_today,
    plugin_communities,
    plugin_config,
    record_audit,
    require_tenant_id,
)

from . import bill_state, vocab
from .access import NAME
from .i18n import N_
from .models import Bill, BillingRun, FeeUnit
from .money import charge_fen
from .periods import CYCLE_MONTHS, Period, months_between, next_period, parse_label, period_of
from .rates import rates_on

DAY = 24 * 60 * 60
BATCH = 5000
SKIP_REASONS = ("no_rate", "no_area")


def _conflict(field: str, message) -> Conflict:
    return Conflict(message, errors={"json": {field: [message]}})


def config_of(community_id: int) -> dict:
    return plugin_config(NAME, community_id)


def current_period(community_id: int, today: date | None = None) -> Period:
    return period_of(config_of(community_id).get("billing_cycle", "monthly"), today or local_today())


def check_period(community_id: int, label: str | Period, today: date | None = None) -> Period:
    """The period named by `label` ("2026-11", "2026Q4", "2026") in the community's cycle; a
    period starting more than one cycle ahead is refused (422 `period`)."""
    cycle = config_of(community_id).get("billing_cycle", "monthly")
    if isinstance(label, Period):
        period = label
    else:
        try:
            period = parse_label(label)
        except (ValueError, AttributeError):
            invalid("period", N_("A period is written 2026-11 (monthly), 2026Q4 (quarterly) or 2026 (yearly)."))
    if period.cycle != cycle:
        invalid("period", N_("This community bills %(cycle)s: write the period as %(example)s.",
                             cycle=vocab.label(vocab.BILLING_CYCLES, cycle).lower(), example={"monthly": "2026-11", "quarterly": "2026Q4", "yearly": "2026"}[cycle]))
    if period.start > next_period(period_of(cycle, today or local_today())).start:
        invalid("period", N_("Bills can be made at most one period ahead."))
    return period


def _insert(model):
    name = db.session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(model)


def _households(community_id: int, today: date) -> dict[int, int]:
    """Register unit id → its current household (not moved out; the latest), in one query."""
    rows = db.session.execute(select(Household.unit_id, func.max(Household.id)).where(
        Household.community_id == community_id,
        or_(Household.moved_out_on.is_(None), Household.moved_out_on > today)).group_by(Household.unit_id))
    return dict(rows.all())


def generate(community_id: int, period: Period, by: str, today: date | None = None) -> BillingRun:
    """Make the period's bills for the community (see the module); returns the run (flushed) with
    `bills_made`, `already_billed`, `skipped` {reason: count} and `amount_fen` (of the bills made)."""
    today = today or local_today()
    tenant_id = require_tenant_id()
    due_days = int(config_of(community_id).get("due_days", 30))
    run = BillingRun(community_id=community_id, cycle=period.cycle, period_start=period.start,
                     period_end=period.end, bills_made=0, already_billed=0, skipped={}, amount_fen=0,
                     started_by=by)
    db.session.add(run)
    db.session.flush()
    rates = rates_on(community_id, period.start)
    households = _households(community_id, today)
    units = db.session.execute(select(
        FeeUnit.id, FeeUnit.site_id, FeeUnit.kind, FeeUnit.unit_id, FeeUnit.area_m2, FeeUnit.billing_from,
        FeeUnit.billing_until).where(
        FeeUnit.community_id == community_id, FeeUnit.active.is_(True), FeeUnit.billing_from <= period.end,
        or_(FeeUnit.billing_until.is_(None), FeeUnit.billing_until >= period.start)).order_by(FeeUnit.id)).all()
    # units billed for these months already: this period's bill (a second run), or a bill that
    # covers them otherwise — an imported bill of opening arrears spans months (ledger_import.py).
    # Read once, so a second run inserts nothing and probes no index; ON CONFLICT below still
    # settles two runs at once.
    covered = set(db.session.scalars(select(Bill.fee_unit_id).where(
        Bill.community_id == community_id, Bill.period_start <= period.end, Bill.period_end >= period.start,
        or_(Bill.status != "cancelled", Bill.period_start == period.start))))
    skipped: Tally = Tally()
    due_on = period.start + timedelta(days=due_days)
    rows = []
    already = 0
    for fee_unit_id, site_id, kind, unit_id, area, billing_from, billing_until in units:
        if fee_unit_id in covered:
            already += 1
            continue
        rate = rates.get((site_id, kind))
        if rate is None:
            skipped["no_rate"] += 1
            continue
        if rate.basis == "per_m2" and not area:
            skipped["no_area"] += 1
            continue
        first = max(billing_from, period.start)
        last = min(billing_until, period.end) if billing_until is not None else period.end
        months = months_between(first, last) if (first, last) != (period.start, period.end) else period.months
        rows.append({
            "tenant_id": tenant_id, "community_id": community_id, "site_id": site_id, "fee_unit_id": fee_unit_id,
            "household_id": households.get(unit_id) if unit_id is not None else None, "rate_id": rate.id,
            "run_id": run.id, "source": "generated", "period_start": period.start, "period_end": period.end,
            "period_label": period.label, "months": months,
            "area_m2": area if rate.basis == "per_m2" else None, "price": rate.price,
            "amount_fen": charge_fen(rate.price, months, area if rate.basis == "per_m2" else None),
            "discount_fen": 0, "paid_fen": 0, "status": "open", "due_on": due_on,
        })
    made, amount, billed = 0, 0, set()
    stmt = (_insert(Bill).on_conflict_do_nothing(index_elements=["tenant_id", "fee_unit_id", "period_start"])
            .returning(Bill.fee_unit_id, Bill.amount_fen))
    for start in range(0, len(rows), BATCH):
        inserted = db.session.execute(stmt, rows[start:start + BATCH]).all()
        made += len(inserted)
        amount += sum(fen for _unit, fen in inserted)
        billed.update(fee_unit_id for fee_unit_id, _fen in inserted)
    _use_credit(community_id, billed, by)
    run.bills_made, run.already_billed, run.amount_fen = made, already + len(rows) - made, amount
    run.skipped = {reason: skipped[reason] for reason in SKIP_REASONS if skipped[reason]}
    run.finished_at = datetime.now(UTC)
    db.session.flush()
    return run


def _use_credit(community_id: int, billed: set[int], by: str) -> None:
    """Units just billed that hold credit (paid ahead, an opening balance imported) have it set
    against their bills at once (payments.apply_credit: under the unit's lock; no bill lock is held
    here). One grouped query finds them; there are few."""
    if not billed:
        return
    from .payments import apply_credit, credits

    for fee_unit_id, fen in sorted(credits(community_id).items()):
        if fen > 0 and fee_unit_id in billed:
            apply_credit(fee_unit_id, by)


def generated(community_id: int, period: Period) -> bool:
    """Whether a run of the period is recorded in the community."""
    return db.session.scalar(select(BillingRun.id).where(
        BillingRun.community_id == community_id, BillingRun.period_start == period.start,
        BillingRun.cycle == period.cycle).limit(1)) is not None


# --- the daily job --------------------------------------------------------------------------------


def generate_bills(tenant_id: int, today: date | None = None, **_) -> int:
    """The job: in every community of the tenant where the plugin is on and `auto_billing` is set,
    the current period's bills, unless a run of that period is recorded already (and a second
    run at once makes nothing twice: the unique index). Returns how many bills were made."""
    today = today or local_today()
    made = 0
    for community_id in sorted(plugin_communities(NAME)):
        config = config_of(community_id)
        if not config.get("auto_billing", True):
            continue
        period = period_of(config.get("billing_cycle", "monthly"), today)
        if generated(community_id, period):
            continue
        made += generate(community_id, period, "system", today).bills_made
    return made


JOBS = {"generate_bills": generate_bills}
SCHEDULES = [Schedule("generate_bills", "generate_bills", DAY)]


# --- one bill -------------------------------------------------------------------------------------


def cancel_bill(bill_id: int, reason: str, by: str) -> Bill:
    """作废: a bill made in error stops counting (kept, status cancelled). Refused (409) when
    anything was paid on it (refund first) or it is cancelled already. Audited "amended"."""
    bill = get_for_update(Bill, bill_id)
    if bill.status == "cancelled":
        raise Conflict(N_("This bill is cancelled already."))
    if bill.paid_fen:
        raise Conflict(N_("Something was paid on this bill: refund it first."))
    reason = (reason or "").strip()
    if not reason:
        invalid("reason", N_("Say why the bill is cancelled."))
    bill.status, bill.cancelled_by, bill.cancel_reason = "cancelled", by, reason[:300]
    bill.settled_on = None
    db.session.flush()
    record_audit(NAME, "amended", target_type="fees_bill", target_id=bill.id,
                 details={"fields": ["status", "cancel_reason"], "community_id": bill.community_id})
    return bill


def manual_bill(fee_unit: FeeUnit, period: Period, amount_fen: int, by: str, note: str | None = None,
                due_on: date | None = None) -> Bill:
    """A bill entered by hand (source manual): the unit's charge for a period at an amount of its
    own (an arrangement the rate does not cover). It **stands for** the regular bill of the months
    it covers — generating those months skips the unit, as for an imported bill — so it is at
    most one period ahead (422 `period`), and 409 naming `period` when the unit has a bill
    overlapping those months already."""
    if amount_fen is None or amount_fen <= 0:
        invalid("amount_fen", N_("An amount is more than 0."))
    if amount_fen > 100_000_000_00:
        invalid("amount_fen", N_("Too large an amount."))
    if period.start > next_period(period_of(period.cycle, local_today())).start:
        invalid("period", N_("Bills can be made at most one period ahead."))
    if db.session.scalar(select(Bill.id).where(
            Bill.fee_unit_id == fee_unit.id, Bill.period_start <= period.end, Bill.period_end >= period.start,
            or_(Bill.status != "cancelled", Bill.period_start == period.start)).limit(1)):
        raise _conflict("period", N_("This unit has a bill for these months already."))
    config = config_of(fee_unit.community_id)
    household_id = None
    if fee_unit.unit_id is not None:
        household_id = _households(fee_unit.community_id, local_today()).get(fee_unit.unit_id)
    bill = Bill(community_id=fee_unit.community_id, site_id=fee_unit.site_id, fee_unit_id=fee_unit.id,
                household_id=household_id, rate_id=None, run_id=None, source="manual", period_start=period.start,
                period_end=period.end, period_label=period.label, months=CYCLE_MONTHS[period.cycle],
                area_m2=None, price=None, amount_fen=amount_fen, discount_fen=0, paid_fen=0, status="open",
                due_on=due_on or period.start + timedelta(days=int(config.get("due_days", 30))),
                note=(note or None) and note[:300])
    db.session.add(bill)
    db.session.flush()
    record_audit(NAME, "amended", target_type="fees_bill", target_id=bill.id,
                 details={"fields": ["manual_bill"], "community_id": bill.community_id})
    return bill


def settle_now(bill: Bill, today: date | None = None) -> None:
    bill_state.settle(bill, today or local_today())
