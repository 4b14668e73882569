"""A resident's rights over what the fees plugin holds about them (core hooks
`wuye_resident_personal_data` and `wuye_resident_erase`, API 1.10; docs/plugins.md §3, §5
"居民的个人信息权利").

What is theirs:
- the bills and payments of their households (the households of the register rows with their
  phone: `Bill.household_id`, `Payment.household_id`), and the discounts and waivers of those bills
  (the reason and explanation a household gave, e.g. a 低保 certificate);
- the fee units they pay for as a payer from outside the register (a shop front, a parking
  space let to them): `FeeUnit.payer_phone` is their phone — with those units' bills and the
  payments made in their name.

The copy gives all of it (their own data in full). The erasure anonymises the units they pay for
(payer name and phone cleared) and keeps the money records: bills, payments (with the payer's name
as written on the receipt), allocations, discounts are accounting records (会计凭证、会计账簿) that
会计档案管理办法 (财政部、国家档案局令第79号, art. 14) requires to be kept for 30 years; PIPL art. 47
(个人信息保护法第四十七条) lets a handler keep what a law requires to be kept, processing it no further
than storing and protecting it. The journal is append-only besides (models.py): nothing in it is
rewritten. All in the approval's transaction (the core's savepoint): a failure erases nothing.

A payer's phone is encrypted with a random nonce (EncryptedString), so the units are compared with
the phone in Python: there are a few dozen let units in a community, not thousands.
"""

from __future__ import annotations

import re

from sqlalchemy import or_, select

from wuye_core.plugins import PersonalDataSection, Resident, db

from . import vocab
from .models import Bill, Discount, FeeUnit, Payment
from .money import yuan

RETENTION_NOTE_ZH = ("账单、缴费记录和收据属于会计档案，依《会计档案管理办法》须保存 30 年；依《个人信息保护法》"
                     "第四十七条，删除申请获批后这些记录仍予保存，仅作存储和必要的安全保护，不再作其他处理。")
RETENTION_NOTE_EN = ("Bills, payments and receipts are accounting records that the Accounting Archives Measures "
                     "require to be kept for 30 years; under PIPL art. 47 they are kept after an approved deletion, "
                     "only stored and protected, not otherwise processed.")


def _digits(phone: str | None) -> str:
    return re.sub(r"\D", "", phone or "")


def _households(resident_ids) -> list[int]:
    ids = list(resident_ids or [])
    if not ids:
        return []
    return list(db.session.scalars(select(Resident.household_id).where(Resident.id.in_(ids)).distinct()))


def _payer_units(phone: str | None) -> list[FeeUnit]:
    """The units whose payer is this phone (decrypted and compared here: the ciphertext differs)."""
    digits = _digits(phone)
    if not digits:
        return []
    units = db.session.scalars(select(FeeUnit).where(FeeUnit.payer_phone.is_not(None)).order_by(FeeUnit.id))
    return [u for u in units if _digits(u.payer_phone) == digits]


def personal_data(resident_ids, phone: str | None = None) -> list[PersonalDataSection]:
    households = _households(resident_ids)
    units = _payer_units(phone)
    if not households and not units:
        return []
    unit_ids = [u.id for u in units]
    payer_names = {u.id: u.payer_name for u in units}
    clauses = []
    if households:
        clauses.append(Bill.household_id.in_(households))
    if unit_ids:
        clauses.append(Bill.fee_unit_id.in_(unit_ids))
    bills = db.session.scalars(select(Bill).where(or_(*clauses)).order_by(Bill.period_start, Bill.id)).all()
    pay_clauses = []
    if households:
        pay_clauses.append(Payment.household_id.in_(households))
    if unit_ids:
        pay_clauses.append(Payment.fee_unit_id.in_(unit_ids))
    payments = [p for p in db.session.scalars(select(Payment).where(or_(*pay_clauses))
                                              .order_by(Payment.paid_at, Payment.id))
                # on a let unit: the payments in their name only (an earlier payer's are not theirs)
                if p.household_id in households or p.payer_name == payer_names.get(p.fee_unit_id)]
    labels = dict(db.session.execute(select(FeeUnit.id, FeeUnit.label).where(FeeUnit.id.in_(
        {b.fee_unit_id for b in bills} | {p.fee_unit_id for p in payments if p.fee_unit_id} | set(unit_ids)))).all())
    discounts = db.session.scalars(select(Discount).where(Discount.bill_id.in_([b.id for b in bills]))
                                   .order_by(Discount.id)).all() if bills else []
    bill_of = {b.id: b for b in bills}

    sections = []
    if units:
        sections.append(PersonalDataSection("fees.payer_units", "您作为缴费人的商铺、车位", "Premises you pay for", [{
            "unit": u.label, "kind": vocab.label(vocab.UNIT_KINDS, u.kind), "payer_name": u.payer_name,
            "payer_phone": u.payer_phone, "billing_from": u.billing_from, "billing_until": u.billing_until,
        } for u in units], {
            "unit": ("收费单元", "Premises"), "kind": ("类型", "Kind"), "payer_name": ("缴费人", "Payer"),
            "payer_phone": ("联系电话", "Phone"), "billing_from": ("计费起始日", "Billed from"),
            "billing_until": ("计费截止日", "Billed until")}))
    if bills:
        sections.append(PersonalDataSection("fees.bills", "物业费账单", "Property fee bills", [{
            "period": b.period_label, "unit": labels.get(b.fee_unit_id), "amount": yuan(b.amount_fen),
            "discount": yuan(b.discount_fen), "paid": yuan(b.paid_fen), "owed": yuan(b.owed_fen),
            "status": vocab.label(vocab.BILL_STATUSES, b.status), "due_on": b.due_on, "settled_on": b.settled_on,
        } for b in bills], {
            "period": ("账期", "Period"), "unit": ("收费单元", "Premises"), "amount": ("应收（元）", "Amount (yuan)"),
            "discount": ("减免（元）", "Discount (yuan)"), "paid": ("已缴（元）", "Paid (yuan)"),
            "owed": ("欠费（元）", "Owed (yuan)"), "status": ("状态", "Status"), "due_on": ("到期日", "Due on"),
            "settled_on": ("缴清日期", "Settled on")}))
    if discounts:
        sections.append(PersonalDataSection("fees.discounts", "物业费减免", "Discounts and waivers", [{
            "period": bill_of[d.bill_id].period_label, "kind": vocab.label(vocab.DISCOUNT_KINDS, d.kind),
            "amount": yuan(d.amount_fen), "reason": vocab.label(vocab.DISCOUNT_REASONS, d.reason),
            "explanation": d.explanation, "status": vocab.label(vocab.DISCOUNT_STATUSES, d.status),
        } for d in discounts], {
            "period": ("账期", "Period"), "kind": ("类型", "Kind"), "amount": ("金额（元）", "Amount (yuan)"),
            "reason": ("原因", "Reason"), "explanation": ("情况说明", "Explanation"), "status": ("状态", "Status")}))
    if payments:
        sections.append(PersonalDataSection(
            "fees.payments", "缴费与退款记录（会计档案，依法保存）", "Payments and refunds (accounting records, kept by law)", [{
                "paid_at": p.paid_at, "kind": vocab.label(vocab.PAYMENT_KINDS, p.kind), "amount": yuan(p.amount_fen),
                "method": vocab.label(vocab.PAYMENT_METHODS, p.method), "receipt_no": p.receipt_no,
                "payer_name": p.payer_name, "unit": labels.get(p.fee_unit_id), "reason": p.reason,
            } for p in payments], {
                "paid_at": ("时间", "Paid at"), "kind": ("类型", "Kind"), "amount": ("金额（元）", "Amount (yuan)"),
                "method": ("方式", "Method"), "receipt_no": ("收据编号", "Receipt number"),
                "payer_name": ("缴款人", "Payer"), "unit": ("收费单元", "Premises"), "reason": ("退款原因", "Reason")}))
    if bills or payments:
        sections.append(PersonalDataSection("fees.retention", "物业费记录的保存", "How long fee records are kept", [
            {"zh": RETENTION_NOTE_ZH, "en": RETENTION_NOTE_EN}], {"zh": ("说明", "Note (Chinese)"),
                                                                 "en": ("说明（英文）", "Note")}))
    return sections


def erase(resident_ids, phone: str | None = None) -> dict | None:
    """The units they pay for lose their payer's name and phone; the money records stay (the module)."""
    units = _payer_units(phone)
    for unit in units:
        unit.payer_name = None
        unit.payer_phone = None
    db.session.flush()
    return {"payers": len(units)} if units else None  # nothing of theirs to erase: no line in the outcome
