"""Collection figures (收缴率, 欠费账龄): the collection page and its export, the dashboard, the
community report, the overview page and the console home page's panel.

Definitions (the same everywhere):

- **The bills of a month** are those whose period starts in it: a monthly bill counts in its
  month, a quarterly or yearly bill in its period's **first** month (2026Q4 in October, 2026 in
  January) — it is billed once, so it is counted once. Cancelled bills count nowhere.
- **Due** (应收) of a bill is `amount − discount` (approved discounts and waivers), **collected**
  (实收) its `paid_fen` (the allocations of the journal set against it, refunds and reversals
  taken back); the **collection rate** is collected ÷ due (`rate_value`: a fraction, four
  decimals, None when nothing was due). Money paid in advance and not set against a bill is
  not in it.
- **Arrears ageing**: what open bills still owe (`bill_state.OWED`), bucketed by days past their
  due date as of today (Beijing; `vocab.AGEING_BUCKETS`: 1–30, 31–90, 91–180, 181–365, over a
  year). A bill not yet due is in no bucket.
- **Collected this month** (本月实收): the journal's rows paid this month (Beijing), payments less
  refunds and reversals — money received, whatever bills it went to.

Every figure comes from a constant number of grouped statements whatever the number of sites,
units or bills (never one query per site, month or community). Amounts are fen; the dashboard
shows whole yuan (the core has no unit for money: its keys end in `_yuan`, an integer, rounded
half up, unit 元), the report yuan with two decimals as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, select
from werkzeug.exceptions import HTTPException

from wuye_core.plugins import (
    LOCAL_TZ,
    Community,
    Figure,
    ReportSection,
    Site,
    current_identity,
    db,
    local_today,
    plugin_config,
    rate_value,
    render_page,
    use_locale,
)

from . import vocab
from .access import NAME, is_cashier
from .bill_state import OPEN, OWED
from .i18n import _
from .models import Bill, BillingRun, Discount, Payment, Reminder
from .money import yuan
from .periods import period_of

OVERDUE_LONG_DAYS = 90  # "households in arrears over 90 days"
MONTHS = tuple(range(1, 13))


# --- time ------------------------------------------------------------------------------------------------


def midnight(day: date) -> datetime:
    """00:00 in Beijing on `day`, as an instant in UTC (the journal's `paid_at` zone)."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _in(column, ids):
    ids = sorted(set(ids))
    return column == ids[0] if len(ids) == 1 else column.in_(ids)


def _sum(condition, value):
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


DUE = Bill.amount_fen - Bill.discount_fen
COUNTED = Bill.status != "cancelled"


def yuan_whole(fen: int) -> int:
    """Fen as whole yuan, rounded half up (the dashboard's unit 元)."""
    fen = int(fen or 0)
    return (fen + 50) // 100 if fen >= 0 else -((-fen + 50) // 100)


# --- collection by site and month -------------------------------------------------------------------


@dataclass
class Cell:
    due_fen: int = 0
    collected_fen: int = 0
    bills: int = 0

    @property
    def rate(self) -> float | None:
        return rate_value(self.collected_fen, self.due_fen)

    def add(self, other: Cell) -> None:
        self.due_fen += other.due_fen
        self.collected_fen += other.collected_fen
        self.bills += other.bills

    def as_dict(self) -> dict:
        return {"due_fen": self.due_fen, "collected_fen": self.collected_fen, "owed_fen": self.due_fen
                - self.collected_fen, "bills": self.bills, "collection_rate": self.rate}


@dataclass
class SiteRow:
    site_id: int
    name: str
    months: dict[int, Cell] = field(default_factory=lambda: {m: Cell() for m in MONTHS})
    total: Cell = field(default_factory=Cell)


def sites_of(community_id: int) -> list[tuple[int, str]]:
    return [tuple(row) for row in db.session.execute(
        select(Site.id, Site.name).where(Site.community_id == community_id).order_by(Site.name, Site.id)).all()]


def collection(community_id: int, year: int) -> dict:
    """收缴率 of `year` by site × month (bills counted in their period's first month): two
    statements for any number of sites. {"year", "sites": [SiteRow], "months": {month: Cell},
    "total": Cell}; the sites are all the community's (those without bills show zeros)."""
    rows = {site_id: SiteRow(site_id, name) for site_id, name in sites_of(community_id)}
    found = db.session.execute(
        select(Bill.site_id, Bill.period_start, func.coalesce(func.sum(DUE), 0), func.coalesce(func.sum(Bill.paid_fen), 0),
               func.count(Bill.id))
        .where(Bill.community_id == community_id, COUNTED, Bill.period_start >= date(year, 1, 1),
               Bill.period_start < date(year + 1, 1, 1))
        .group_by(Bill.site_id, Bill.period_start)
    ).all()
    months = {m: Cell() for m in MONTHS}
    total = Cell()
    for site_id, start, due, paid, count in found:
        row = rows.get(site_id) or rows.setdefault(site_id, SiteRow(site_id, str(site_id)))
        cell = Cell(int(due), int(paid), int(count))
        row.months[start.month].add(cell)
        row.total.add(cell)
        months[start.month].add(cell)
        total.add(cell)
    return {"year": year, "sites": list(rows.values()), "months": months, "total": total}


def collection_json(data: dict) -> dict:
    """`collection` for the API: plain values, months as a list of 12."""
    return {
        "year": data["year"],
        "sites": [{"site_id": r.site_id, "name": r.name, "total": r.total.as_dict(),
                   "months": [{"month": m, **r.months[m].as_dict()} for m in MONTHS]} for r in data["sites"]],
        "months": [{"month": m, **data["months"][m].as_dict()} for m in MONTHS],
        "total": data["total"].as_dict(),
    }


def download(community_id: int, year: int):
    """The year's collection (amounts and rates, site × month) and today's ageing as a workbook,
    in the reader's language; rates as percentages (Excel is for people). No names: no audit."""
    from wuye_core.plugins import XlsxWriter, download_name, xlsx_response

    data = collection(community_id, year)
    ages = ageing(community_id)
    book = XlsxWriter()
    header = [_("Site"), _("Figure"), *[_("Month %(m)s", m=m) for m in MONTHS], _("Year")]
    sheet = book.sheet(_("Collection %(year)s", year=year), header=header, widths=[16, 12, *[9] * 12, 11],
                       freeze="C2")
    percent, money = "0.0%", "#,##0.00"

    def amount(sheet_, fen: int):  # Decimal yuan, never float
        return sheet_.cell(Decimal(int(fen)).scaleb(-2), number_format=money)

    rows = [*data["sites"], SiteRow(0, _("All sites"), data["months"], data["total"])]
    for row in rows:
        cells = [*(row.months[m] for m in MONTHS), row.total]
        sheet.append([row.name, _("Due (yuan)"), *(amount(sheet, c.due_fen) for c in cells)])
        sheet.append([row.name, _("Collected (yuan)"), *(amount(sheet, c.collected_fen) for c in cells)])
        sheet.append([row.name, _("Collection rate"),
                      *(sheet.cell(c.rate, number_format=percent) if c.rate is not None else "" for c in cells)])
    ageing_sheet = book.sheet(_("Arrears ageing"), header=[_("Days past due"), _("Bills"), _("Owed (yuan)")],
                              widths=[16, 8, 14])
    for bucket in ages["buckets"]:
        ageing_sheet.append([bucket["label"], bucket["bills"], amount(ageing_sheet, bucket["owed_fen"])])
    ageing_sheet.append([_("Total"), ages["bills"], amount(ageing_sheet, ages["owed_fen"])])
    ageing_sheet.append([_("As of %(day)s", day=ages["today"].isoformat())])
    name = db.session.get(Community, community_id).name
    return xlsx_response(book.save, download_name("fee-collection", community_id, year, ext="xlsx"),
                         download_name(_("Fee collection"), name, year, ext="xlsx"))


# --- arrears ageing ------------------------------------------------------------------------------------


def _bucket_case(today: date):
    """The ageing bucket's code of an open bill as SQL (None: not due yet)."""
    whens = []
    for code, first, last in vocab.AGEING_BUCKETS:
        condition = Bill.due_on <= today - timedelta(days=first)
        if last is not None:
            condition = and_(condition, Bill.due_on >= today - timedelta(days=last))
        whens.append((condition, code))
    return case(*whens, else_=None)


def ageing(community_id: int, today: date | None = None) -> dict:
    """欠费账龄 as of `today`: what open bills past due owe, by bucket and site, one statement.
    {"today", "buckets": [{"code", "label", "owed_fen", "bills", "units"}], "by_site": {site id:
    {code: owed_fen}}, "owed_fen" (past due), "bills", "units"}."""
    today = today or local_today()
    bucket = _bucket_case(today).label("bucket")
    found = db.session.execute(
        select(Bill.site_id, bucket, func.coalesce(func.sum(OWED), 0), func.count(Bill.id),
               func.count(func.distinct(Bill.fee_unit_id)))
        .where(Bill.community_id == community_id, OPEN, Bill.due_on < today)
        .group_by(Bill.site_id, bucket)
    ).all()
    totals = {code: {"owed_fen": 0, "bills": 0} for code, _f, _l in vocab.AGEING_BUCKETS}
    by_site: dict[int, dict[str, int]] = {}
    for site_id, code, owed, bills, _units in found:
        if code is None:
            continue
        totals[code]["owed_fen"] += int(owed)
        totals[code]["bills"] += int(bills)
        by_site.setdefault(site_id, {c: 0 for c in totals})[code] += int(owed)
    return {
        "today": today,
        "buckets": [{"code": code, "label": vocab.label(vocab.AGEING_LABELS, code), **totals[code]} for code in totals],
        "by_site": by_site,
        "owed_fen": sum(total["owed_fen"] for total in totals.values()),
        "bills": sum(total["bills"] for total in totals.values()),
    }


# --- a few figures per community (dashboard, overview, panel) ----------------------------------------------


EMPTY = {"year_due_fen": 0, "year_collected_fen": 0, "owed_fen": 0, "overdue_fen": 0, "households_over_90": 0,
         "units_over_90": 0, "collected_month_fen": 0}


def figures_by_community(community_ids, today: date | None = None) -> dict[int, dict]:
    """{community id: figures} for any number of communities, from two grouped statements:

    - year_due_fen, year_collected_fen (bills of this year's months up to this one: the year's
      collection rate), owed_fen (all open bills, due or not), overdue_fen (past due),
      households_over_90 and units_over_90 (with a bill more than 90 days past due);
    - collected_month_fen: the journal's rows paid this month (Beijing), net."""
    ids = sorted(set(community_ids or ()))
    if not ids:
        return {}
    today = today or local_today()
    out = {cid: dict(EMPTY) for cid in ids}
    year_start, month_end = date(today.year, 1, 1), next_month(today)
    this_year = and_(COUNTED, Bill.period_start >= year_start, Bill.period_start < month_end)
    long_overdue = and_(OPEN, Bill.due_on < today - timedelta(days=OVERDUE_LONG_DAYS))
    for cid, due, paid, owed, overdue, households, units in db.session.execute(
        select(Bill.community_id, _sum(this_year, DUE), _sum(this_year, Bill.paid_fen), _sum(OPEN, OWED),
               _sum(and_(OPEN, Bill.due_on < today), OWED),
               func.count(func.distinct(case((long_overdue, Bill.household_id), else_=None))),
               func.count(func.distinct(case((long_overdue, Bill.fee_unit_id), else_=None))))
        .where(_in(Bill.community_id, ids))
        .group_by(Bill.community_id)
    ).all():
        out[cid].update(year_due_fen=int(due), year_collected_fen=int(paid), owed_fen=int(owed),
                        overdue_fen=int(overdue), households_over_90=int(households), units_over_90=int(units))
    for cid, collected in db.session.execute(
        select(Payment.community_id, func.coalesce(func.sum(Payment.amount_fen), 0))
        .where(_in(Payment.community_id, ids), Payment.paid_at >= midnight(month_start(today)),
               Payment.paid_at < midnight(month_end))
        .group_by(Payment.community_id)
    ).all():
        out[cid]["collected_month_fen"] = int(collected)
    for figures in out.values():
        figures["year_rate"] = rate_value(figures["year_collected_fen"], figures["year_due_fen"])
    return out


def community_figures(community_id: int, today: date | None = None) -> dict:
    return figures_by_community([community_id], today)[community_id]


def dashboard_figures(community_id: int, config: dict | None = None, today: date | None = None) -> list[Figure]:
    """The dashboard's figures (hook `wuye_dashboard_figures`), two statements: this year's
    collection rate, what is owed (whole yuan), households with a bill over 90 days past due,
    collected this month (whole yuan)."""
    c = community_figures(community_id, today)
    return [
        Figure("fees_collection_year_rate", "本年物业费收缴率", "Fee collection rate this year", c["year_rate"]),
        Figure("fees_owed_yuan", "物业费欠费总额", "Fees owed", yuan_whole(c["owed_fen"]), "元"),
        Figure("fees_households_overdue_90", "欠费超过90天的住户", "Households over 90 days in arrears",
               c["households_over_90"], "户"),
        Figure("fees_collected_month_yuan", "本月物业费实收", "Fees collected this month",
               yuan_whole(c["collected_month_fen"]), "元"),
    ]


# --- the community report -------------------------------------------------------------------------------


def _both(message) -> tuple[str, str]:
    """A catalog message in Chinese and in English (the report's rows carry both)."""
    with use_locale("zh_CN"):
        zh = message.translate()
    with use_locale("en"):
        en = message.translate()
    return zh, en


def report_sections(community_id: int, period_start: date, period_end: date, config: dict | None = None,
                    today: date | None = None) -> list[ReportSection]:
    """The section 物业费收缴 of a community's report for `period_start`..`period_end` (hook
    `wuye_report_sections`): the bills whose period starts in it — due, collected and the rate,
    in all and per site —, money received in it (net), the arrears' ageing at the period's end
    (or today, if earlier), discounts and waivers approved in it, reminders made in it. Six
    statements. Money in yuan with two decimals (text), rates as fractions."""
    today = today or local_today()
    sites = dict(sites_of(community_id))
    in_period = and_(Bill.community_id == community_id, COUNTED, Bill.period_start >= period_start,
                     Bill.period_start <= period_end)
    per_site = db.session.execute(
        select(Bill.site_id, func.coalesce(func.sum(DUE), 0), func.coalesce(func.sum(Bill.paid_fen), 0))
        .where(in_period).group_by(Bill.site_id)
    ).all()
    received = int(db.session.scalar(select(func.coalesce(func.sum(Payment.amount_fen), 0)).where(
        Payment.community_id == community_id, Payment.paid_at >= midnight(period_start),
        Payment.paid_at < midnight(period_end + timedelta(days=1)))) or 0)
    ages = ageing(community_id, min(period_end, today))
    discounts = db.session.execute(
        select(Discount.kind, func.count(Discount.id), func.coalesce(func.sum(Discount.amount_fen), 0))
        .where(Discount.community_id == community_id, Discount.status == "approved",
               Discount.decided_at >= midnight(period_start), Discount.decided_at < midnight(period_end
                                                                                             + timedelta(days=1)))
        .group_by(Discount.kind)
    ).all()
    reminders = dict(db.session.execute(
        select(Reminder.channel, func.count(Reminder.id))
        .where(Reminder.community_id == community_id, Reminder.result != "failed",
               Reminder.sent_at >= midnight(period_start), Reminder.sent_at < midnight(period_end + timedelta(days=1)))
        .group_by(Reminder.channel)
    ).all())

    due = sum(int(d) for _s, d, _p in per_site)
    paid = sum(int(p) for _s, _d, p in per_site)
    rows = [
        {"label_zh": "期内账单应收（元）", "label_en": "Due on the period's bills (yuan)", "value": yuan(due)},
        {"label_zh": "其中已收（元）", "label_en": "of which collected (yuan)", "value": yuan(paid)},
        {"label_zh": "物业费收缴率", "label_en": "Fee collection rate", "value": rate_value(paid, due)},
    ]
    for site_id, site_due, site_paid in sorted(per_site, key=lambda r: (sites.get(r[0], ""), r[0])):
        name = sites.get(site_id, str(site_id))
        rows.append({"label_zh": f"收缴率：{name}", "label_en": f"Collection rate: {name}",
                     "value": rate_value(int(site_paid), int(site_due))})
    rows.append({"label_zh": "期内实收（元，扣除退款、冲正）", "label_en": "Received in the period, net (yuan)",
                 "value": yuan(received)})
    rows.append({"label_zh": "期末逾期欠费（元）", "label_en": "Overdue at the period's end (yuan)",
                 "value": yuan(ages["owed_fen"])})
    for bucket in ages["buckets"]:
        zh, en = _both(vocab.AGEING_LABELS[bucket["code"]])
        rows.append({"label_zh": f"其中逾期{zh}（元）", "label_en": f"of which {en} past due (yuan)",
                     "value": yuan(bucket["owed_fen"])})
    kinds = {kind: (int(n), int(fen)) for kind, n, fen in discounts}
    for kind in vocab.DISCOUNT_KINDS:
        n, fen = kinds.get(kind, (0, 0))
        zh, en = _both(vocab.DISCOUNT_KINDS[kind])
        rows.append({"label_zh": f"批准的{zh}（笔）", "label_en": f"{en}s approved", "value": n})
        rows.append({"label_zh": f"批准的{zh}金额（元）", "label_en": f"{en}s approved (yuan)", "value": yuan(fen)})
    rows.append({"label_zh": "催缴（户次）", "label_en": "Reminders", "value": sum(int(n) for n in reminders.values())})
    for channel in vocab.REMINDER_CHANNELS:
        if reminders.get(channel):
            zh, en = _both(vocab.REMINDER_CHANNELS[channel])
            rows.append({"label_zh": f"其中：{zh}", "label_en": f"of which: {en}", "value": int(reminders[channel])})
    return [ReportSection("fees", "物业费收缴", "Fee collection", rows)]


# --- the console: the overview page and the home page's panel ---------------------------------------------


class Overview(list):
    """The overview page's figures, (label, value, unit) rows, carrying what needs doing (`todo`)."""

    todo: dict


def overview_figures(community_id: int, today: date | None = None) -> Overview:
    """The overview page's figures in the reader's language (money in yuan), and `.todo`
    (`needs_doing`). Four statements."""
    today = today or local_today()
    c = community_figures(community_id, today)
    rate = c["year_rate"]
    money = _("yuan")
    rows = Overview([
        (_("Collection rate this year"), "—" if rate is None else f"{rate * 100:.1f}%", ""),
        (_("Due this year"), yuan(c["year_due_fen"], True), money),
        (_("Collected on this year's bills"), yuan(c["year_collected_fen"], True), money),
        (_("Owed"), yuan(c["owed_fen"], True), money),
        (_("Overdue"), yuan(c["overdue_fen"], True), money),
        (_("Households over 90 days in arrears"), c["households_over_90"], _("households")),
        (_("Collected this month"), yuan(c["collected_month_fen"], True), money),
    ])
    rows.todo = needs_doing(community_id, today, units_over_90=c["units_over_90"])
    return rows


def needs_doing(community_id: int, today: date | None = None, units_over_90: int | None = None) -> dict:
    """What the fee staff should see to, from two statements (three without `units_over_90`):

    - `discounts_requested`: discounts and waivers awaiting approval;
    - `unmatched_payments`: payments reported by a payment provider and set against no unit yet
      (`fee_unit_id` None, kind payment), not matched by staff nor refunded in full;
    - `period`, `billed`: this period's label (the community's billing cycle) and whether its
      bills were generated (a BillingRun of its first day);
    - `units_over_90`: fee units with a bill more than 90 days past due."""
    today = today or local_today()
    cycle = (plugin_config(NAME, community_id) or {}).get("billing_cycle", "monthly")
    period = period_of(cycle, today)
    requested = select(func.count(Discount.id)).where(Discount.community_id == community_id,
                                                      Discount.status == "requested").scalar_subquery()
    from .payments import unmatched_statement  # not matched, not refunded in full

    unmatched = select(func.count()).select_from(unmatched_statement(community_id).subquery()).scalar_subquery()
    runs = select(func.count(BillingRun.id)).where(BillingRun.community_id == community_id,
                                                   BillingRun.period_start == period.start).scalar_subquery()
    n_requested, n_unmatched, n_runs = db.session.execute(select(requested, unmatched, runs)).one()
    if units_over_90 is None:
        units_over_90 = community_figures(community_id, today)["units_over_90"]
    return {"discounts_requested": int(n_requested), "unmatched_payments": int(n_unmatched),
            "period": period.label, "billed": bool(n_runs), "units_over_90": int(units_over_90)}


def panel(community_ids) -> str:
    """The console home page's panel: each community's collection in a few figures (read-only,
    no names), three statements for all of them — for the fee staff (the communities where the
    caller is a cashier or the fee manager, as the menu entry), not for everyone who reads."""
    try:
        identity = current_identity()
    except HTTPException:  # no caller (a test, a script): the communities given
        identity = None
    ids = sorted(cid for cid in set(community_ids or ()) if identity is None or is_cashier(identity, cid))
    if not ids:
        return ""
    names = dict(db.session.execute(select(Community.id, Community.name).where(_in(Community.id, ids))).all())
    figures = figures_by_community(ids)
    rows = sorted(((cid, names.get(cid, str(cid)), figures[cid]) for cid in ids), key=lambda row: row[1])
    return render_page("fees/panel.html", plugin=NAME, rows=rows)


__all__ = ["ageing", "collection", "collection_json", "community_figures", "dashboard_figures", "figures_by_community",
           "needs_doing", "overview_figures", "panel", "report_sections"]
