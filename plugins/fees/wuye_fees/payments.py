"""Payments (收款) and how they settle bills (核销).

A payment is a row of the append-only journal (`Payment`, kind "payment") and its allocations
(`Allocation`): how much of it is set against which bill. What is not set against a bill is the
unit's credit (预收): shown on the cashier's desk and the unit's account, and set against the
unit's open bills by `apply_credit` — the console's button, and **billing may call it after it
makes a unit's new bills** (holding no bill lock: see the lock order below). Nothing in the
journal is ever changed: a mistake is mended by a refund or a reversal (refunds.py).

Credit is counted per *root* payment: a payment and the refunds/reversals of it (`reverses_id`).
Its remaining credit = the group's amounts − the group's allocations. A provider's payment that
named no unit (`fee_unit_id` None, provider_payments.py) is nobody's credit: matched by staff
(`match_payment`), it is reversed and recorded again for the unit (`matched_from_id`).

Locks, always in this order (no two requests wait for each other):
  1. the tenant's "unmatched" counter row — only for work on a payment that named no unit
     (matching, refunding, reversing it);
  2. the fee unit (`get_for_update(FeeUnit, …)`): every change of a unit's payments, allocations
     and credit holds it, so "what is still owed / what credit is left" is read once, right;
  3. the unit's bills, by id (`SELECT … ORDER BY id FOR UPDATE`);
  4. the tenant's receipt counter of the year (`Counter`, kind "receipt").
The journal's rows themselves cannot be locked: the database refuses the app's role any UPDATE
of them, `SELECT … FOR UPDATE` included — the unit's row stands for them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from wuye_core.plugins import (
    LOCAL_TZ,
    Conflict,
    Household,
    db,
    get_for_update,
    invalid,
    local_now,
    local_today,
    plugin_config,
    record_audit,
    store_note,
)

from . import vocab
from .access import NAME
from .bill_state import OPEN, settle
from .i18n import N_
from .models import Allocation, Bill, Counter, FeeUnit, Payment

MAX_FEN = 10**11  # 10 亿元: more is a typing mistake
STAFF_METHODS = tuple(code for code in vocab.PAYMENT_METHODS if code != "provider")
FUTURE_SLACK = timedelta(minutes=5)  # a till's clock a little ahead is not "in the future"

# a journal row's root payment: itself, or the payment it refunds or reverses
ROOT = func.coalesce(Payment.reverses_id, Payment.id)


# --- numbering and locks -------------------------------------------------------------------------


def locked_counter(kind: str, year: int) -> Counter:
    """The tenant's counter row of `kind` and `year`, locked; made first when missing (two
    requests making it at once: one insert wins, the other finds it — savepoint + unique index)."""
    found = db.session.scalar(select(Counter.id).where(Counter.kind == kind, Counter.year == year))
    if found is None:
        try:
            with db.session.begin_nested():
                db.session.add(Counter(kind=kind, year=year, last=0))
                db.session.flush()
        except IntegrityError:
            pass  # made at the same moment by another request
        found = db.session.scalar(select(Counter.id).where(Counter.kind == kind, Counter.year == year))
    return get_for_update(Counter, found)


def lock_unmatched() -> None:
    """Lock 1 (see the module): work on payments that named no unit, one request at a time."""
    locked_counter("unmatched", 0)


def receipt_prefix(community_id: int) -> str:
    return plugin_config(NAME, community_id).get("receipt_prefix") or "SF"


def next_receipt_no(community_id: int, year: int | None = None) -> str:
    """The next receipt number of the tenant and year, e.g. "SF2026-000123": unique and gapless
    (the counter's row is locked until the payment commits; a rolled-back payment rolls it back)."""
    year = year or local_today().year
    counter = locked_counter("receipt", year)
    counter.last += 1
    return f"{receipt_prefix(community_id)}{year}-{counter.last:06d}"


def lock_bills(bill_ids) -> list[Bill]:
    """The bills, locked in id order and re-read as committed."""
    ids = sorted(set(bill_ids))
    if not ids:
        return []
    return list(db.session.scalars(select(Bill).where(Bill.id.in_(ids)).order_by(Bill.id).with_for_update()
                                   .execution_options(populate_existing=True)))


def oldest_first(bills: list[Bill]) -> list[Bill]:
    return sorted(bills, key=lambda b: (b.due_on, b.period_start, b.id))


# --- credit ----------------------------------------------------------------------------------------


def group_totals(root_ids) -> dict[int, tuple[int, int]]:
    """{root payment id: (the group's amounts, the group's allocations)} in two grouped queries."""
    ids = list(set(root_ids))
    if not ids:
        return {}
    amounts = dict(db.session.execute(select(ROOT, func.sum(Payment.amount_fen)).where(ROOT.in_(ids))
                                      .group_by(ROOT)).all())
    allocated = dict(db.session.execute(select(ROOT, func.sum(Allocation.amount_fen)).select_from(Payment)
                                        .join(Allocation, Allocation.payment_id == Payment.id)
                                        .where(ROOT.in_(ids)).group_by(ROOT)).all())
    return {i: (int(amounts.get(i) or 0), int(allocated.get(i) or 0)) for i in ids}


def unit_roots(fee_unit_id: int) -> list[Payment]:
    """The unit's payments (kind "payment"), oldest first (a matched provider's payment is recorded
    again for the unit: `match_payment`)."""
    return list(db.session.scalars(select(Payment).where(Payment.kind == "payment", Payment.fee_unit_id == fee_unit_id)
                                   .order_by(Payment.paid_at, Payment.id)))


def credit_by_root(fee_unit_id: int) -> list[tuple[Payment, int]]:
    """(payment, credit left on it) for the unit's payments with credit, oldest first."""
    roots = unit_roots(fee_unit_id)
    totals = group_totals(r.id for r in roots)
    out = []
    for root in roots:
        amount, allocated = totals[root.id]
        if amount - allocated > 0:
            out.append((root, amount - allocated))
    return out


def credit_fen(fee_unit_id: int) -> int:
    """The unit's credit (预收): paid and not set against a bill."""
    return sum(left for _root, left in credit_by_root(fee_unit_id))


def credits(community_id: int, fee_unit_ids=None) -> dict[int, int]:
    """{fee unit id: credit} of a community's units (only those with credit ≠ 0), in grouped SQL:
    each journal row counts for its root payment's unit (a payment that named none is nobody's)."""
    root = aliased(Payment)
    unit = root.fee_unit_id

    def grouped(value, *joins):
        stmt = select(unit.label("u"), func.sum(value)).select_from(Payment)
        for target, on in joins:
            stmt = stmt.join(target, on)
        stmt = stmt.join(root, root.id == ROOT).where(Payment.community_id == community_id, unit.is_not(None))
        if fee_unit_ids is not None:
            stmt = stmt.where(unit.in_(list(fee_unit_ids)))
        return dict(db.session.execute(stmt.group_by(unit)).all())

    amounts = grouped(Payment.amount_fen)
    allocated = grouped(Allocation.amount_fen, (Allocation, Allocation.payment_id == Payment.id))
    out = {}
    for unit_id in set(amounts) | set(allocated):
        left = int(amounts.get(unit_id) or 0) - int(allocated.get(unit_id) or 0)
        if left:
            out[unit_id] = left
    return out


# --- recording -----------------------------------------------------------------------------------


def _household_of(unit: FeeUnit, bills: list[Bill]) -> int | None:
    for bill in sorted(bills, key=lambda b: b.period_start, reverse=True):
        if bill.household_id:
            return bill.household_id
    if unit.unit_id is None:
        return None
    return db.session.scalar(select(Household.id).where(Household.unit_id == unit.unit_id,
                                                        Household.moved_out_on.is_(None))
                             .order_by(Household.id.desc()).limit(1))


def _paid_at(paid_at: datetime | None) -> datetime:
    now = local_now()
    if paid_at is None:
        return now
    if paid_at.tzinfo is None:
        paid_at = paid_at.replace(tzinfo=LOCAL_TZ)  # a time without a zone is Beijing's
    if paid_at > now + FUTURE_SLACK:
        invalid("paid_at", N_("The time of payment cannot be in the future."))
    if paid_at.year < 2000:
        invalid("paid_at", N_("The time of payment is too long ago."))
    return paid_at


def _check_amount(amount_fen) -> int:
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        invalid("amount_fen", N_("The amount must be more than 0."))
    if amount_fen > MAX_FEN:
        invalid("amount_fen", N_("The amount is too large."))
    return amount_fen


def allocate(payment: Payment, bills: list[Bill], amount_fen: int, by: str | None) -> int:
    """Set up to `amount_fen` of `payment` against the (locked) bills in their order: each gets
    what it still owes; returns what is left (credit)."""
    today = local_today()
    left = amount_fen
    for bill in bills:
        if left <= 0:
            break
        if bill.status != "open":
            continue
        take = min(bill.owed_fen, left)
        if take <= 0:
            continue
        db.session.add(Allocation(community_id=bill.community_id, payment_id=payment.id, bill_id=bill.id,
                                  amount_fen=take, by=by))
        bill.paid_fen += take
        settle(bill, today)
        left -= take
    return left


def _open_bill_ids(fee_unit_id: int) -> list[int]:
    return list(db.session.scalars(select(Bill.id).where(Bill.fee_unit_id == fee_unit_id, OPEN)))


def _chosen_bills(unit: FeeUnit, bill_ids) -> list[Bill]:
    ids = [int(i) for i in bill_ids]
    bills = lock_bills(ids)
    if len(bills) != len(set(ids)) or any(b.fee_unit_id != unit.id for b in bills):
        invalid("bill_ids", N_("Only bills of this unit can be paid here."))
    if any(b.status == "cancelled" for b in bills):
        invalid("bill_ids", N_("A cancelled bill cannot be paid."))
    return bills


def record_payment(fee_unit_id: int, amount_fen: int, method: str, *, bill_ids=None, payer_name: str | None = None,
                   reference: str | None = None, paid_at: datetime | None = None, by: str,
                   note: str | None = None) -> Payment:
    """A payment taken by staff (a cashier or the manager: the caller checks): allocated to the
    chosen bills (`bill_ids`) or the unit's open bills, oldest due first; each bill gets what it
    still owes when its lock is taken (a payment recorded at the same moment by someone else has
    counted already), the rest stays the unit's credit. A receipt number is taken. Commits nothing."""
    if method not in STAFF_METHODS:
        invalid("method", N_("Choose how it was paid."))
    return _record(fee_unit_id, amount_fen, method, bill_ids=bill_ids, payer_name=payer_name, reference=reference,
                   paid_at=paid_at, by=by, note=note)


def _record(fee_unit_id: int | None, amount_fen: int, method: str, *, bill_ids=None, payer_name=None,
            reference=None, paid_at=None, by: str, note=None, provider: str | None = None,
            provider_txn_id: str | None = None, community_id: int | None = None,
            matched_from_id: int | None = None) -> Payment:
    amount_fen = _check_amount(amount_fen)
    when = _paid_at(paid_at)
    for name, value, size in (("payer_name", payer_name, 50), ("reference", reference, 100), ("note", note, 300)):
        if value is not None and len(value) > size:
            invalid(name, N_("At most %(n)s characters.", n=size))
    unit = None
    bills: list[Bill] = []
    if fee_unit_id is not None:
        if db.session.get(FeeUnit, fee_unit_id) is None:
            invalid("fee_unit_id", N_("No fee unit has this id."))
        unit = get_for_update(FeeUnit, fee_unit_id)
        if community_id is not None and unit.community_id != community_id:
            invalid("fee_unit_id", N_("No fee unit has this id."))
        community_id = unit.community_id
        bills = _chosen_bills(unit, bill_ids) if bill_ids else lock_bills(_open_bill_ids(unit.id))
    elif bill_ids:
        invalid("bill_ids", N_("Only bills of this unit can be paid here."))
    payment = Payment(community_id=community_id, site_id=unit.site_id if unit else None,
                      fee_unit_id=unit.id if unit else None, household_id=_household_of(unit, bills) if unit else None,
                      kind="payment", amount_fen=amount_fen, method=method, provider=provider,
                      provider_txn_id=provider_txn_id, reference=reference or None, payer_name=payer_name or None,
                      paid_at=when, note=note or None, recorded_by=by, matched_from_id=matched_from_id,
                      receipt_no=next_receipt_no(community_id))  # taken before the insert: no UPDATE after it
    db.session.add(payment)
    db.session.flush()  # its id; a provider's transaction reported twice fails here (unique index)
    if unit is not None:
        allocate(payment, oldest_first(bills), amount_fen, by)
    db.session.flush()
    return payment


def apply_credit(fee_unit_id: int, by: str) -> int:
    """Set the unit's credit against its open bills, oldest due first (the oldest credit first);
    returns the fen set. The console's button; billing may call it after making a unit's bills
    (without holding a bill's lock). Commits nothing."""
    unit = get_for_update(FeeUnit, fee_unit_id)
    if unit is None:
        invalid("fee_unit_id", N_("No fee unit has this id."))
    bills = oldest_first(lock_bills(_open_bill_ids(unit.id)))
    applied = 0
    for root, left in credit_by_root(unit.id):
        remaining = allocate(root, bills, left, by)
        applied += left - remaining
        if remaining > 0:
            break  # nothing is owed any more
    return applied


def match_payment(payment_id: int, fee_unit_id: int, by: str) -> Payment:
    """A provider's payment that named no (or a wrong) unit, matched by staff to a unit. The
    journal is not changed: the unmatched row is reversed (what is left of it after refunds) and the
    same money is recorded again for the unit — its time, method, payer and the provider's
    transaction id (as `reference`), `matched_from_id` naming the unmatched row — set against the
    unit's open bills oldest due first, the rest the unit's credit, with a receipt of its own. So
    every row that counts names its unit, site and household: the sites' statements, the exports,
    the resident's page see it as any payment. Returns the unit's new row. Audited "amended".
    Commits nothing."""
    lock_unmatched()
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.kind != "payment" or payment.fee_unit_id is not None:
        raise Conflict(N_("Only an online payment that named no unit can be matched."))
    if db.session.scalar(select(Payment.id).where(Payment.matched_from_id == payment.id).limit(1)) is not None:
        raise Conflict(N_("This payment has been matched already."))
    amount, _allocated = group_totals([payment.id])[payment.id]
    if amount <= 0:
        raise Conflict(N_("This payment has been refunded or reversed in full."))
    unit = db.session.get(FeeUnit, fee_unit_id)
    if unit is None or unit.community_id != payment.community_id:
        invalid("fee_unit_id", N_("No fee unit of this community has this id."))
    db.session.add(Payment(
        community_id=payment.community_id, site_id=None, fee_unit_id=None, household_id=None, kind="reversal",
        amount_fen=-amount, method=payment.method, provider=payment.provider, reference=payment.provider_txn_id,
        payer_name=payment.payer_name, paid_at=payment.paid_at, reverses_id=payment.id,
        reason=store_note(N_("Matched to the unit %(unit)s.", unit=unit.label), 300), recorded_by=by))
    db.session.flush()
    moved = _record(unit.id, amount, payment.method, payer_name=payment.payer_name,
                    reference=payment.provider_txn_id, paid_at=payment.paid_at, by=by, provider=payment.provider,
                    note=store_note(N_("Online payment %(receipt)s, matched by staff.",
                                       receipt=payment.receipt_no or payment.id), 300),
                    community_id=payment.community_id, matched_from_id=payment.id)
    record_audit(NAME, "amended", target_type="payment", target_id=payment.id,
                 details={"action": "matched", "fee_unit_id": unit.id, "payment_id": moved.id})
    return moved


def unmatched_statement(community_id: int):
    """Provider payments that named no unit, not matched yet and not refunded or reversed in full."""
    matched = select(Payment.matched_from_id).where(Payment.matched_from_id.is_not(None))
    left = select(ROOT).where(Payment.community_id == community_id).group_by(ROOT).having(
        func.sum(Payment.amount_fen) > 0)
    return select(Payment).where(Payment.community_id == community_id, Payment.kind == "payment",
                                 Payment.fee_unit_id.is_(None), Payment.id.not_in(matched), Payment.id.in_(left))