"""其他收入与支出: the money that is not fees — shop-front rent, parking rentals, the government's
subsidy, income from common parts — and the spending, by category, per site of the community or
the community as a whole (`site_id` None), by day.

- **Recording** (`record`, the fee manager): a direction (income / spending) and a category of
  that direction (vocab.INCOME_CATEGORIES / SPENDING_CATEGORIES; another is a 422 `category`), an
  amount in fen (> 0), the day (Beijing; not after today: 422 `occurred_on`), a site of the
  community or none, a description, the counterparty (区财政局, 某超市) and the voucher number.
- **Correcting** (`amend`): the fields sent (what changed is recorded in the audit trail as
  `fees.amended`, the fields' names, not their values) — unless a published statement counted
  the entry (its site's or the community's statement of the entry's quarter has been published):
  then 409 `entry_id`; the books of a published quarter are not rewritten: cancel the entry and
  record a new one, which the statement's next version (statements.correct) shows.
- **Cancelling** (`cancel`, with a reason): the entry is kept, with who cancelled it, when and why,
  and no longer counted anywhere. A published quarter's entries may be cancelled (that is how they
  are mended); the statement then no longer matches the books until it is corrected.
- **Lists** (`list_query`, `totals`): by period (the Beijing days of `occurred_on`), site (`0`: the
  community as a whole), direction, category, cancelled or not; totals of the same filter by
  direction and category in one grouped query.

Services raise DomainError and commit nothing (the request does).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import and_, func, or_, select

from wuye_core.plugins import (
    Conflict,
    Site,
    db,
    get_for_update,
    invalid,
    local_today,
    record_audit,
    staff_names,
)

from . import vocab
from .access import NAME
from .i18n import N_
from .models import Entry, Statement
from .periods import quarter_of

FIELDS = ("direction", "category", "amount_fen", "occurred_on", "site_id", "description", "counterparty",
          "voucher_no")
TEXTS = ("description", "counterparty", "voucher_no")
COMMUNITY_WIDE = 0  # the list filter `site_id=0`: entries of the community as a whole


def conflict(field: str, message) -> Conflict:
    """A 409 whose message also stands by the field it is about (forms show it there)."""
    return Conflict(message, errors={"json": {field: [message]}})


def check_site(community_id: int, site_id: int | None) -> None:
    """A site of the community, or none (the community as a whole); else 422 `site_id`."""
    if site_id is None:
        return
    found = db.session.scalar(select(Site.community_id).where(Site.id == site_id))
    if found != community_id:
        invalid("site_id", N_("Choose a site of this community."))


def check_category(direction: str, category: str) -> None:
    allowed = vocab.INCOME_CATEGORIES if direction == "income" else vocab.SPENDING_CATEGORIES
    if category not in allowed:
        invalid("category", N_("Choose a category of this direction: %(codes)s.", codes=", ".join(allowed)))


def check_day(day) -> None:
    if day > local_today():
        invalid("occurred_on", N_("The day cannot be after today."))


def _clean(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def record(community_id: int, data: dict, by: str) -> Entry:
    """A new entry of the community (the fee manager: the caller checked)."""
    check_category(data["direction"], data["category"])
    check_day(data["occurred_on"])
    check_site(community_id, data.get("site_id"))
    description = _clean(data["description"])
    if not description:
        invalid("description", N_("Say what the entry is for."))
    entry = Entry(community_id=community_id, site_id=data.get("site_id"), direction=data["direction"],
                  category=data["category"], amount_fen=data["amount_fen"], occurred_on=data["occurred_on"],
                  description=description, counterparty=_clean(data.get("counterparty")),
                  voucher_no=_clean(data.get("voucher_no")), recorded_by=by)
    db.session.add(entry)
    db.session.flush()
    return entry


def published_statement(entry: Entry) -> Statement | None:
    """The published statement (its site's or the community's, of its quarter) that counts the entry."""
    year, quarter = quarter_of(entry.occurred_on)
    scopes = ["community"] + ([f"site:{entry.site_id}"] if entry.site_id is not None else [])
    return db.session.scalars(select(Statement).where(
        Statement.community_id == entry.community_id, Statement.year == year, Statement.quarter == quarter,
        Statement.scope_key.in_(scopes), Statement.status != "draft").order_by(Statement.id)).first()


def _locked(entry_id: int) -> Entry:
    entry = get_for_update(Entry, entry_id)
    if entry is None:
        invalid("entry_id", N_("Does not exist."))
    return entry


def amend(entry_id: int, data: dict, by: str) -> tuple[Entry, list[str]]:
    """Correct an entry: the fields given; returns it and the names of the fields changed.
    409 when cancelled, or when a published statement counted it."""
    entry = _locked(entry_id)
    if entry.cancelled_at is not None:
        raise conflict("entry_id", N_("This entry was cancelled: record a new one."))
    counted = published_statement(entry)
    if counted is not None:
        raise conflict("entry_id", N_("The public statement of %(year)s Q%(quarter)s has counted this entry: cancel it and record "
                          "a new one; the statement's next version will show it.",
                          year=counted.year, quarter=counted.quarter))
    changes = {}
    for field in FIELDS:
        if field not in data:
            continue
        after = _clean(data[field]) if field in TEXTS else data[field]
        if getattr(entry, field) != after:
            changes[field] = after
    if not changes:
        raise conflict("reason", N_("The correction changes nothing: send the fields to correct, with their new values."))
    direction = changes.get("direction", entry.direction)
    category = changes.get("category", entry.category)
    if "direction" in changes or "category" in changes:
        check_category(direction, category)
    if "occurred_on" in changes:
        check_day(changes["occurred_on"])
    if "site_id" in changes:
        check_site(entry.community_id, changes["site_id"])
    if "description" in changes and not changes["description"]:
        invalid("description", N_("Say what the entry is for."))
    for field, value in changes.items():
        setattr(entry, field, value)
    names = sorted(changes)
    details = {"fields": names}
    if data.get("reason"):
        details["reason"] = data["reason"].strip()[:300]
    record_audit(NAME, "amended", target_type="entry", target_id=entry.id, details=details)
    db.session.flush()
    return entry, names


def cancel(entry_id: int, reason: str, by: str) -> Entry:
    """Cancel an entry with its reason: kept, not counted. Twice: 409."""
    entry = _locked(entry_id)
    if entry.cancelled_at is not None:
        raise conflict("entry_id", N_("This entry is cancelled already."))
    reason = (reason or "").strip()
    if not reason:
        invalid("reason", N_("Say why the entry is cancelled."))
    entry.cancelled_by, entry.cancelled_at, entry.cancel_reason = by, datetime.now(UTC), reason
    record_audit(NAME, "amended", target_type="entry", target_id=entry.id, details={"fields": ["cancelled"]})
    db.session.flush()
    return entry


# --- lists -------------------------------------------------------------------------------------------


def _where(community_id: int, args: dict) -> list:
    clauses = [Entry.community_id == community_id]
    if args.get("first"):
        clauses.append(Entry.occurred_on >= args["first"])
    if args.get("last"):
        clauses.append(Entry.occurred_on <= args["last"])
    site_id = args.get("site_id")
    if site_id == COMMUNITY_WIDE:
        clauses.append(Entry.site_id.is_(None))
    elif site_id is not None:
        clauses.append(Entry.site_id == site_id)
    if args.get("direction"):
        clauses.append(Entry.direction == args["direction"])
    if args.get("category"):
        clauses.append(Entry.category == args["category"])
    cancelled = args.get("cancelled", False)
    if cancelled is not None:
        clauses.append(Entry.cancelled_at.is_not(None) if cancelled else Entry.cancelled_at.is_(None))
    return clauses


def list_query(community_id: int, args: dict):
    return select(Entry).where(*_where(community_id, args))


def totals(community_id: int, args: dict) -> dict:
    """The filter's entries summed (cancelled ones never): income, spending, net, and by category."""
    where = [c for c in _where(community_id, {**args, "cancelled": False})]
    rows = db.session.execute(select(Entry.direction, Entry.category, func.sum(Entry.amount_fen), func.count())
                              .where(*where).group_by(Entry.direction, Entry.category)).all()
    out = {"income_fen": 0, "spending_fen": 0, "entries": 0, "by_category": []}
    for direction, category, fen, count in sorted(rows, key=lambda r: (r[0] != "income", _order(r[0], r[1]))):
        out[f"{direction}_fen"] += int(fen or 0)
        out["entries"] += count
        out["by_category"].append({"direction": direction, "category": category,
                                   "category_label": vocab.category_label(category), "amount_fen": int(fen or 0),
                                   "entries": count})
    out["net_fen"] = out["income_fen"] - out["spending_fen"]
    return out


def _order(direction: str, category: str) -> int:
    codes = list(vocab.INCOME_CATEGORIES if direction == "income" else vocab.SPENDING_CATEGORIES)
    return codes.index(category) if category in codes else len(codes)


def entries_out(entries: list[Entry]) -> list[dict]:
    """Entries as the API and the console show them: labels, site names, people's names (a fixed
    number of queries for the whole page)."""
    site_ids = {e.site_id for e in entries if e.site_id is not None}
    site_names = dict(db.session.execute(select(Site.id, Site.name).where(Site.id.in_(site_ids))).all()) \
        if site_ids else {}
    people = staff_names({e.recorded_by for e in entries} | {e.cancelled_by for e in entries if e.cancelled_by})
    counted = _published_keys(entries)
    out = []
    for e in entries:
        year, quarter = quarter_of(e.occurred_on)
        out.append({
            "id": e.id, "community_id": e.community_id, "site_id": e.site_id,
            "site_name": site_names.get(e.site_id) if e.site_id is not None else None,
            "direction": e.direction, "direction_label": vocab.label(vocab.ENTRY_DIRECTIONS, e.direction),
            "category": e.category, "category_label": vocab.category_label(e.category),
            "amount_fen": e.amount_fen, "occurred_on": e.occurred_on, "description": e.description,
            "counterparty": e.counterparty, "voucher_no": e.voucher_no,
            "recorded_by": e.recorded_by, "recorded_by_name": people.get(e.recorded_by, e.recorded_by),
            "created_at": e.created_at, "cancelled": e.cancelled_at is not None, "cancelled_by": e.cancelled_by,
            "cancelled_by_name": people.get(e.cancelled_by) if e.cancelled_by else None,
            "cancelled_at": e.cancelled_at, "cancel_reason": e.cancel_reason,
            "published": (e.community_id, year, quarter, "community") in counted
            or (e.community_id, year, quarter, f"site:{e.site_id}") in counted,
        })
    return out


def _published_keys(entries: list[Entry]) -> set:
    """(community, year, quarter, scope) of the published statements that may count these entries: one query."""
    if not entries:
        return set()
    quarters = {quarter_of(e.occurred_on) for e in entries}
    communities = {e.community_id for e in entries}
    rows = db.session.execute(select(Statement.community_id, Statement.year, Statement.quarter, Statement.scope_key)
                              .where(Statement.community_id.in_(communities), Statement.status != "draft",
                                     or_(*(and_(Statement.year == y, Statement.quarter == q) for y, q in quarters))))
    return {tuple(r) for r in rows}
