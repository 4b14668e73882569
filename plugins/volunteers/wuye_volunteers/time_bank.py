"""时间银行 (optional per community): confirmed hours earn points, spent on services from other
members; a member's ledger never goes negative.

- **On or off per community** (config `time_bank`, default off; `points_per_hour`, default 10).
  Off: earning does nothing, and spending, adjusting and reading the ledger are refused (409
  "本社区未启用时间银行"); the lines written while it was on stay.
- **The ledger** (LedgerEntry, append-only: the database refuses UPDATE and DELETE) holds one
  line per change of a member's points: its kind (`earn`, `spend`, `adjust`), the points (+/−)
  and the balance after it (never below 0). Every line of a member is written under the member's
  row lock (`get_for_update(Member, id)`): the balance is read and the line added one writer at
  a time, so two spends at once cannot both take the last points.
- **Earning** (`earn`, called by records.add_record when the community has the time bank on):
  points = minutes × points_per_hour ÷ 60, rounded half up (90 minutes at 10 an hour: 15; 3
  minutes: 0.5 → 1; 2 minutes: 0), once per service record (the unique index on the record
  answers the rare race too). A record worth 0 points still gets its line: the record is in
  the bank, and a correction of it later follows.
- **A record's correction** (`record_corrected`, called by the records' correction after the
  minutes changed): an `adjust` line for the difference in points, at the current rate, if the
  record earned (it has an `earn` line) and the time bank is on. A decrease never takes the
  balance below 0: the line takes what is there, and its description says how many points were
  due back and how many could be taken (the rest is not carried as a debt).
- **Spending** (`spend`): an active member spends points on a service from another active
  member of the community (optional: a service bought elsewhere, described in words); more
  than the balance is a 409 naming the balance. The provider does not earn from a spend: their
  service earns when it is recorded as a service record.
- **Adjusting** (`adjust`, the alliance's manager): ± points with a reason; not below 0 (409
  naming the balance); audited "amended".
"""

from __future__ import annotations

from marshmallow import fields, validate
from sqlalchemy import and_, case, func, or_, select

from wuye_core.plugins import (
    Conflict,
    Id,
    PageArgs,
    Sort,
    StrictSchema,
    Text,
    db,
    get_for_update,
    invalid,
    plugin_config,
    record_audit,
    show_note,
    staff_names,
    store_note,
)

from . import vocab
from .access import NAME
from .i18n import N_
from .models import LedgerEntry, Member

MAX_POINTS = 1_000_000


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


class TimeBankSpendIn(StrictSchema):
    points = fields.Integer(required=True, validate=validate.Range(1, MAX_POINTS),
                            metadata={"description": "花费的积分 / points spent"})
    provider_member_id = Id(load_default=None, allow_none=True, metadata={
        "description": "提供服务的成员（本社区的另一位在册成员；可不填）/ the member who gave the service "
                       "(another active member of the community; optional)"})
    description = Text(200, min_length=1, required=True, metadata={
        "description": "兑换的服务，如 陪护老人 2 小时 / the service, e.g. two hours' care for an elderly relative"})


class TimeBankAdjustIn(StrictSchema):
    points = fields.Integer(required=True, validate=validate.Range(-MAX_POINTS, MAX_POINTS),
                            metadata={"description": "调整的积分（正数增加，负数扣减，不为 0；余额不能小于 0）/ "
                                                     "points to add (+) or take (−), not 0; the balance stays ≥ 0"})
    reason = Text(200, min_length=1, required=True, metadata={"description": "调整原因 / the reason"})


class TimeBankLedgerQuery(PageArgs):
    sort = Sort("id", "at", descriptions={"at": "记账时间 / when the line was written"})


class TimeBankBalanceQuery(PageArgs):
    q = Text(50, metadata={"description": "按姓名查找 / part of the name"})
    everyone = fields.Boolean(load_default=False, metadata={
        "description": "也列出没有积分记录的在册成员（余额 0）/ also the active members without any line "
                       "(balance 0)"})
    sort = Sort("id", "name", "balance", default="-balance",
                descriptions={"id": "成员登记顺序 / the order members joined", "name": "姓名 / by name",
                              "balance": "积分余额 / the balance"})


# --- on or off --------------------------------------------------------------------------------------


def settings(community_id: int) -> tuple[bool, int]:
    """(on, points per hour) of the community."""
    cfg = plugin_config(NAME, community_id) or {}
    return bool(cfg.get("time_bank")), int(cfg.get("points_per_hour") or 10)


def is_on(community_id: int) -> bool:
    return settings(community_id)[0]


def require_on(community_id: int) -> int:
    """The community's points per hour; 409 when its time bank is off."""
    on, per_hour = settings(community_id)
    if not on:
        raise Conflict(N_("The time bank is not enabled in this community."))
    return per_hour


def points_for(minutes: int, per_hour: int) -> int:
    """minutes × per_hour ÷ 60, rounded half up, in integers (no float error)."""
    return (2 * minutes * per_hour + 60) // 120


# --- the ledger's lines -----------------------------------------------------------------------------


def balance_of(member_id: int) -> int:
    """The balance after the member's last line (0 without one)."""
    found = db.session.scalar(select(LedgerEntry.balance).where(LedgerEntry.member_id == member_id)
                              .order_by(LedgerEntry.id.desc()).limit(1))
    return int(found or 0)


def _locked(member_id: int) -> Member:
    return get_for_update(Member, member_id)


def _append(member: Member, kind: str, points: int, description, by: str, *, record_id: int | None = None,
            provider_member_id: int | None = None) -> LedgerEntry:
    """A line after the member's last (the caller holds the member's lock and checked the balance)."""
    balance = balance_of(member.id) + points
    if balance < 0:  # the callers refuse before this; the ledger's promise is kept here too
        raise Conflict(N_("The balance cannot go below 0."))
    entry = LedgerEntry(community_id=member.community_id, member_id=member.id, kind=kind, points=points,
                        balance=balance, record_id=record_id, provider_member_id=provider_member_id,
                        description=store_note(description, 200), by=by)
    db.session.add(entry)
    db.session.flush()
    return entry


def _earned_line(record_id: int) -> LedgerEntry | None:
    return db.session.scalar(select(LedgerEntry).where(LedgerEntry.record_id == record_id))


def earn(record, by: str) -> LedgerEntry | None:
    """Points for a confirmed service record (once per record; nothing when the time bank is off).
    Returns the record's earn line."""
    on, per_hour = settings(record.community_id)
    if not on:
        return None
    member = _locked(record.member_id)
    found = _earned_line(record.id)
    if found is not None:
        return found
    description = N_("Record #%(record)s: %(content)s, %(hours)s h", record=record.id, content=record.content,
                     hours=_hours(record.minutes))
    return _append(member, "earn", points_for(record.minutes, per_hour), description, by, record_id=record.id)


def record_corrected(record, minutes_before: int, by: str) -> LedgerEntry | None:
    """A record's minutes were corrected (`record.minutes` is the new value): the points it earned
    follow with an `adjust` line for the difference, if it earned and the time bank is on. A
    decrease takes at most the balance (the description says what was due back)."""
    on, per_hour = settings(record.community_id)
    if not on or _earned_line(record.id) is None:
        return None
    due = points_for(record.minutes, per_hour) - points_for(minutes_before, per_hour)
    if due == 0:
        return None
    member = _locked(record.member_id)
    balance = balance_of(member.id)
    taken = due if balance + due >= 0 else -balance
    values = {"record": record.id, "before": _hours(minutes_before), "after": _hours(record.minutes)}
    if taken == due:
        description = N_("Record #%(record)s corrected: %(before)s → %(after)s h", **values)
    else:  # the message is stored with its values in 200 characters: kept short
        description = N_("Record #%(record)s corrected: %(before)s → %(after)s h; %(owed)s due, %(taken)s held",
                         owed=-due, taken=-taken, **values)
    return _append(member, "adjust", taken, description, by)


def _active(member: Member) -> bool:
    return member.status == "active" and member.erased_at is None


def spend(member: Member, points: int, provider_member: Member | None, description: str, by: str) -> LedgerEntry:
    """The member spends points on a service (from `provider_member`, another active member of
    the community, if given). 409 when the time bank is off or the balance is short (naming the
    balance); 422 for a member who left, or a provider who is not another active member here."""
    require_on(member.community_id)
    if points < 1:
        invalid("points", N_("Spend at least one point."))
    if not _active(member):
        invalid("member_id", N_("This member has left the alliance."))
    if provider_member is not None:
        if provider_member.id == member.id:
            invalid("provider_member_id", N_("The service must come from another member."))
        if provider_member.community_id != member.community_id or not _active(provider_member):
            invalid("provider_member_id", N_("No active member of this community has this id."))
    member = _locked(member.id)
    balance = balance_of(member.id)
    if points > balance:
        message = N_("Not enough points: the balance is %(balance)s, this service costs %(points)s.",
                     balance=balance, points=points)
        raise Conflict(message, {"json": {"points": [message]}})
    return _append(member, "spend", -points, description, by,
                   provider_member_id=provider_member.id if provider_member is not None else None)


def adjust(member: Member, points: int, reason: str, by: str) -> LedgerEntry:
    """The manager adds (+) or takes (−) points with a reason; never below 0 (409 naming the
    balance). Audited "amended"."""
    require_on(member.community_id)
    if points == 0:
        invalid("points", N_("Give a number of points other than 0."))
    member = _locked(member.id)
    balance = balance_of(member.id)
    if balance + points < 0:
        message = N_("The balance is %(balance)s: at most %(balance)s points can be taken.", balance=balance)
        raise Conflict(message, {"json": {"points": [message]}})
    entry = _append(member, "adjust", points, reason, by)
    record_audit(NAME, "amended", target_type="time_bank_entry", target_id=entry.id,
                 details={"fields": ["points"], "member_id": member.id})
    return entry


# --- reading ----------------------------------------------------------------------------------------


def ledger_statement(member_id: int):
    return select(LedgerEntry).where(LedgerEntry.member_id == member_id)


def entries_out(entries) -> list[dict]:
    """Ledger lines as the API and the pages show them: staff and providers by name (one query each)."""
    entries = list(entries)
    names = staff_names(sorted({e.by for e in entries}))
    providers = {e.provider_member_id for e in entries if e.provider_member_id}
    provider_names = dict(db.session.execute(select(Member.id, Member.name).where(
        Member.id.in_(providers))).all()) if providers else {}
    return [{"id": e.id, "community_id": e.community_id, "member_id": e.member_id, "kind": e.kind,
             "kind_label": vocab.label(vocab.LEDGER_KINDS, e.kind), "points": e.points, "balance": e.balance,
             "record_id": e.record_id, "provider_member_id": e.provider_member_id,
             "provider_name": provider_names.get(e.provider_member_id), "description": show_note(e.description),
             "by": e.by, "by_name": names.get(e.by), "at": e.at} for e in entries]


def totals(member_ids) -> dict[int, dict]:
    """{member id: {earned, spent, adjusted, lines}} in one query (spent as a positive number)."""
    ids = set(member_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(LedgerEntry.member_id,
               func.sum(case((LedgerEntry.kind == "earn", LedgerEntry.points), else_=0)),
               func.sum(case((LedgerEntry.kind == "spend", -LedgerEntry.points), else_=0)),
               func.sum(case((LedgerEntry.kind == "adjust", LedgerEntry.points), else_=0)),
               func.count(LedgerEntry.id))
        .where(LedgerEntry.member_id.in_(ids)).group_by(LedgerEntry.member_id))
    return {m: {"earned": int(e or 0), "spent": int(s or 0), "adjusted": int(a or 0), "lines": int(n or 0)}
            for m, e, s, a, n in rows}


def balance_out(member: Member) -> dict:
    on, per_hour = settings(member.community_id)
    figures = totals([member.id]).get(member.id, {"earned": 0, "spent": 0, "adjusted": 0, "lines": 0})
    return {"member_id": member.id, "member_name": member.name, "member_active": _active(member),
            "balance": balance_of(member.id), "points_per_hour": per_hour, **figures}


BALANCE = func.coalesce(LedgerEntry.balance, 0)
BALANCE_COLUMNS = {"balance": BALANCE}


def balances_statement(community_id: int, args: dict):
    """The community's members with their balance (the last line's): those with a line, or with
    `everyone` also the active members without one (balance 0); `q`: part of the name."""
    everyone = bool(args.get("everyone"))
    last = (select(LedgerEntry.member_id, func.max(LedgerEntry.id).label("last_id"))
            .where(LedgerEntry.community_id == community_id).group_by(LedgerEntry.member_id).subquery())
    stmt = (select(Member, BALANCE.label("balance"))
            .join(last, last.c.member_id == Member.id, isouter=everyone)
            .join(LedgerEntry, LedgerEntry.id == last.c.last_id, isouter=everyone)
            .where(Member.community_id == community_id))
    if everyone:
        stmt = stmt.where(or_(last.c.last_id.is_not(None), and_(Member.status == "active",
                                                                 Member.erased_at.is_(None))))
    if args.get("q"):
        stmt = stmt.where(Member.name.contains(args["q"], autoescape=True))
    return stmt


def balances_out(rows) -> list[dict]:
    """A page of (Member, balance) rows."""
    rows = list(rows)
    figures = totals([m.id for m, _b in rows])
    empty = {"earned": 0, "spent": 0, "adjusted": 0, "lines": 0}
    return [{"member_id": m.id, "member_name": m.name, "member_kind": m.kind,
             "member_kind_label": vocab.label(vocab.MEMBER_KINDS, m.kind), "member_active": _active(m),
             "balance": int(balance or 0), **figures.get(m.id, empty)} for m, balance in rows]
