"""Rates (收费标准): what one kind of unit on one site pays, per ㎡ per month or fixed per month,
from a day until a day (included) or open-ended.

- Price in 元 as a Decimal with at most four decimals, more than 0, at most MAX_PRICE of its basis.
- The validity periods of one site and kind never overlap: checked under the site's row lock
  (`get_for_update(Site, site_id)`), so two people adding rates at once cannot both slip in
  (409 naming `valid_from`).
- A rate some bill was made with keeps its price, basis, kind and first day (409: end it and add
  a new one from the next day); its name, note and last day may change (not before the last
  period billed with it started).
- `rate_for(site_id, kind, day)`: the rate in force that day, or None.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select

from wuye_core.plugins import Conflict, Site, db, get_for_update, invalid

from . import vocab
from .i18n import N_
from .models import Bill, FeeRate
from .units import check_site

MAX_PRICE = {"per_m2": Decimal("100"), "fixed": Decimal("100000")}
LOCKED_FIELDS = ("price", "basis", "unit_kind", "valid_from")


def _conflict(field: str, message) -> Conflict:
    return Conflict(message, errors={"json": {field: [message]}})


def check_price(price, basis: str) -> Decimal:
    try:
        price = Decimal(str(price))
    except Exception:
        invalid("price", N_("A price is a number of yuan with at most four decimals."))
    if not price.is_finite() or price.as_tuple().exponent < -4:
        invalid("price", N_("A price is a number of yuan with at most four decimals."))
    if price <= 0:
        invalid("price", N_("A price is more than 0."))
    if price > MAX_PRICE.get(basis, MAX_PRICE["fixed"]):
        invalid("price", N_("At most %(max)s yuan for this basis.", max=str(MAX_PRICE[basis])))
    return price


def _overlapping(site_id: int, kind: str, first: date, last: date | None, rate_id: int | None = None):
    stmt = select(FeeRate).where(FeeRate.site_id == site_id, FeeRate.unit_kind == kind,
                                 or_(FeeRate.valid_until.is_(None), FeeRate.valid_until >= first))
    if last is not None:
        stmt = stmt.where(FeeRate.valid_from <= last)
    if rate_id is not None:
        stmt = stmt.where(FeeRate.id != rate_id)
    return db.session.scalars(stmt.limit(1)).first()


def _check_no_overlap(site_id: int, kind: str, first: date, last: date | None, rate_id: int | None = None):
    other = _overlapping(site_id, kind, first, last, rate_id)
    if other is not None:
        until = other.valid_until.isoformat() if other.valid_until else "…"
        raise _conflict("valid_from", N_("Another rate of this kind on this site is in force then (%(first)s – "
                                         "%(last)s): end it first.", first=other.valid_from.isoformat(), last=until))


def create_rate(community_id: int, data: dict, by: str) -> FeeRate:
    """A new rate (flushed), after the site's lock and the overlap check."""
    check_site(community_id, data["site_id"])
    kind, basis = data["unit_kind"], data["basis"]
    if kind not in vocab.UNIT_KINDS:
        invalid("unit_kind", N_("Unknown kind of unit."))
    if basis not in vocab.RATE_BASES:
        invalid("basis", N_("Unknown basis."))
    price = check_price(data["price"], basis)
    first, last = data["valid_from"], data.get("valid_until")
    if last is not None and last < first:
        invalid("valid_until", N_("Ends before it starts."))
    get_for_update(Site, data["site_id"])
    _check_no_overlap(data["site_id"], kind, first, last)
    rate = FeeRate(community_id=community_id, site_id=data["site_id"], unit_kind=kind,
                   name=data.get("name") or vocab.label(vocab.UNIT_KINDS, kind), basis=basis, price=price,
                   valid_from=first, valid_until=last, note=data.get("note") or None, created_by=by)
    db.session.add(rate)
    db.session.flush()
    return rate


def last_billed(rate_id: int) -> date | None:
    """The start of the latest period a bill was made with this rate (None: unused)."""
    return db.session.scalar(select(func.max(Bill.period_start)).where(Bill.rate_id == rate_id))


def update_rate(rate_id: int, data: dict) -> FeeRate:
    """Change a rate (flushed): under the site's lock; a used rate keeps its price, basis, kind and
    first day (409) and cannot end before the last period billed with it started (422)."""
    rate = db.session.get(FeeRate, rate_id)
    get_for_update(Site, rate.site_id)
    rate = get_for_update(FeeRate, rate_id)
    used = last_billed(rate.id)
    if used is not None:
        for key in LOCKED_FIELDS:
            if key in data and data[key] is not None and data[key] != getattr(rate, key):
                raise _conflict(key, N_("Bills were made with this rate: end it and add a new one instead."))
    kind = data.get("unit_kind") or rate.unit_kind
    basis = data.get("basis") or rate.basis
    if kind not in vocab.UNIT_KINDS:
        invalid("unit_kind", N_("Unknown kind of unit."))
    if basis not in vocab.RATE_BASES:
        invalid("basis", N_("Unknown basis."))
    price = check_price(data["price"], basis) if data.get("price") is not None else rate.price
    if data.get("price") is None and "basis" in data:
        check_price(rate.price, basis)
    first = data.get("valid_from") or rate.valid_from
    last = data["valid_until"] if "valid_until" in data else rate.valid_until
    if last is not None and last < first:
        invalid("valid_until", N_("Ends before it starts."))
    if used is not None and last is not None and last < used:
        invalid("valid_until", N_("Bills were made with this rate for a period starting %(day)s: it cannot end "
                                  "before that.", day=used.isoformat()))
    _check_no_overlap(rate.site_id, kind, first, last, rate.id)
    rate.unit_kind, rate.basis, rate.price, rate.valid_from, rate.valid_until = kind, basis, price, first, last
    if data.get("name"):
        rate.name = data["name"]
    if "note" in data:
        rate.note = data["note"] or None
    db.session.flush()
    return rate


def end_rate(rate_id: int, last_day: date) -> FeeRate:
    """The rate's last day (included): a new one may start the day after."""
    return update_rate(rate_id, {"valid_until": last_day})


def rate_for(site_id: int, kind: str, day: date) -> FeeRate | None:
    """The rate of `kind` on the site in force on `day`, or None."""
    return db.session.scalars(select(FeeRate).where(
        FeeRate.site_id == site_id, FeeRate.unit_kind == kind, FeeRate.valid_from <= day,
        or_(FeeRate.valid_until.is_(None), FeeRate.valid_until >= day)).limit(1)).first()


def rates_on(community_id: int, day: date) -> dict[tuple[int, str], FeeRate]:
    """Every rate of the community in force on `day`, by (site id, kind): one query."""
    found = db.session.scalars(select(FeeRate).where(
        FeeRate.community_id == community_id, FeeRate.valid_from <= day,
        or_(FeeRate.valid_until.is_(None), FeeRate.valid_until >= day)))
    return {(r.site_id, r.unit_kind): r for r in found}


def rates_out(rows) -> list[dict]:
    rows = list(rows)
    site_ids = {r.site_id for r in rows}
    sites = dict(db.session.execute(select(Site.id, Site.name).where(Site.id.in_(site_ids))).all()) if site_ids else {}
    used = set()
    if rows:
        used = set(db.session.scalars(select(Bill.rate_id).where(Bill.rate_id.in_([r.id for r in rows]))
                                      .group_by(Bill.rate_id)))
    return [{
        "id": r.id, "community_id": r.community_id, "site_id": r.site_id, "site_name": sites.get(r.site_id),
        "unit_kind": r.unit_kind, "unit_kind_label": vocab.label(vocab.UNIT_KINDS, r.unit_kind), "name": r.name,
        "basis": r.basis, "basis_label": vocab.label(vocab.RATE_BASES, r.basis), "price": r.price,
        "valid_from": r.valid_from, "valid_until": r.valid_until, "note": r.note, "used": r.id in used,
        "created_by": r.created_by, "created_at": r.created_at,
    } for r in rows]


def list_query(community_id: int, args: dict):
    stmt = select(FeeRate).where(FeeRate.community_id == community_id)
    if args.get("site_id"):
        stmt = stmt.where(FeeRate.site_id == args["site_id"])
    if args.get("unit_kind"):
        stmt = stmt.where(FeeRate.unit_kind == args["unit_kind"])
    if args.get("on") is not None:
        day = args["on"]
        stmt = stmt.where(FeeRate.valid_from <= day, or_(FeeRate.valid_until.is_(None), FeeRate.valid_until >= day))
    return stmt


def next_day(day: date) -> date:
    return day + timedelta(days=1)
