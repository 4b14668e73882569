"""A bill's state from its running totals — the one place it is decided, whoever changed them
(a payment, a refund, a discount approved or revoked, an import). Callers hold the bill's row lock."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_

from .models import Bill
from .vocab import AGEING_BUCKETS

# what a bill still owes, as SQL (sum it over open bills: cancelled, paid and waived owe nothing)
OWED = Bill.amount_fen - Bill.discount_fen - Bill.paid_fen
OPEN = Bill.status == "open"


def settle(bill: Bill, today: date) -> None:
    """Set `status` and `settled_on` from the totals: nothing owed → paid (or waived, when discounts
    covered it all and nothing was paid); something owed again (a refund, a revoked discount) →
    open. A cancelled bill stays cancelled."""
    if bill.status == "cancelled":
        return
    if bill.amount_fen - bill.discount_fen - bill.paid_fen > 0:
        bill.status, bill.settled_on = "open", None
        return
    bill.status = "waived" if bill.paid_fen == 0 and bill.discount_fen > 0 else "paid"
    bill.settled_on = bill.settled_on or today


def overdue(today: date, days: int = 1):
    """The clause of open bills at least `days` past their due date."""
    from datetime import timedelta

    return and_(OPEN, Bill.due_on <= today - timedelta(days=days))


def bucket_of(days_overdue: int) -> str | None:
    """The ageing bucket (vocab.AGEING_BUCKETS) of a bill `days_overdue` past due; None when not due."""
    for code, first, last in AGEING_BUCKETS:
        if days_overdue >= first and (last is None or days_overdue <= last):
            return code
    return None
