"""收支缺口: how fee income compares with what the service cost, and how the gap was covered.

The street's company charges 0.45 元/㎡/month in its resettlement compounds — a half to a third of
commercial rates — and covers the rest with shop-front rent, parking rentals and the government's
subsidy (GLOSSARY). For a period (any Beijing days: a month, a quarter, a year) and a site of the
community, or the community as a whole:

- **fee income** (`fee_income_fen`, cash basis): the payments journal summed by `paid_at` (Beijing
  days of the period), refunds and reversals included as the negative amounts they are, by the
  journal row's `site_id` (an online payment not yet matched to a unit has none: it counts for the
  community as a whole; matched, it is reversed there and recorded again for the unit's site, at
  its original time — payments.match_payment);
- **billed** (`billed_fen`, accrual, for information): the bills whose period starts in it, amount
  less approved discounts (cancelled bills left out), with what has been paid on them so far and
  so their collection rate (收缴率 = paid ÷ billed);
- **other income** and **spending** by category (entries.py; cancelled entries never counted);
  a site's scope has its own entries, the community's has every site's and those of the community
  as a whole (`site_id` None);
- **the gap** = spending − fee income (positive: fees did not cover the cost); **covered** by the
  other income, by category; **balance** = fee income + other income − spending (≥ 0 a surplus,
  < 0 a deficit left uncovered).

Everything is read in four grouped queries whatever the number of sites (`by_site`): the sites,
the journal by site, the bills by site, the entries by site, direction and category. Figures hold
category codes; labels are the reader's, added on the way out (`labelled`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, select

from wuye_core.plugins import LOCAL_TZ, Site, db, invalid, local_today, rate_value

from . import vocab
from .i18n import N_
from .models import Bill, Entry, Payment
from .periods import add_months, quarter_bounds

MAX_DAYS = 3 * 366


def _empty() -> dict:
    return {"fee_income_fen": 0, "fee_received_fen": 0, "fee_returned_fen": 0, "billed_fen": 0,
            "billed_paid_fen": 0, "bills": 0, "other_income": {}, "spending": {}}


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The instants of the Beijing days first … last (the end excluded)."""
    return (datetime.combine(first, time(), LOCAL_TZ), datetime.combine(last + timedelta(days=1), time(), LOCAL_TZ))


def _read(community_id: int, first: date, last: date, site_id: int | None = None) -> dict:
    """The raw sums by site key (a site's id; None: entries of the community as a whole)."""
    start, end = _bounds(first, last)
    by: dict = {}

    def of(key) -> dict:
        return by.setdefault(key, _empty())

    pay = select(Payment.site_id, func.sum(Payment.amount_fen),
                 func.sum(case((Payment.amount_fen > 0, Payment.amount_fen), else_=0)),
                 ).where(Payment.community_id == community_id, Payment.paid_at >= start, Payment.paid_at < end)
    bills = select(Bill.site_id, func.sum(Bill.amount_fen - Bill.discount_fen), func.sum(Bill.paid_fen), func.count()
                   ).where(Bill.community_id == community_id, Bill.period_start >= first, Bill.period_start <= last,
                           Bill.status != "cancelled")
    entries = select(Entry.site_id, Entry.direction, Entry.category, func.sum(Entry.amount_fen)).where(
        Entry.community_id == community_id, Entry.occurred_on >= first, Entry.occurred_on <= last,
        Entry.cancelled_at.is_(None))
    if site_id is not None:
        pay, bills, entries = (pay.where(Payment.site_id == site_id), bills.where(Bill.site_id == site_id),
                               entries.where(Entry.site_id == site_id))
    for key, net, received in db.session.execute(pay.group_by(Payment.site_id)):
        row = of(key)
        row["fee_income_fen"] = int(net or 0)
        row["fee_received_fen"] = int(received or 0)
        row["fee_returned_fen"] = row["fee_income_fen"] - row["fee_received_fen"]
    for key, billed, paid, count in db.session.execute(bills.group_by(Bill.site_id)):
        row = of(key)
        row["billed_fen"], row["billed_paid_fen"], row["bills"] = int(billed or 0), int(paid or 0), count
    for key, direction, category, fen in db.session.execute(
            entries.group_by(Entry.site_id, Entry.direction, Entry.category)):
        part = of(key)["other_income" if direction == "income" else "spending"]
        part[category] = part.get(category, 0) + int(fen or 0)
    return by


def _add(total: dict, part: dict) -> None:
    for key in ("fee_income_fen", "fee_received_fen", "fee_returned_fen", "billed_fen", "billed_paid_fen", "bills"):
        total[key] += part[key]
    for kind in ("other_income", "spending"):
        for category, fen in part[kind].items():
            total[kind][category] = total[kind].get(category, 0) + fen


def _finish(raw: dict) -> dict:
    """The sums → the figures: categories in the vocabulary's order, totals, the gap, the balance."""
    income = {c: raw["other_income"][c] for c in (*vocab.INCOME_CATEGORIES, *sorted(raw["other_income"]))
              if c in raw["other_income"]}
    spending = {c: raw["spending"][c] for c in (*vocab.SPENDING_CATEGORIES, *sorted(raw["spending"]))
                if c in raw["spending"]}
    other = sum(income.values())
    spent = sum(spending.values())
    fee = raw["fee_income_fen"]
    balance = fee + other - spent
    return {
        "fee_income_fen": fee, "fee_received_fen": raw["fee_received_fen"],
        "fee_returned_fen": raw["fee_returned_fen"],
        "billed_fen": raw["billed_fen"], "billed_paid_fen": raw["billed_paid_fen"], "bills": raw["bills"],
        "collection_rate": rate_value(raw["billed_paid_fen"], raw["billed_fen"]),
        "other_income": income, "other_income_fen": other,
        "income_fen": fee + other,
        "spending": spending, "spending_fen": spent,
        "gap_fen": spent - fee,
        "covered_fen": min(other, max(spent - fee, 0)),
        "balance_fen": balance,
        "result": "surplus" if balance > 0 else "deficit" if balance < 0 else "balanced",
    }


def figures(community_id: int, first: date, last: date, site_id: int | None = None) -> dict:
    """The figures of one scope: a site (its own entries), or the community (everything in it)."""
    raw = _read(community_id, first, last, site_id)
    total = _empty()
    for key, part in raw.items():
        if site_id is None or key == site_id:
            _add(total, part)
    return _finish(total)


def by_site(community_id: int, first: date, last: date) -> dict:
    """Every site of the community (by name), the entries of the community as a whole, and the
    community's total — in four queries whatever the number of sites."""
    sites = db.session.execute(select(Site.id, Site.name).where(Site.community_id == community_id)
                               .order_by(Site.name, Site.id)).all()
    raw = _read(community_id, first, last)
    total = _empty()
    for part in raw.values():
        _add(total, part)
    rows = [{"site_id": sid, "site_name": name, **_finish(raw.get(sid, _empty()))} for sid, name in sites]
    return {"first": first, "last": last, "sites": rows,
            "community_wide": _finish(raw.get(None, _empty())), "total": _finish(total)}


# --- periods --------------------------------------------------------------------------------------


def period_of_args(args: dict) -> tuple[date, date]:
    """The period asked: `from`/`to` (first/last), or a year with a quarter or a month, or a whole
    year; nothing: this quarter up to today. 422 naming the field otherwise."""
    year, quarter, month = args.get("year"), args.get("quarter"), args.get("month")
    first, last = args.get("first"), args.get("last")
    if year is not None and (first or last):
        invalid("year", N_("Give a year (and a quarter or a month) or a period, not both."))
    if quarter is not None and month is not None:
        invalid("quarter", N_("Give a quarter or a month, not both."))
    if (quarter is not None or month is not None) and year is None:
        invalid("year", N_("Give the year too."))
    if year is not None:
        if quarter is not None:
            return quarter_bounds(year, quarter)
        if month is not None:
            start = date(year, month, 1)
            return start, add_months(start, 1) - timedelta(days=1)
        return date(year, 1, 1), date(year, 12, 31)
    today = local_today()
    if first is None and last is None:
        start, _end = quarter_bounds(today.year, (today.month - 1) // 3 + 1)
        return start, today
    first = first or date((last or today).year, 1, 1)
    last = last or today
    if first > last:
        invalid("from", N_("The start of the period is after its end."))
    if (last - first).days >= MAX_DAYS:
        invalid("to", N_("The period may be at most three years long."))
    return first, last


# --- for people -------------------------------------------------------------------------------------


def _lines(amounts: dict, vocabulary: dict) -> list[dict]:
    return [{"category": code, "category_label": vocab.label(vocabulary, code), "amount_fen": fen}
            for code, fen in amounts.items()]


def labelled(figures_: dict) -> dict:
    """Figures with their categories as lists of {category, category_label, amount_fen} (the
    reader's language) and the result's label."""
    out = dict(figures_)
    out["other_income"] = _lines(figures_["other_income"], vocab.INCOME_CATEGORIES)
    out["spending"] = _lines(figures_["spending"], vocab.SPENDING_CATEGORIES)
    out["result_label"] = vocab.label(RESULTS, figures_["result"])
    return out


RESULTS = {"surplus": N_("Surplus"), "deficit": N_("Deficit"), "balanced": N_("Balanced")}
