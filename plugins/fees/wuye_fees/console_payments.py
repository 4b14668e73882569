"""The console pages of the payments area (see console.py): the cashier's desk, the journal with
the daily summary and the unmatched online payments, a payment's page (its receipt, print and
downloads; refund, reversal — the manager; matching), a unit's account, the arrears.

- `/communities/<id>/cashier`            find a unit (label, room, payer, payment code), its owed
                                          bills, the 收款 form (POST: record → the receipt page)
- `/communities/<id>/payments`           the journal (day range, method, who), 收费日报, unmatched
- `/payments/<id>`                       the receipt page; refund / reverse / match forms
- `/payments/<id>/receipt.pdf|.docx`     downloads (audited as the API's)
- `/units/<id>/account`                  对账单, the "apply credit" button
- `/communities/<id>/arrears`            ageing totals and the units in arrears
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from sqlalchemy import or_, select

from wuye_core.plugins import GENERAL, attempt, db, render_page, staff_names

from . import payments as pay
from . import refunds, vocab
from .access import is_manager, require_cashier, require_manager, routed
from .arrears import BUCKETS
from .console import choices, community, pages, query, sites
from .i18n import _
from .models import Bill, FeeUnit, Payment
from .money import parse_yuan, yuan
from .payment_codes import payment_code, unit_of
from .receipts import receipt_data
from .routes_payments import account_out, arrears_out, daily, journal_page, payments_out, receipt_download
from .schemas_payments import ArrearsQuery, DailyQuery, PaymentsQuery


def search_units(community_id: int, q: str, limit: int = 20) -> list[FeeUnit]:
    """Units by payment code, label (building and room), or payer's name."""
    q = (q or "").strip()
    if not q:
        return []
    code_unit = unit_of(q)
    if code_unit is not None:
        found = db.session.get(FeeUnit, code_unit)
        if found is not None and found.community_id == community_id:
            return [found]
    return list(db.session.scalars(
        select(FeeUnit).where(FeeUnit.community_id == community_id,
                              or_(FeeUnit.label.contains(q, autoescape=True),
                                  FeeUnit.payer_name.contains(q, autoescape=True)))
        .order_by(FeeUnit.label, FeeUnit.id).limit(limit)))


def _desk(community_id: int, errors=None, values=None, status=200):
    identity = require_cashier(community_id)
    q = request.values.get("q", "")
    fee_unit_id = request.values.get("fee_unit_id", type=int)
    found = search_units(community_id, q) if q and not fee_unit_id else []
    if len(found) == 1 and not fee_unit_id:
        fee_unit_id = found[0].id
    chosen = db.session.get(FeeUnit, fee_unit_id) if fee_unit_id else None
    if chosen is not None and chosen.community_id != community_id:
        chosen = None
    bills, credit, owed = [], 0, 0
    if chosen is not None:
        bills = list(db.session.scalars(select(Bill).where(Bill.fee_unit_id == chosen.id, Bill.status == "open")
                                        .order_by(Bill.due_on, Bill.period_start, Bill.id)))
        owed = sum(b.owed_fen for b in bills)
        credit = pay.credit_fen(chosen.id)
    return render_page("fees/cashier_desk.html", community=community(community_id), tab="cashier", q=q,
                       found=found, unit=chosen, bills=bills, owed=owed, credit=credit,
                       code=payment_code(chosen.id) if chosen else "",
                       methods=[(c, vocab.label(vocab.PAYMENT_METHODS, c)) for c in pay.STAFF_METHODS],
                       errors=errors or {}, values=values or {}, identity=identity), status


@pages.route("/communities/<int:community_id>/cashier", methods=["GET", "POST"])
def cashier_desk(community_id):
    if request.method == "GET":
        return _desk(community_id)
    identity = require_cashier(community_id)
    form = request.form
    errors: dict = {}
    try:
        amount = parse_yuan(form.get("amount"))
    except ValueError:
        amount = None
    if not amount or amount <= 0:
        errors["amount"] = [_("Type the amount in yuan, more than 0.")]
    fee_unit_id = form.get("fee_unit_id", type=int)
    if not fee_unit_id:
        errors[GENERAL] = [_("Choose a unit first.")]
    if errors:
        return _desk(community_id, errors, form, 422)
    bill_ids = [int(b) for b in form.getlist("bill_ids") if b.isdigit()] or None
    payment, errors, status = attempt(lambda: pay.record_payment(
        fee_unit_id, amount, form.get("method", ""), bill_ids=bill_ids, payer_name=form.get("payer_name") or None,
        reference=form.get("reference") or None, by=identity.username))
    if errors:
        mapped = {("amount" if k == "amount_fen" else k): v for k, v in errors.items()}
        return _desk(community_id, mapped, form, status)
    flash(_("Payment recorded: receipt %(no)s.", no=payment.receipt_no), "success")
    return redirect(url_for(".payment_page", payment_id=payment.id), code=303)


@pages.route("/communities/<int:community_id>/payments")
def payments_journal(community_id):
    require_cashier(community_id)
    args, problems = query(PaymentsQuery())
    day_args, _p = query(DailyQuery())
    page = journal_page(community_id, args)
    unmatched = payments_out(db.session.scalars(pay.unmatched_statement(community_id).order_by(Payment.id.desc())
                                                .limit(50)))
    return render_page("fees/payments_journal.html", community=community(community_id), tab="payments", page=page,
                       args=args, problems=problems, report=daily(community_id, day_args), unmatched=unmatched,
                       methods=choices(vocab.PAYMENT_METHODS), method_labels=dict(choices(vocab.PAYMENT_METHODS)),
                       names=staff_names(sorted({p["recorded_by"] for p in page["items"]})))


def _payment_page(payment: Payment, errors=None, form=None, status=200):
    identity = require_cashier(payment.community_id)
    [out] = payments_out([payment])
    receipt = receipt_data(payment) if payment.kind == "payment" else None
    return render_page("fees/payments_one.html", community=community(payment.community_id), tab="payments",
                       p=out, receipt=receipt, manager=is_manager(identity, payment.community_id),
                       errors=errors or {}, form=form, values=request.form if errors else {}), status


@pages.route("/payments/<int:payment_id>")
def payment_page(payment_id):
    return _payment_page(routed(Payment, payment_id))


@pages.route("/payments/<int:payment_id>/receipt.pdf")
def payment_receipt_pdf(payment_id):
    payment = routed(Payment, payment_id)
    require_cashier(payment.community_id)
    return receipt_download(payment, "pdf")


@pages.route("/payments/<int:payment_id>/receipt.docx")
def payment_receipt_docx(payment_id):
    payment = routed(Payment, payment_id)
    require_cashier(payment.community_id)
    return receipt_download(payment, "docx")


@pages.route("/payments/<int:payment_id>/refund", methods=["POST"])
def payment_refund(payment_id):
    payment = routed(Payment, payment_id)
    identity = require_manager(payment.community_id)
    kind = request.form.get("kind")
    reason = request.form.get("reason", "")
    if kind == "reversal":
        _row, errors, status = attempt(lambda: refunds.reverse(payment.id, reason, identity.username))
    else:
        try:
            amount = parse_yuan(request.form.get("amount"))
        except ValueError:
            amount = None
        if not amount or amount <= 0:
            return _payment_page(payment, {"amount": [_("Type the amount in yuan, more than 0.")]}, "refund", 422)
        _row, errors, status = attempt(lambda: refunds.refund(payment.id, amount, reason, identity.username))
    if errors:
        mapped = {("amount" if k == "amount_fen" else k): v for k, v in errors.items()}
        return _payment_page(routed(Payment, payment_id), mapped, kind or "refund", status)
    flash(_("Reversed.") if kind == "reversal" else _("Refunded."), "success")
    return redirect(url_for(".payment_page", payment_id=payment_id), code=303)


@pages.route("/payments/<int:payment_id>/match", methods=["POST"])
def payment_match(payment_id):
    payment = routed(Payment, payment_id)
    identity = require_cashier(payment.community_id)
    target = search_units(payment.community_id, request.form.get("unit", ""), limit=2)
    if len(target) != 1:
        return _payment_page(payment, {"unit": [_("Type a payment code or a label that finds one unit.")]}, "match",
                             422)
    moved, errors, status = attempt(lambda: pay.match_payment(payment.id, target[0].id, identity.username))
    if errors:
        return _payment_page(routed(Payment, payment_id), {"unit": [m for v in errors.values() for m in v]}, "match",
                             status)
    flash(_("Matched to %(unit)s.", unit=target[0].label), "success")
    return redirect(url_for(".payment_page", payment_id=moved.id), code=303)


@pages.route("/units/<int:fee_unit_id>/account")
def unit_account(fee_unit_id):
    unit = routed(FeeUnit, fee_unit_id)
    require_cashier(unit.community_id)
    return render_page("fees/payments_account.html", community=community(unit.community_id), tab="payments",
                       unit=unit, account=account_out(unit), bucket_labels=dict(choices(vocab.AGEING_LABELS)))


@pages.route("/units/<int:fee_unit_id>/apply-credit", methods=["POST"])
def unit_apply_credit(fee_unit_id):
    unit = routed(FeeUnit, fee_unit_id)
    identity = require_cashier(unit.community_id)
    applied, errors, _status = attempt(lambda: pay.apply_credit(unit.id, identity.username))
    if not errors:
        flash(_("Credit set against bills: %(amount)s yuan.", amount=yuan(applied or 0)), "success")
    return redirect(url_for(".unit_account", fee_unit_id=fee_unit_id), code=303)


@pages.route("/communities/<int:community_id>/arrears")
def arrears_list(community_id):
    require_cashier(community_id)
    args, problems = query(ArrearsQuery())
    return render_page("fees/arrears_list.html", community=community(community_id), tab="arrears",
                       page=arrears_out(community_id, args), args=args, problems=problems, buckets=BUCKETS,
                       bucket_labels=dict(choices(vocab.AGEING_LABELS)),
                       sites=[(s.id, s.name) for s in sites(community_id)])

