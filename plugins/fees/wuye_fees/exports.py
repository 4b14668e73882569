"""Exports of bills and payments (.xlsx), the fee manager's: they name households and payers, so
each is audited (`fees.exported`).

- **Bills** (物业费账单): the community's bills of a period (`period` "2026-11" / "2026Q4" / "2026",
  or `from`/`to`: bills whose period starts on those days), optionally of one status, site or kind
  of unit: 小区, 收费单元, 类型, 住户/缴费人, 期间, 面积, 单价, 应收, 减免, 已收, 欠费, 状态, 到期日, and a
  totals row (cancelled bills listed, not counted).
- **Payments** (收款日记账): the journal of a date range (Beijing days, both included; this month
  by default): 收据编号, 日期, 收费单元, 缴款人, 方式, 金额, 类型 (收款/退款/冲正), 经办人, 说明, and totals
  (received, given back, net).

Both are written by the core's XlsxWriter (strings are text, never formulas; rows stream to disk;
every sheet prints on A4, one page wide, header row repeated), amounts as numbers with two
decimals (fen / 100, exact), totals summed here in fen — no formula in the file. Each reads its
rows in one query and the staff's names in one more, whatever the number of rows.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from marshmallow import ValidationError, fields, validate, validates_schema
from openpyxl.styles import Font
from sqlalchemy import func, select

from wuye_core.plugins import (
    LOCAL_TZ,
    Community,
    PeriodArgs,
    Resident,
    Site,
    StrictSchema,
    XlsxWriter,
    db,
    download_name,
    invalid,
    local_today,
    record_audit,
    staff_names,
    xlsx_response,
)

from . import vocab
from .access import NAME
from .i18n import N_, _
from .models import Bill, FeeUnit, Payment
from .periods import LABEL_PATTERN, parse_label

MONEY = "#,##0.00"
AREA = "0.00"
PRICE = "0.00##"
BOLD = Font(bold=True)


def _d(zh: str, en: str) -> dict:
    return {"description": f"{zh} / {en}"}


def _period_label(value: str) -> None:
    try:
        parse_label(value)
    except ValueError:
        raise ValidationError(N_("Write a period as 2026-11, 2026Q4 or 2026.")) from None


class BillExportArgs(StrictSchema):
    """Which bills: a period, or the days their periods start on; a status, a site, a kind."""

    period = fields.String(validate=_period_label, metadata={"pattern": LABEL_PATTERN} | _d(
        "账期：2026-11（月）、2026Q4（季）、2026（年）；与 from/to 二选一", "a period: 2026-11, 2026Q4 or 2026; or from/to"))
    first = fields.Date(data_key="from", metadata=_d("账期开始日不早于（北京时间）", "bills whose period starts on or after"))
    last = fields.Date(data_key="to", metadata=_d("账期开始日不晚于", "bills whose period starts on or before"))
    status = fields.String(validate=validate.OneOf(list(vocab.BILL_STATUSES)), metadata=_d(
        "状态：open 未缴清、paid 已缴清、waived 已减免、cancelled 作废", "a status"))
    site_id = fields.Integer(validate=validate.Range(min=1), metadata=_d("小区 id", "a site of the community"))
    kind = fields.String(validate=validate.OneOf(list(vocab.UNIT_KINDS)), metadata=_d(
        "收费单元类型：residential 住宅、shop 商铺、parking 车位、other 其他", "a kind of fee unit"))

    @validates_schema
    def _one_way(self, data, **kwargs):
        if data.get("period") and (data.get("first") or data.get("last")):
            raise ValidationError(N_("Give a period, or from and to, not both."), "period")
        if data.get("first") and data.get("last") and data["first"] > data["last"]:
            raise ValidationError(N_("The start of the period is after its end."), "from")


class PaymentExportArgs(PeriodArgs):
    """The journal of `from`–`to` (Beijing days; this month by default); a site, a method, a kind."""

    site_id = fields.Integer(validate=validate.Range(min=1), metadata=_d("小区 id", "a site of the community"))
    method = fields.String(validate=validate.OneOf(list(vocab.PAYMENT_METHODS)), metadata=_d("收款方式", "a method"))
    kind = fields.String(validate=validate.OneOf(list(vocab.PAYMENT_KINDS)), metadata=_d(
        "payment 收款、refund 退款、reversal 冲正", "a kind of journal row"))


def _yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else Decimal(fen) / 100


def _check_site(community_id: int, site_id: int | None) -> None:
    if site_id is not None:
        site = db.session.get(Site, site_id)
        if site is None or site.community_id != community_id:
            invalid("site_id", N_("Not a site of this community."), location="query")


def _household_names(community_id: int):
    """{household: the name of its first resident} as a subquery (the bill's 住户)."""
    first = (select(Resident.household_id.label("household_id"), func.min(Resident.id).label("resident_id"))
             .where(Resident.community_id == community_id, Resident.duplicate_of.is_(None))
             .group_by(Resident.household_id).subquery())
    return (select(first.c.household_id, Resident.name.label("name"))
            .join(Resident, Resident.id == first.c.resident_id).subquery())


# --- bills --------------------------------------------------------------------------------------------


def bills_statement(community_id: int, args: dict):
    names = _household_names(community_id)
    statement = (select(Bill, FeeUnit.label, FeeUnit.kind, FeeUnit.payer_name, Site.name, names.c.name)
                 .join(FeeUnit, FeeUnit.id == Bill.fee_unit_id)
                 .join(Site, Site.id == Bill.site_id)
                 .outerjoin(names, names.c.household_id == Bill.household_id)
                 .where(Bill.community_id == community_id))
    if args.get("period"):
        period = parse_label(args["period"])
        statement = statement.where(Bill.period_start >= period.start, Bill.period_start <= period.end)
    if args.get("first"):
        statement = statement.where(Bill.period_start >= args["first"])
    if args.get("last"):
        statement = statement.where(Bill.period_start <= args["last"])
    if args.get("status"):
        statement = statement.where(Bill.status == args["status"])
    if args.get("site_id"):
        statement = statement.where(Bill.site_id == args["site_id"])
    if args.get("kind"):
        statement = statement.where(FeeUnit.kind == args["kind"])
    return statement.order_by(Site.name, FeeUnit.label, Bill.period_start, Bill.id)


def _bill_status(bill: Bill) -> str:
    if bill.status == "open" and bill.paid_fen > 0:
        return _("Partly paid")
    return vocab.label(vocab.BILL_STATUSES, bill.status)


def _span(args: dict) -> str | None:
    """What a file is named by: the period, or its days."""
    if args.get("period"):
        return parse_label(args["period"]).label
    if args.get("first") or args.get("last"):
        return "_".join(d.isoformat() for d in (args.get("first"), args.get("last")) if d)
    return None


def bills_export(community_id: int, args: dict):
    """物业费账单 .xlsx of the bills the filters choose; audited."""
    _check_site(community_id, args.get("site_id"))
    community = db.session.get(Community, community_id)
    book = XlsxWriter()
    title = _("Property fee bills")
    sheet = book.sheet(title, header=[
        _("Site"), _("Fee unit"), _("Type"), _("Household / payer"), _("Period"), _("Area (㎡)"), _("Unit price (yuan)"),
        _("Billed (yuan)"), _("Discounts (yuan)"), _("Paid (yuan)"), _("Owed (yuan)"), _("Status"), _("Due on")],
        widths=[12, 16, 8, 12, 15, 9, 9, 11, 10, 11, 11, 8, 11], freeze="C2", landscape=True,
        page_header=f"{title} · {community.name}")
    totals = {"amount": 0, "discount": 0, "paid": 0, "owed": 0}
    count = 0
    for bill, label, kind, payer, site_name, household_name in db.session.execute(
            bills_statement(community_id, args).execution_options(yield_per=1000)):
        count += 1
        sheet.append([
            site_name, label, vocab.label(vocab.UNIT_KINDS, kind), payer or household_name or "",
            bill.period_label, sheet.cell(bill.area_m2, number_format=AREA) if bill.area_m2 is not None else None,
            sheet.cell(bill.price, number_format=PRICE) if bill.price is not None else None,
            sheet.cell(_yuan(bill.amount_fen), number_format=MONEY),
            sheet.cell(_yuan(bill.discount_fen), number_format=MONEY),
            sheet.cell(_yuan(bill.paid_fen), number_format=MONEY),
            sheet.cell(_yuan(bill.owed_fen), number_format=MONEY), _bill_status(bill), bill.due_on])
        if bill.status != "cancelled":
            totals["amount"] += bill.amount_fen
            totals["discount"] += bill.discount_fen
            totals["paid"] += bill.paid_fen
            totals["owed"] += bill.owed_fen
    sheet.append([
        sheet.cell(_("Total (%(count)s bills; cancelled ones not counted)", count=count), font=BOLD),
        None, None, None, None, None, None,
        *(sheet.cell(_yuan(totals[key]), number_format=MONEY, font=BOLD)
          for key in ("amount", "discount", "paid", "owed"))])
    record_audit(NAME, "exported", target_type="community", target_id=community_id,
                 details={"file": "bills.xlsx", "rows": count,
                          **{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in args.items()}})
    span = _span(args) or local_today().isoformat()
    return xlsx_response(book.save, download_name("fees-bills", community_id, span, ext="xlsx"),
                         download_name(_("Property fee bills"), community.name, span, ext="xlsx"))


# --- payments -----------------------------------------------------------------------------------------


def _utc_bounds(first, last) -> tuple[datetime, datetime]:
    """Beijing days first … last as [start, end) moments."""
    start = datetime.combine(first, time.min, tzinfo=LOCAL_TZ)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=LOCAL_TZ)
    return start, end


def payments_statement(community_id: int, args: dict):
    start, end = _utc_bounds(args["first"], args["last"])
    statement = (select(Payment, FeeUnit.label)
                 .outerjoin(FeeUnit, FeeUnit.id == Payment.fee_unit_id)
                 .where(Payment.community_id == community_id, Payment.paid_at >= start, Payment.paid_at < end))
    if args.get("site_id"):
        statement = statement.where(Payment.site_id == args["site_id"])
    if args.get("method"):
        statement = statement.where(Payment.method == args["method"])
    if args.get("kind"):
        statement = statement.where(Payment.kind == args["kind"])
    return statement.order_by(Payment.paid_at, Payment.id)


def _journal_kind(kind: str) -> str:
    return {"payment": _("Received"), "refund": _("Refund"), "reversal": _("Reversal")}.get(kind, kind)


def _explanation(payment: Payment, receipts: dict[int, str | None]) -> str:
    parts = []
    if payment.reverses_id is not None:
        receipt = receipts.get(payment.reverses_id)
        parts.append(_("Of receipt %(number)s", number=receipt) if receipt else
                     _("Of payment #%(id)s", id=payment.reverses_id))
    for text in (payment.reason, payment.note, payment.reference):
        if text:
            parts.append(text)
    return "；".join(parts)


def payments_export(community_id: int, args: dict):
    """收款日记账 .xlsx of the days chosen; audited."""
    _check_site(community_id, args.get("site_id"))
    community = db.session.get(Community, community_id)
    found = list(db.session.execute(payments_statement(community_id, args)))
    names = staff_names(sorted({payment.recorded_by for payment, _label in found}))
    receipts = {payment.id: payment.receipt_no for payment, _label in found}
    missing = {p.reverses_id for p, _label in found if p.reverses_id is not None and p.reverses_id not in receipts}
    if missing:  # a refund of a payment made before the range: its receipt number, one query
        receipts.update(db.session.execute(select(Payment.id, Payment.receipt_no).where(Payment.id.in_(missing))).all())
    book = XlsxWriter()
    title = _("Payments journal")
    sheet = book.sheet(title, header=[
        _("Receipt number"), _("Date"), _("Fee unit"), _("Payer"), _("Method"), _("Amount (yuan)"), _("Kind"),
        _("Recorded by"), _("Explanation")],
        widths=[15, 16, 16, 10, 10, 11, 7, 9, 30], freeze="B2", wrap=[9], landscape=True,
        page_header=f"{title} · {community.name}")
    received = given_back = 0
    for payment, label in found:
        sheet.append([
            payment.receipt_no or "", sheet.cell(payment.paid_at.astimezone(LOCAL_TZ).replace(tzinfo=None),
                                                 number_format="yyyy-mm-dd hh:mm"),
            label or _("Not matched to a unit"), payment.payer_name or "",
            vocab.label(vocab.PAYMENT_METHODS, payment.method),
            sheet.cell(_yuan(payment.amount_fen), number_format=MONEY), _journal_kind(payment.kind),
            names.get(payment.recorded_by, payment.recorded_by), _explanation(payment, receipts)])
        if payment.amount_fen >= 0:
            received += payment.amount_fen
        else:
            given_back += payment.amount_fen
    for text, fen in ((_("Received"), received), (_("Given back"), given_back),
                      (_("Net (%(count)s rows)", count=len(found)), received + given_back)):
        sheet.append([sheet.cell(text, font=BOLD), None, None, None, None,
                      sheet.cell(_yuan(fen), number_format=MONEY, font=BOLD)])
    record_audit(NAME, "exported", target_type="community", target_id=community_id,
                 details={"file": "payments.xlsx", "rows": len(found), "from": args["first"].isoformat(),
                          "to": args["last"].isoformat()})
    span = f"{args['first'].isoformat()}_{args['last'].isoformat()}"
    return xlsx_response(book.save, download_name("fees-payments", community_id, span, ext="xlsx"),
                         download_name(_("Property fee payments"), community.name, span, ext="xlsx"))
