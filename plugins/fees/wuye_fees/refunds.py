"""Refunds (退款: money given back) and reversals (冲正: a payment recorded in error) — the fee
manager's, each with its reason, audited "amended".

Neither changes the payment: each appends a journal row with a negative amount (`reverses_id` →
the payment) and negative allocations that take back what the payment had set against bills.
What the payment left as the unit's credit is taken first, then its bills, the latest allocated
first; each bill's state follows from its totals (`bill_state.settle`: a paid bill reopens).

A refund is at most what remains of the payment after earlier refunds and reversals; a reversal
is all of it. Two at once cannot take more than the payment: both hold the unit's row lock (the
journal's rows cannot be locked — the database refuses the app any UPDATE of them) or, for a
provider's payment that named no unit, the tenant's "unmatched" lock first (payments.py).
"""

from __future__ import annotations

from sqlalchemy import func, select

from wuye_core.plugins import Conflict, db, get_for_update, invalid, local_now, local_today, record_audit

from .access import NAME
from .bill_state import settle
from .i18n import N_
from .models import Allocation, FeeUnit, Payment
from .payments import ROOT, _check_amount, group_totals, lock_bills, lock_unmatched


def remaining_fen(payment: Payment) -> int:
    """What is left of a payment after its refunds and reversals."""
    return group_totals([payment.id])[payment.id][0]


def _original(payment_id: int) -> Payment:
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        invalid("payment_id", N_("No payment has this id."))
    if payment.kind != "payment":
        raise Conflict(N_("Only a payment can be refunded or reversed, not a refund or a reversal."))
    return payment


def _lock_for(payment: Payment) -> None:
    if payment.fee_unit_id is None:  # a provider's payment that named no unit: nobody's bills
        lock_unmatched()
    else:
        get_for_update(FeeUnit, payment.fee_unit_id)


def _take_back(payment: Payment, kind: str, amount_fen: int | None, reason: str, by: str) -> Payment:
    reason = (reason or "").strip()
    if not reason:
        invalid("reason", N_("Write the reason."))
    if len(reason) > 300:
        invalid("reason", N_("At most %(n)s characters.", n=300))
    _lock_for(payment)
    amount, allocated = group_totals([payment.id])[payment.id]
    if amount <= 0:
        raise Conflict(N_("Nothing is left of this payment: it has been refunded or reversed in full."))
    if amount_fen is None:
        amount_fen = amount
    elif amount_fen > amount:
        from .money import yuan

        invalid("amount_fen", N_("At most what is left of the payment: %(left)s yuan.", left=yuan(amount)))
    row = Payment(community_id=payment.community_id, site_id=payment.site_id, fee_unit_id=payment.fee_unit_id,
                  household_id=payment.household_id, kind=kind, amount_fen=-amount_fen, method=payment.method,
                  provider=payment.provider, reference=payment.reference, payer_name=payment.payer_name,
                  paid_at=local_now(), reverses_id=payment.id, reason=reason, recorded_by=by)
    db.session.add(row)
    db.session.flush()
    rest = amount_fen - min(amount_fen, max(amount - allocated, 0))  # the credit left goes first
    if rest > 0:
        # what the payment's group set against each bill, net; the latest allocated first
        per_bill = db.session.execute(
            select(Allocation.bill_id, func.sum(Allocation.amount_fen), func.max(Allocation.id))
            .join(Payment, Payment.id == Allocation.payment_id).where(ROOT == payment.id)
            .group_by(Allocation.bill_id)).all()
        per_bill = sorted(((b, int(net), last) for b, net, last in per_bill if net > 0), key=lambda x: -x[2])
        bills = {b.id: b for b in lock_bills(b for b, _net, _last in per_bill)}
        today = local_today()
        for bill_id, net, _last in per_bill:
            if rest <= 0:
                break
            take = min(net, rest)
            bill = bills[bill_id]
            db.session.add(Allocation(community_id=bill.community_id, payment_id=row.id, bill_id=bill_id,
                                      amount_fen=-take, by=by))
            bill.paid_fen -= take
            settle(bill, today)
            rest -= take
    db.session.flush()
    record_audit(NAME, "amended", target_type="payment", target_id=payment.id,
                 details={"action": kind, "journal_id": row.id, "amount_fen": amount_fen})
    return row


def refund(payment_id: int, amount_fen: int, reason: str, by: str) -> Payment:
    """Give back `amount_fen` of a payment (the manager; the caller checks). Commits nothing."""
    amount_fen = _check_amount(amount_fen)
    return _take_back(_original(payment_id), "refund", amount_fen, reason, by)


def reverse(payment_id: int, reason: str, by: str) -> Payment:
    """Undo a payment recorded in error: all that is left of it (the manager). Commits nothing."""
    return _take_back(_original(payment_id), "reversal", None, reason, by)


def taken_back(payment_ids) -> dict[int, dict]:
    """{payment id: {"refunded_fen", "reversed_fen"}} (positive numbers), one grouped query."""
    ids = list(set(payment_ids))
    out = {i: {"refunded_fen": 0, "reversed_fen": 0} for i in ids}
    if not ids:
        return out
    for root, kind, total in db.session.execute(
            select(Payment.reverses_id, Payment.kind, func.sum(Payment.amount_fen))
            .where(Payment.reverses_id.in_(ids)).group_by(Payment.reverses_id, Payment.kind)):
        out[root]["refunded_fen" if kind == "refund" else "reversed_fen"] = -int(total)
    return out
