"""The API of payments, receipts, refunds and reversals, provider payments, arrears.

    GET  /communities/<id>/payments                 the journal (page; from/to, method, by, kind, unmatched)
    POST /communities/<id>/payments                 record a payment (a cashier or the manager)
    GET  /communities/<id>/payments/daily           收费日报: per day, per method, per cashier
    GET  /payments/<payment_id>                     one journal row, its allocations, what is left of it
    GET  /payments/<payment_id>/receipt.pdf         the receipt (PDF, 241 × 93 mm; audited "exported")
    GET  /payments/<payment_id>/receipt.docx        the receipt (Word)
    POST /payments/<payment_id>/refund              give money back (the manager; audited "amended")
    POST /payments/<payment_id>/reverse             undo a payment recorded in error (the manager)
    POST /payments/<payment_id>/match               match an online payment that named no unit
    GET  /units/<fee_unit_id>/account               对账单: bills, payments, credit, balance
    POST /units/<fee_unit_id>/apply-credit          set the unit's credit against its open bills
    GET  /communities/<id>/arrears                  arrears per unit with ageing (page)
    GET  /communities/<id>/arrears/ageing           the totals per ageing bucket

Reading and recording: cashiers and the manager; refunds and reversals: the manager only.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, select

from wuye_core.plugins import (
    LOCAL_TZ,
    ErrorSchema,
    db,
    download_name,
    download_response,
    invalid,
    local_today,
    page_schema,
    paginate,
    record_audit,
    show_note,
    staff_names,
)

from . import arrears as arrears_mod
from . import payments as pay
from . import refunds, vocab
from .access import NAME, require_cashier, require_manager, routed
from .i18n import N_, _
from .models import Allocation, Bill, FeeUnit, Payment
from .payment_codes import payment_code
from .receipts import DOCX, PDF, receipt_data, receipt_docx, receipt_pdf
from .schemas_payments import (
    AccountOut,
    AgeingOut,
    AgeingQuery,
    AppliedOut,
    ArrearsPageOut,
    ArrearsQuery,
    DailyOut,
    DailyQuery,
    MatchIn,
    PaymentIn,
    PaymentOut,
    PaymentsQuery,
    RefundIn,
    ReverseIn,
)

blp = Blueprint("fees_payments", __name__, description="物业费 / Property fees: payments")

ERRORS = (403, 404, 409, 422)


def _errors(*codes):
    def wrap(fn):
        for code in codes:
            fn = blp.alt_response(code, schema=ErrorSchema)(fn)
        return fn
    return wrap


# --- output --------------------------------------------------------------------------------------


def payments_out(rows) -> list[dict]:
    """Journal rows as PaymentOut dicts: a fixed number of queries for the whole page."""
    rows = list(rows)
    if not rows:
        return []
    ids = [p.id for p in rows]
    allocations = defaultdict(list)
    for payment_id, bill_id, label, fen, by in db.session.execute(
            select(Allocation.payment_id, Allocation.bill_id, Bill.period_label, Allocation.amount_fen, Allocation.by)
            .join(Bill, Bill.id == Allocation.bill_id).where(Allocation.payment_id.in_(ids))
            .order_by(Allocation.id)):
        allocations[payment_id].append({"bill_id": bill_id, "period_label": label, "amount_fen": fen, "by": by})
    unit_ids = {p.fee_unit_id for p in rows if p.fee_unit_id}
    labels = dict(db.session.execute(select(FeeUnit.id, FeeUnit.label).where(FeeUnit.id.in_(unit_ids))).all()) \
        if unit_ids else {}
    names = staff_names(sorted({p.recorded_by for p in rows}))
    back = refunds.taken_back(ids)
    matched = set(db.session.scalars(select(Payment.matched_from_id).where(Payment.matched_from_id.in_(ids))))
    out = []
    for p in rows:
        b = back[p.id]
        out.append({
            **{c: getattr(p, c) for c in ("id", "community_id", "site_id", "fee_unit_id", "household_id", "kind",
                                          "amount_fen", "method", "provider", "provider_txn_id", "reference",
                                          "receipt_no", "payer_name", "paid_at", "reverses_id", "matched_from_id",
                                          "recorded_by")},
            "reason": show_note(p.reason), "note": show_note(p.note),
            "fee_unit_label": labels.get(p.fee_unit_id), "kind_label": vocab.label(vocab.PAYMENT_KINDS, p.kind),
            "method_label": vocab.label(vocab.PAYMENT_METHODS, p.method),
            "recorded_by_name": names.get(p.recorded_by, p.recorded_by), "allocations": allocations[p.id],
            "refunded_fen": b["refunded_fen"], "reversed_fen": b["reversed_fen"],
            "remaining_fen": p.amount_fen - b["refunded_fen"] - b["reversed_fen"] if p.kind == "payment" else 0,
            "matched": p.fee_unit_id is not None or p.id in matched})
    return out


def day_bounds(first, last) -> tuple[datetime, datetime]:
    """Beijing days [first, last] as moments [start, end)."""
    return (datetime.combine(first, time.min, LOCAL_TZ), datetime.combine(last + timedelta(days=1), time.min, LOCAL_TZ))


def journal_statement(community_id: int, args: dict):
    stmt = select(Payment).where(Payment.community_id == community_id)
    if args.get("first") or args.get("last"):
        first = args.get("first") or args.get("last")
        last = args.get("last") or local_today()
        if first > last:
            invalid("from", N_("The first day is after the last."))
        start, end = day_bounds(first, last)
        stmt = stmt.where(Payment.paid_at >= start, Payment.paid_at < end)
    for key in ("method", "kind", "fee_unit_id"):
        if args.get(key):
            stmt = stmt.where(getattr(Payment, key) == args[key])
    if args.get("by"):
        stmt = stmt.where(Payment.recorded_by == args["by"])
    if args.get("unmatched"):
        stmt = pay.unmatched_statement(community_id)
    return stmt


def journal_page(community_id: int, args: dict) -> dict:
    page = paginate(journal_statement(community_id, args), Payment, args)
    page["items"] = payments_out(page["items"])
    return page


def daily(community_id: int, args: dict) -> dict:
    """收费日报 of [from, to] (default: this month to today): per day, method and cashier."""
    today = local_today()
    last = args.get("last") or today
    first = args.get("first") or last.replace(day=1)
    if first > last:
        invalid("from", N_("The first day is after the last."))
    if (last - first).days > 366:
        invalid("to", N_("At most a year at a time."))
    start, end = day_bounds(first, last)
    rows = db.session.execute(select(Payment.paid_at, Payment.method, Payment.recorded_by, Payment.amount_fen)
                              .where(Payment.community_id == community_id, Payment.paid_at >= start,
                                     Payment.paid_at < end)).all()
    days: dict = {}
    methods: dict = defaultdict(int)
    cashiers: dict = defaultdict(lambda: [0, 0])
    received = given_back = 0
    for paid_at, method, by, fen in rows:
        day = paid_at.astimezone(LOCAL_TZ).date()
        row = days.setdefault(day, {"day": day, "total_fen": 0, "count": 0, "by_method": defaultdict(int),
                                    "by_cashier": defaultdict(int)})
        row["total_fen"] += fen
        row["count"] += 1
        row["by_method"][method] += fen
        row["by_cashier"][by] += fen
        methods[method] += fen
        cashiers[by][0] += fen
        cashiers[by][1] += 1
        if fen > 0:
            received += fen
        else:
            given_back -= fen
    names = staff_names(sorted(cashiers))
    return {"first": first, "last": last, "total_fen": received - given_back, "received_fen": received,
            "given_back_fen": given_back,
            "days": [{**d, "by_method": dict(d["by_method"]), "by_cashier": dict(d["by_cashier"])}
                     for _day, d in sorted(days.items())],
            "methods": dict(methods),
            "cashiers": [{"username": u, "name": names.get(u, u), "total_fen": t, "count": n}
                         for u, (t, n) in sorted(cashiers.items(), key=lambda x: -x[1][0])]}


def account_out(unit: FeeUnit) -> dict:
    found = arrears_mod.account(unit.id, local_today())
    return {**found, "label": unit.label, "payment_code": payment_code(unit.id)}


def arrears_out(community_id: int, args: dict) -> dict:
    """The page, and (for the console, which shows both) the totals by bucket under `ageing`."""
    today = local_today()
    page = arrears_mod.arrears_page(community_id, today, args)
    page["ageing"] = arrears_mod.ageing_totals(community_id, today, args.get("site_id"))
    return page


def unit_in(community_id: int, fee_unit_id: int) -> FeeUnit:
    unit = db.session.get(FeeUnit, fee_unit_id)
    if unit is None or unit.community_id != community_id:
        invalid("fee_unit_id", N_("No fee unit of this community has this id."))
    return unit


def record(community_id: int, data: dict, by: str) -> Payment:
    unit_in(community_id, data["fee_unit_id"])
    return pay.record_payment(data["fee_unit_id"], data["amount_fen"], data["method"], bill_ids=data.get("bill_ids"),
                              payer_name=data.get("payer_name"), reference=data.get("reference"),
                              paid_at=data.get("paid_at"), by=by, note=data.get("note"))


def receipt_download(payment: Payment, kind: str):
    """The receipt as a file; "exported" in the audit when it names a person."""
    if payment.kind != "payment":
        invalid("payment_id", N_("Only a payment has a receipt."))
    content = receipt_pdf(payment) if kind == "pdf" else receipt_docx(payment)
    if receipt_data(payment)["names_person"]:
        record_audit(NAME, "exported", target_type="receipt", target_id=payment.id, details={"format": kind})
    number = payment.receipt_no or str(payment.id)
    return download_response(content, download_name("receipt", number, ext=kind),
                             download_name(_("Receipt"), number, ext=kind), PDF if kind == "pdf" else DOCX)


# --- routes --------------------------------------------------------------------------------------


@blp.route("/communities/<int:community_id>/payments")
class Payments(MethodView):
    @blp.arguments(PaymentsQuery, location="query")
    @blp.response(200, page_schema(PaymentOut))
    @_errors(*ERRORS)
    def get(self, args, community_id):
        """收款日记账（新的在前；可按日期、方式、收款人、类型筛选，unmatched=true 只列未对应单元的线上缴费）/ The
        journal (newest first; filter by day range, method, who, kind; unmatched online payments)"""
        require_cashier(community_id)
        return journal_page(community_id, args)

    @blp.arguments(PaymentIn)
    @blp.response(201, PaymentOut)
    @_errors(*ERRORS)
    def post(self, data, community_id):
        """收款：按所选账单或从最早到期的账单起冲抵，多出的记为预收；给出收据编号 / Record a payment: set against
        the chosen bills or the oldest due first, the rest is credit; a receipt number is taken"""
        identity = require_cashier(community_id)
        return payments_out([record(community_id, data, identity.username)])[0]


@blp.route("/communities/<int:community_id>/payments/daily")
class Daily(MethodView):
    @blp.arguments(DailyQuery, location="query")
    @blp.response(200, DailyOut)
    @_errors(*ERRORS)
    def get(self, args, community_id):
        """收费日报：每天、每种方式、每位收款人的合计（退款、冲正为负）/ Daily totals per method and cashier"""
        require_cashier(community_id)
        return daily(community_id, args)


@blp.route("/payments/<int:payment_id>")
class OnePayment(MethodView):
    @blp.response(200, PaymentOut)
    @_errors(403, 404)
    def get(self, payment_id):
        """一笔收款（或退款、冲正）及其冲抵明细 / One journal row and its allocations"""
        payment = routed(Payment, payment_id)
        require_cashier(payment.community_id)
        return payments_out([payment])[0]


@blp.route("/payments/<int:payment_id>/receipt.pdf")
class ReceiptPdf(MethodView):
    @blp.response(200, description="收据 / the receipt (PDF)", content_type=PDF)
    @_errors(403, 404, 422)
    def get(self, payment_id):
        """收据（PDF，三联收据大小，记入审计）/ The receipt (PDF; audited)"""
        payment = routed(Payment, payment_id)
        require_cashier(payment.community_id)
        return receipt_download(payment, "pdf")


@blp.route("/payments/<int:payment_id>/receipt.docx")
class ReceiptDocx(MethodView):
    @blp.response(200, description="收据 / the receipt (.docx)", content_type=DOCX)
    @_errors(403, 404, 422)
    def get(self, payment_id):
        """收据（Word，记入审计）/ The receipt (.docx; audited)"""
        payment = routed(Payment, payment_id)
        require_cashier(payment.community_id)
        return receipt_download(payment, "docx")


@blp.route("/payments/<int:payment_id>/refund")
class Refund(MethodView):
    @blp.arguments(RefundIn)
    @blp.response(201, PaymentOut)
    @_errors(*ERRORS)
    def post(self, data, payment_id):
        """退款：先退预收，再从最近冲抵的账单退回（账单重新变为未缴清；收费主管；记入审计）/ Give money back
        (credit first, then the latest bills, which reopen; the manager; audited)"""
        payment = routed(Payment, payment_id)
        identity = require_manager(payment.community_id)
        row = refunds.refund(payment.id, data["amount_fen"], data["reason"], identity.username)
        return payments_out([row])[0]


@blp.route("/payments/<int:payment_id>/reverse")
class Reverse(MethodView):
    @blp.arguments(ReverseIn)
    @blp.response(201, PaymentOut)
    @_errors(*ERRORS)
    def post(self, data, payment_id):
        """冲正：一笔录错的收款余下的全部（收费主管；记入审计）/ Reverse a payment recorded in error (all that is
        left of it; the manager; audited)"""
        payment = routed(Payment, payment_id)
        identity = require_manager(payment.community_id)
        row = refunds.reverse(payment.id, data["reason"], identity.username)
        return payments_out([row])[0]


@blp.route("/payments/<int:payment_id>/match")
class Match(MethodView):
    @blp.arguments(MatchIn)
    @blp.response(200, PaymentOut)
    @_errors(*ERRORS)
    def post(self, data, payment_id):
        """把未对应单元的线上缴费对应到收费单元（冲抵其账单，多出的为预收；记入审计）/ Match an online payment
        that named no unit to a unit (audited)"""
        payment = routed(Payment, payment_id)
        identity = require_cashier(payment.community_id)
        unit_in(payment.community_id, data["fee_unit_id"])
        moved = pay.match_payment(payment.id, data["fee_unit_id"], identity.username)
        return payments_out([moved])[0]


@blp.route("/units/<int:fee_unit_id>/account")
class Account(MethodView):
    @blp.response(200, AccountOut)
    @_errors(403, 404)
    def get(self, fee_unit_id):
        """对账单：账单、收款、预收与余额 / The unit's account: bills, payments, credit, balance"""
        unit = routed(FeeUnit, fee_unit_id)
        require_cashier(unit.community_id)
        return account_out(unit)


@blp.route("/units/<int:fee_unit_id>/apply-credit")
class ApplyCredit(MethodView):
    @blp.response(200, AppliedOut)
    @_errors(*ERRORS)
    def post(self, fee_unit_id):
        """用预收冲抵未缴账单（从最早到期的起）/ Set the unit's credit against its open bills, oldest due first"""
        unit = routed(FeeUnit, fee_unit_id)
        identity = require_cashier(unit.community_id)
        applied = pay.apply_credit(unit.id, identity.username)
        owed = db.session.scalar(select(func.coalesce(func.sum(Bill.amount_fen - Bill.discount_fen - Bill.paid_fen), 0))
                                 .where(Bill.fee_unit_id == unit.id, Bill.status == "open"))
        return {"applied_fen": applied, "credit_fen": pay.credit_fen(unit.id), "owed_fen": int(owed)}


@blp.route("/communities/<int:community_id>/arrears")
class Arrears(MethodView):
    @blp.arguments(ArrearsQuery, location="query")
    @blp.response(200, ArrearsPageOut)
    @_errors(*ERRORS)
    def get(self, args, community_id):
        """欠费：每个收费单元的未缴金额及账龄（默认欠得多的在前；合计见 /arrears/ageing）/ Arrears per unit with
        ageing (most owed first; the totals: /arrears/ageing)"""
        require_cashier(community_id)
        return arrears_mod.arrears_page(community_id, local_today(), args)


@blp.route("/communities/<int:community_id>/arrears/ageing")
class ArrearsAgeing(MethodView):
    @blp.arguments(AgeingQuery, location="query")
    @blp.response(200, AgeingOut)
    @_errors(*ERRORS)
    def get(self, args, community_id):
        """欠费按账龄段的合计（全社区或一个小区）/ The arrears' totals per ageing bucket (the community or a site)"""
        require_cashier(community_id)
        return arrears_mod.ageing_totals(community_id, local_today(), args.get("site_id"))
