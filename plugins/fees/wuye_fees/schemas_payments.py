"""Request and response schemas of payments, refunds, arrears (routes_payments.py, the console)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wuye_core.plugins import Id, PageArgs, Sort, StrictSchema, Text

from . import vocab
from .arrears import BUCKETS, SORT_FIELDS
from .payments import MAX_FEN, STAFF_METHODS

AMOUNT = {"description": "金额（分，整数，大于 0）/ the amount in fen (an int > 0)"}


class PaymentIn(StrictSchema):
    fee_unit_id = Id(required=True, metadata={"description": "收费单元 / the fee unit paid for"})
    amount_fen = fields.Integer(required=True, strict=True, validate=validate.Range(1, MAX_FEN), metadata=AMOUNT)
    method = fields.String(required=True, validate=validate.OneOf(STAFF_METHODS), metadata={
        "description": "收款方式：cash 现金、transfer 转账、wechat 微信、alipay 支付宝、pos 刷卡 / how it was paid"})
    bill_ids = fields.List(Id(), load_default=None, validate=validate.Length(0, 120), metadata={
        "description": "要缴的账单（空：从最早到期的起）/ the bills paid (none: the oldest due first)"})
    payer_name = Text(50, load_default=None, metadata={"description": "缴款人（印在收据上）/ the payer on the receipt"})
    reference = Text(100, load_default=None, metadata={"description": "转账流水号、POS 凭条号 / a bank or POS reference"})
    paid_at = fields.AwareDateTime(load_default=None, default_timezone=None, metadata={
        "description": "收款时间（默认现在，不能晚于现在）/ when it was paid (default now; not in the future)"})
    note = Text(300, load_default=None)


class RefundIn(StrictSchema):
    amount_fen = fields.Integer(required=True, strict=True, validate=validate.Range(1, MAX_FEN), metadata={
        "description": "退还的金额（分），不超过该笔收款余下的 / fen given back, at most what is left of the payment"})
    reason = Text(300, min_length=1, required=True, metadata={"description": "原因 / why"})


class ReverseIn(StrictSchema):
    reason = Text(300, min_length=1, required=True, metadata={"description": "冲正原因（如：录错单元、重复录入）/ why it was wrong"})


class MatchIn(StrictSchema):
    fee_unit_id = Id(required=True, metadata={"description": "该笔线上缴费属于的收费单元 / the unit it is for"})


class AllocationOut(Schema):
    bill_id = fields.Integer()
    period_label = fields.String()
    amount_fen = fields.Integer(metadata={"description": "冲抵该账单的金额（分；退款、冲正为负）/ fen set against it"})
    by = fields.String(allow_none=True)


class PaymentOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    site_id = fields.Integer(metadata={"description": "0：未匹配单元的线上缴费 / 0: an unmatched online payment"})
    fee_unit_id = fields.Integer(allow_none=True)
    fee_unit_label = fields.String(allow_none=True)
    household_id = fields.Integer(allow_none=True)
    kind = fields.String(metadata={"description": "payment 收款 / refund 退款 / reversal 冲正"})
    kind_label = fields.String()
    amount_fen = fields.Integer(metadata={"description": "分；收款为正，退款、冲正为负 / fen: + received, − given back"})
    method = fields.String()
    method_label = fields.String()
    provider = fields.String(allow_none=True)
    provider_txn_id = fields.String(allow_none=True)
    reference = fields.String(allow_none=True)
    receipt_no = fields.String(allow_none=True)
    payer_name = fields.String(allow_none=True)
    paid_at = fields.DateTime(metadata={"description": "UTC"})
    reverses_id = fields.Integer(allow_none=True)
    matched_from_id = fields.Integer(allow_none=True, metadata={
        "description": "对应后的收款：原未对应单元的线上缴费 / a matched payment: the unmatched one it came from"})
    reason = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    recorded_by = fields.String()
    recorded_by_name = fields.String()
    allocations = fields.List(fields.Nested(AllocationOut))
    refunded_fen = fields.Integer(metadata={"description": "已退款（正数）/ refunded since"})
    reversed_fen = fields.Integer(metadata={"description": "已冲正（正数）/ reversed since"})
    remaining_fen = fields.Integer(metadata={"description": "扣除退款、冲正后余下的 / left after refunds"})
    matched = fields.Boolean(metadata={"description": "已对应到收费单元 / set against a unit"})


class PaymentsQuery(PageArgs):
    first = fields.Date(data_key="from", load_default=None, metadata={"description": "收款日期起（北京时间）/ from"})
    last = fields.Date(data_key="to", load_default=None, metadata={"description": "收款日期止（含）/ to (included)"})
    method = fields.String(load_default=None, validate=validate.OneOf(list(vocab.PAYMENT_METHODS)))
    by = fields.String(load_default=None, validate=validate.Length(1, 80), metadata={
        "description": "收款人（用户名；线上缴费为支付插件名）/ recorded by (a username, or the provider)"})
    kind = fields.String(load_default=None, validate=validate.OneOf(list(vocab.PAYMENT_KINDS)))
    fee_unit_id = Id(load_default=None)
    unmatched = fields.Boolean(load_default=False, metadata={
        "description": "只列未对应到单元的线上缴费 / only online payments not matched to a unit"})
    sort = Sort("id", "paid_at", "amount_fen")


class DailyQuery(StrictSchema):
    first = fields.Date(data_key="from", load_default=None, metadata={"description": "默认本月 1 日 / default: the 1st"})
    last = fields.Date(data_key="to", load_default=None, metadata={"description": "默认今天 / default: today"})


class DailyRowOut(Schema):
    day = fields.Date()
    total_fen = fields.Integer()
    count = fields.Integer()
    by_method = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_cashier = fields.Dict(keys=fields.String(), values=fields.Integer())


class CashierTotalOut(Schema):
    username = fields.String()
    name = fields.String()
    total_fen = fields.Integer()
    count = fields.Integer()


class DailyOut(Schema):
    first = fields.Date()
    last = fields.Date()
    total_fen = fields.Integer(metadata={"description": "净收款（收款 − 退款 − 冲正）/ net received"})
    received_fen = fields.Integer()
    given_back_fen = fields.Integer()
    days = fields.List(fields.Nested(DailyRowOut))
    methods = fields.Dict(keys=fields.String(), values=fields.Integer())
    cashiers = fields.List(fields.Nested(CashierTotalOut))


class ArrearsQuery(PageArgs):
    sort = Sort(*SORT_FIELDS, default="-owed_fen")  # most owed first
    site_id = Id(load_default=None)
    bucket = fields.String(load_default=None, validate=validate.OneOf(BUCKETS), metadata={
        "description": "只列该账龄段有欠费的单元 / only units owing in this ageing bucket"})
    min_owed_fen = fields.Integer(load_default=None, validate=validate.Range(1, MAX_FEN))
    q = fields.String(load_default=None, validate=validate.Length(1, 100), metadata={"description": "单元名称包含 / label"})


class ArrearsRowOut(Schema):
    fee_unit_id = fields.Integer()
    label = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    site_id = fields.Integer()
    payer_name = fields.String(allow_none=True)
    household_id = fields.Integer(allow_none=True)
    owed_fen = fields.Integer(metadata={"description": "未缴合计（含未到期）/ owed in all (not yet due included)"})
    overdue_fen = fields.Integer(metadata={"description": "已逾期 / past due"})
    credit_fen = fields.Integer(metadata={"description": "预收余额 / credit"})
    bills = fields.Integer()
    oldest_due_on = fields.Date()
    buckets = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "按账龄段的逾期金额 / overdue fen per ageing bucket"})


class AgeingOut(Schema):
    owed_fen = fields.Integer()
    overdue_fen = fields.Integer()
    units = fields.Integer(metadata={"description": "有逾期欠费的单元数 / units with overdue bills"})
    buckets = fields.Dict(keys=fields.String(), values=fields.Integer())


class ArrearsPageOut(Schema):
    items = fields.List(fields.Nested(ArrearsRowOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class AgeingQuery(StrictSchema):
    site_id = Id(load_default=None)


class AccountBillOut(Schema):
    bill_id = fields.Integer()
    period_label = fields.String()
    period_start = fields.Date()
    period_end = fields.Date()
    due_on = fields.Date()
    amount_fen = fields.Integer()
    discount_fen = fields.Integer()
    paid_fen = fields.Integer()
    owed_fen = fields.Integer()
    status = fields.String()
    status_label = fields.String()
    bucket = fields.String(allow_none=True)


class AccountEntryOut(Schema):
    payment_id = fields.Integer()
    kind = fields.String()
    kind_label = fields.String()
    amount_fen = fields.Integer()
    allocated_fen = fields.Integer()
    method = fields.String()
    method_label = fields.String()
    receipt_no = fields.String(allow_none=True)
    paid_at = fields.DateTime()
    reverses_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    recorded_by = fields.String()


class AccountOut(Schema):
    fee_unit_id = fields.Integer()
    label = fields.String()
    payment_code = fields.String(metadata={"description": "缴费编号（线上缴费时填写）/ the payment code"})
    bills = fields.List(fields.Nested(AccountBillOut))
    payments = fields.List(fields.Nested(AccountEntryOut))
    billed_fen = fields.Integer()
    discount_fen = fields.Integer()
    paid_fen = fields.Integer(metadata={"description": "净收款 / net paid"})
    owed_fen = fields.Integer()
    credit_fen = fields.Integer()
    balance_fen = fields.Integer(metadata={"description": "未缴 − 预收（负数：尚有预收）/ owed − credit"})


class AppliedOut(Schema):
    applied_fen = fields.Integer()
    credit_fen = fields.Integer()
    owed_fen = fields.Integer()
