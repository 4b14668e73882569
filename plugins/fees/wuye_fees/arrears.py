"""Arrears (欠费) and their ageing (账龄), and a unit's account statement (对账单).

What is owed is the open bills' `amount − discount − paid` (bill_state.OWED); a bill's age is the
days since its due date as of today (Beijing), bucketed by vocab.AGEING_BUCKETS (1–30 days, …,
over a year); an open bill not yet due is owed but not in arrears. Everything is summed in grouped
SQL — one statement per list, whatever the number of units, never one per row.

For other areas:
- `arrears_statement(community_id, today, site_id=None, bucket=None, min_owed_fen=None)`: the
  grouped select (one row per fee unit: owed_fen, overdue_fen, one column per bucket, bills,
  oldest_due_on); `arrears_page(...)` pages it; `ageing_totals(community_id, today, site_id)`
  the community's totals per bucket.
- `owed_by_household(household_ids, today)` → {household id: {"owed_fen", "overdue_fen",
  "bills"}} (by the household each bill was made for): the residents' page.
- `account(fee_unit_id, today)`: a unit's bills, journal, credit and balance.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, case, func, select

from wuye_core.plugins import db, show_note

from . import vocab
from .bill_state import OPEN, OWED
from .models import Allocation, Bill, FeeUnit, Payment
from .payments import credit_fen, credits, unit_roots

BUCKETS = tuple(code for code, _first, _last in vocab.AGEING_BUCKETS)
SORT_FIELDS = ("owed_fen", "overdue_fen", "label", "oldest_due_on", "id")


def _bucket_clause(today: date, first: int, last: int | None):
    clause = Bill.due_on <= today - timedelta(days=first)
    if last is not None:
        clause = and_(clause, Bill.due_on >= today - timedelta(days=last))
    return clause


def bucket_columns(today: date) -> dict:
    """{bucket code: SUM of what open bills of that age owe} (labelled by the code)."""
    return {code: func.coalesce(func.sum(case((_bucket_clause(today, first, last), OWED), else_=0)), 0).label(code)
            for code, first, last in vocab.AGEING_BUCKETS}


def arrears_statement(community_id: int, today: date, site_id: int | None = None, bucket: str | None = None,
                      min_owed_fen: int | None = None, q: str | None = None):
    """One row per fee unit with something owed: (id, label, kind, site_id, payer_name,
    household_id, owed_fen, overdue_fen, bills, oldest_due_on, <bucket>…)."""
    buckets = bucket_columns(today)
    owed = func.sum(OWED)
    overdue = func.coalesce(func.sum(case((Bill.due_on < today, OWED), else_=0)), 0)
    stmt = (select(FeeUnit.id, FeeUnit.label, FeeUnit.kind, FeeUnit.site_id, FeeUnit.payer_name,
                   func.max(Bill.household_id).label("household_id"), owed.label("owed_fen"),
                   overdue.label("overdue_fen"), func.count(Bill.id).label("bills"),
                   func.min(Bill.due_on).label("oldest_due_on"), *buckets.values())
            .join(Bill, Bill.fee_unit_id == FeeUnit.id)
            .where(FeeUnit.community_id == community_id, Bill.community_id == community_id, OPEN)
            .group_by(FeeUnit.id, FeeUnit.label, FeeUnit.kind, FeeUnit.site_id, FeeUnit.payer_name))
    if site_id is not None:
        stmt = stmt.where(FeeUnit.site_id == site_id)
    if q:
        stmt = stmt.where(FeeUnit.label.contains(q, autoescape=True))
    having = [owed > 0]
    if bucket in buckets:
        code, first, last = next(b for b in vocab.AGEING_BUCKETS if b[0] == bucket)
        having.append(func.sum(case((_bucket_clause(today, first, last), OWED), else_=0)) > 0)
    if min_owed_fen:
        having.append(owed >= min_owed_fen)
    return stmt.having(and_(*having))


def _order(stmt, sort):
    """`sort`: the Sort field's ((name, descending), …) — most owed first by default; ties by id."""
    columns = stmt.selected_columns
    named = {"owed_fen": columns.owed_fen, "overdue_fen": columns.overdue_fen, "label": columns.label,
             "oldest_due_on": columns.oldest_due_on, "id": columns.id}
    order = [named[name].desc() if descending else named[name].asc() for name, descending in (sort or ())
             if name in named] or [columns.owed_fen.desc()]
    return stmt.order_by(*order, columns.id)


def row_out(row) -> dict:
    out = dict(row._mapping)
    out["fee_unit_id"] = out.pop("id")
    out["kind_label"] = vocab.label(vocab.UNIT_KINDS, out["kind"])
    for key in ("owed_fen", "overdue_fen", *BUCKETS):
        out[key] = int(out[key] or 0)
    out["buckets"] = {code: out.pop(code) for code in BUCKETS}
    return out


def arrears_page(community_id: int, today: date, args: dict) -> dict:
    """A page of the arrears list ({"items", "total", "page", "per_page"}), two statements + credit."""
    stmt = arrears_statement(community_id, today, args.get("site_id"), args.get("bucket"), args.get("min_owed_fen"),
                             args.get("q"))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    page, per_page = args.get("page", 1), args.get("per_page", 20)
    rows = db.session.execute(_order(stmt, args.get("sort")).limit(per_page).offset((page - 1) * per_page)).all()
    items = [row_out(r) for r in rows]
    credit = credits(community_id, [i["fee_unit_id"] for i in items]) if items else {}
    for item in items:
        item["credit_fen"] = credit.get(item["fee_unit_id"], 0)
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def ageing_totals(community_id: int, today: date, site_id: int | None = None) -> dict:
    """The community's open bills: owed, overdue, per bucket, units in arrears — one statement."""
    buckets = bucket_columns(today)
    stmt = (select(func.coalesce(func.sum(OWED), 0).label("owed_fen"),
                   func.coalesce(func.sum(case((Bill.due_on < today, OWED), else_=0)), 0).label("overdue_fen"),
                   func.count(func.distinct(case((Bill.due_on < today, Bill.fee_unit_id), else_=None))).label("units"),
                   *buckets.values())
            .where(Bill.community_id == community_id, OPEN))
    if site_id is not None:
        stmt = stmt.where(Bill.site_id == site_id)
    row = db.session.execute(stmt).one()._mapping
    return {"owed_fen": int(row["owed_fen"]), "overdue_fen": int(row["overdue_fen"]), "units": int(row["units"]),
            "buckets": {code: int(row[code] or 0) for code in BUCKETS}}


def owed_by_household(household_ids, today: date) -> dict[int, dict]:
    """{household id: {"owed_fen", "overdue_fen", "bills"}} for households with open bills."""
    ids = list(set(household_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Bill.household_id, func.sum(OWED), func.coalesce(func.sum(case((Bill.due_on < today, OWED), else_=0)), 0),
               func.count(Bill.id))
        .where(Bill.household_id.in_(ids), OPEN).group_by(Bill.household_id)).all()
    return {h: {"owed_fen": int(o or 0), "overdue_fen": int(d or 0), "bills": int(n)} for h, o, d, n in rows}


def account(fee_unit_id: int, today: date) -> dict:
    """对账单: the unit's bills (oldest first, with what each still owes and its age), its journal
    (payments, refunds, reversals, oldest first, with what each set against bills), its credit and
    the balance (owed − credit: more than 0, what the unit must still pay)."""
    from .bill_state import bucket_of

    bills = list(db.session.scalars(select(Bill).where(Bill.fee_unit_id == fee_unit_id)
                                    .order_by(Bill.period_start, Bill.id)))
    roots = [r.id for r in unit_roots(fee_unit_id)]
    journal = list(db.session.scalars(
        select(Payment).where((Payment.id.in_(roots)) | (Payment.reverses_id.in_(roots))
                              | (Payment.fee_unit_id == fee_unit_id))
        .order_by(Payment.paid_at, Payment.id))) if roots else []
    allocated = dict(db.session.execute(
        select(Allocation.payment_id, func.sum(Allocation.amount_fen))
        .where(Allocation.payment_id.in_([p.id for p in journal])).group_by(Allocation.payment_id)).all()) \
        if journal else {}
    bill_rows = []
    for b in bills:
        owed = b.owed_fen if b.status == "open" else 0
        days = (today - b.due_on).days
        bill_rows.append({"bill_id": b.id, "period_label": b.period_label, "period_start": b.period_start,
                          "period_end": b.period_end, "due_on": b.due_on, "amount_fen": b.amount_fen,
                          "discount_fen": b.discount_fen, "paid_fen": b.paid_fen, "owed_fen": owed,
                          "status": b.status, "status_label": vocab.label(vocab.BILL_STATUSES, b.status),
                          "bucket": bucket_of(days) if owed else None})
    owed_total = sum(r["owed_fen"] for r in bill_rows)
    credit = credit_fen(fee_unit_id)
    entries = [{"payment_id": p.id, "kind": p.kind, "kind_label": vocab.label(vocab.PAYMENT_KINDS, p.kind),
                "amount_fen": p.amount_fen, "allocated_fen": int(allocated.get(p.id) or 0), "method": p.method,
                "method_label": vocab.label(vocab.PAYMENT_METHODS, p.method), "receipt_no": p.receipt_no,
                "paid_at": p.paid_at, "reverses_id": p.reverses_id, "reason": show_note(p.reason), "recorded_by": p.recorded_by}
               for p in journal]
    return {"fee_unit_id": fee_unit_id, "bills": bill_rows, "payments": entries,
            "billed_fen": sum(r["amount_fen"] for r in bill_rows if r["status"] != "cancelled"),
            "discount_fen": sum(r["discount_fen"] for r in bill_rows if r["status"] != "cancelled"),
            "paid_fen": sum(e["amount_fen"] for e in entries),
            "owed_fen": owed_total, "credit_fen": credit, "balance_fen": owed_total - credit}
