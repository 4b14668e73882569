"""Request and response schemas of fee units, rates, billing runs, bills and discounts (unknown
fields refused). Class names start with Fees: the OpenAPI document is shared. Money: `*_fen`
integers (分), with `*_yuan` strings for display; prices and areas Decimal strings."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from marshmallow import Schema, fields, validate

from wuye_core.plugins import Id, PageArgs, Sort, StrictSchema, Text

from . import vocab
from .i18n import N_
from .periods import LABEL_PATTERN

MOBILE = validate.Regexp(r"^1[3-9][0-9]{9}$", error=N_("A mobile number has 11 digits and starts with 13–19."))


def positive_decimal(places: int, digits: int) -> str:
    """The document's pattern of a number more than 0 with at most `digits` before the point and
    `places` after it (what units.py and rates.py check): 0.45, 87.35, 120, .5 — not 0, 0.00, 1.234."""
    whole = f"0*[1-9][0-9]{{0,{digits - 1}}}(\\.[0-9]{{1,{places}}})?"
    fraction = "|".join("0" * zeros + f"[1-9][0-9]{{0,{places - zeros - 1}}}" for zeros in range(places))
    return f"^({whole}|0*\\.({fraction}))$"


class Amount(fields.Field):
    """A decimal number (an area in ㎡, a price in 元) as a string "0.45" — exact — or a JSON number
    (read by its shortest repr, never through binary arithmetic); loads a Decimal, dumps a string."""

    default_error_messages = {"invalid": N_("Not a valid number.")}

    def __init__(self, places: int = 2, digits: int = 5, **kwargs):
        self.places = places
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {"type": "string", "pattern": positive_decimal(places, digits), **kwargs["metadata"]}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.make_error("invalid")
        try:
            number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        except InvalidOperation:
            raise self.make_error("invalid") from None
        if not number.is_finite():
            raise self.make_error("invalid")
        return number

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return str(Decimal(value).quantize(Decimal(1).scaleb(-self.places)))


def _d(zh: str, en: str) -> dict:
    return {"description": f"{zh} / {en}"}


def _codes(vocabulary: dict) -> str:
    return ", ".join(vocabulary)


def _one_of(vocabulary: dict):
    return validate.OneOf(list(vocabulary), error=N_("Not one of the allowed codes."))


# --- fee units ------------------------------------------------------------------------------------


class FeesUnitIn(StrictSchema):
    kind = fields.String(required=True, validate=_one_of(vocab.UNIT_KINDS),
                         metadata=_d("类型", "kind: " + _codes(vocab.UNIT_KINDS)))
    site_id = Id(required=True, metadata=_d("小区（本社区的）", "the site (of this community)"))
    unit_id = Id(load_default=None, allow_none=True, metadata=_d(
        "台账中的房屋（住宅必填，同一小区）", "the register's unit (homes: required, on the same site)"))
    label = Text(100, load_default=None, allow_none=True, metadata=_d(
        "名称（住宅默认“楼栋+单元+房号”；同一小区同类唯一）", "label (homes: building + entrance + room by "
        "default; unique per site and kind)"))
    area_m2 = Amount(load_default=None, allow_none=True, metadata=_d(
        "计费面积 ㎡（住宅默认取台账面积）", "billed area in ㎡ (homes: the register's by default)"))
    payer_name = Text(50, load_default=None, allow_none=True, metadata=_d(
        "缴费人（商铺、车位出租给台账以外的人时）", "payer (shops, parking let to someone outside the register)"))
    payer_phone = Text(11, load_default=None, allow_none=True, validate=[MOBILE], metadata=_d(
        "缴费人手机号（加密保存）", "the payer's mobile (stored encrypted)"))
    billing_from = fields.Date(load_default=None, allow_none=True, metadata=_d(
        "计费起始日（默认本月 1 日）", "billed from (default: the 1st of this month)"))
    billing_until = fields.Date(load_default=None, allow_none=True, metadata=_d("计费截止日", "billed until"))
    note = Text(300, load_default=None, allow_none=True, metadata=_d("备注", "note"))


class FeesUnitPatch(StrictSchema):
    label = Text(100, metadata=_d("名称", "label"))
    area_m2 = Amount(allow_none=True, metadata=_d("计费面积 ㎡", "billed area ㎡"))
    payer_name = Text(50, allow_none=True)
    payer_phone = Text(11, allow_none=True, validate=[MOBILE])
    billing_from = fields.Date()
    billing_until = fields.Date(allow_none=True)
    active = fields.Boolean(metadata=_d("false：停止出账（已有账单保留）", "false: no more bills (bills stay)"))
    note = Text(300, allow_none=True)


class FeesUnitQuery(PageArgs):
    site_id = Id()
    kind = fields.String(validate=_one_of(vocab.UNIT_KINDS))
    active = fields.Boolean()
    no_area = fields.Boolean(metadata=_d("只看没有面积的", "only those without an area"))
    q = Text(50, metadata=_d("按名称查找", "search the label"))
    sort = Sort("id", "label", "site_id", "area_m2")


class FeesUnitOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    site_id = fields.Integer()
    site_name = fields.String(allow_none=True)
    kind = fields.String()
    kind_label = fields.String()
    unit_id = fields.Integer(allow_none=True)
    label = fields.String()
    area_m2 = Amount(allow_none=True)
    payer_name = fields.String(allow_none=True, metadata=_d("收费员、收费主管可见", "cashiers and managers"))
    payer_phone = fields.String(allow_none=True, metadata=_d("收费员、收费主管可见", "cashiers and managers"))
    payer_phone_masked = fields.String(allow_none=True)
    billing_from = fields.Date()
    billing_until = fields.Date(allow_none=True)
    active = fields.Boolean()
    note = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()


class FeesSyncIn(StrictSchema):
    site_id = Id(load_default=None, allow_none=True, metadata=_d("只同步这个小区", "only this site"))
    billing_from = fields.Date(load_default=None, allow_none=True, metadata=_d(
        "新收费单元的计费起始日（默认本月 1 日）", "the new units' first billed day (default: the 1st of this month)"))


class FeesSyncOut(Schema):
    made = fields.Integer(metadata=_d("新建的收费单元", "fee units made"))
    without_area = fields.Integer(metadata=_d("其中没有面积的", "of which without an area"))
    label_taken = fields.Integer(metadata=_d("名称已被占用而未建的", "left out: label taken"))


# --- rates ----------------------------------------------------------------------------------------


class FeesRateIn(StrictSchema):
    site_id = Id(required=True, metadata=_d("小区", "the site"))
    unit_kind = fields.String(required=True, validate=_one_of(vocab.UNIT_KINDS),
                              metadata=_d("单元类型", "kind: " + _codes(vocab.UNIT_KINDS)))
    name = Text(100, load_default=None, allow_none=True, metadata=_d("名称，如 住宅物业服务费", "name"))
    basis = fields.String(required=True, validate=_one_of(vocab.RATE_BASES),
                          metadata=_d("计费方式", "basis: " + _codes(vocab.RATE_BASES)))
    price = Amount(4, digits=6, required=True, metadata=_d(
        "单价（元/㎡/月，或固定时 元/月；最多四位小数）", "price (yuan per ㎡ per month, or per month when fixed; "
        "at most 4 decimals)"))
    valid_from = fields.Date(required=True, metadata=_d("起始日", "first day"))
    valid_until = fields.Date(load_default=None, allow_none=True, metadata=_d("截止日（含；空：长期）",
                                                                             "last day (included; null: open)"))
    note = Text(300, load_default=None, allow_none=True)


class FeesRatePatch(StrictSchema):
    unit_kind = fields.String(validate=_one_of(vocab.UNIT_KINDS))
    name = Text(100)
    basis = fields.String(validate=_one_of(vocab.RATE_BASES))
    price = Amount(4, digits=6)
    valid_from = fields.Date()
    valid_until = fields.Date(allow_none=True)
    note = Text(300, allow_none=True)


class FeesRateEndIn(StrictSchema):
    valid_until = fields.Date(required=True, metadata=_d("最后一天（含）", "the last day (included)"))


class FeesRateQuery(PageArgs):
    site_id = Id()
    unit_kind = fields.String(validate=_one_of(vocab.UNIT_KINDS))
    on = fields.Date(metadata=_d("这一天有效的", "in force on this day"))
    sort = Sort("id", "valid_from", "site_id")


class FeesRateOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    site_id = fields.Integer()
    site_name = fields.String(allow_none=True)
    unit_kind = fields.String()
    unit_kind_label = fields.String()
    name = fields.String()
    basis = fields.String()
    basis_label = fields.String()
    price = Amount(4, digits=6)
    valid_from = fields.Date()
    valid_until = fields.Date(allow_none=True)
    note = fields.String(allow_none=True)
    used = fields.Boolean(metadata=_d("已用于出账（单价不能再改）", "bills were made with it (its price is fixed)"))
    created_by = fields.String()
    created_at = fields.DateTime()


# --- billing runs and bills -----------------------------------------------------------------------


class FeesRunIn(StrictSchema):
    period = Text(7, required=True, metadata={"pattern": LABEL_PATTERN} | _d(
        "账期：2026-11（按月）、2026Q4（按季）、2026（按年），须与本社区出账周期一致，最多提前一期",
        "period: 2026-11, 2026Q4 or 2026, in the community's cycle, at most one ahead"))


class FeesRunOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    cycle = fields.String()
    period_start = fields.Date()
    period_end = fields.Date()
    period_label = fields.String()
    bills_made = fields.Integer()
    already_billed = fields.Integer()
    skipped = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata=_d(
        "跳过的单元：no_rate 无收费标准、no_area 无面积", "units skipped by reason: no_rate, no_area"))
    amount_fen = fields.Integer()
    amount_yuan = fields.String()
    started_by = fields.String()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


class FeesRunQuery(PageArgs):
    sort = Sort("id", "period_start")


class FeesBillQuery(PageArgs):
    period = Text(7, metadata={"pattern": LABEL_PATTERN} | _d("账期，如 2026-11", "period, e.g. 2026-11"))
    status = fields.String(validate=_one_of(vocab.BILL_STATUSES))
    site_id = Id()
    kind = fields.String(validate=_one_of(vocab.UNIT_KINDS))
    household_id = Id()
    fee_unit_id = Id()
    overdue = fields.Boolean(metadata=_d("只看逾期未缴的", "only overdue unpaid bills"))
    sort = Sort("id", "due_on", "period_start", "amount_fen")


class FeesAllocationOut(Schema):
    id = fields.Integer()
    payment_id = fields.Integer()
    amount_fen = fields.Integer()
    amount_yuan = fields.String()
    by = fields.String(allow_none=True)
    at = fields.DateTime()


class FeesDiscountOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    bill_id = fields.Integer()
    kind = fields.String()
    kind_label = fields.String()
    amount_fen = fields.Integer()
    amount_yuan = fields.String()
    reason = fields.String()
    reason_label = fields.String()
    explanation = fields.String(allow_none=True)
    status = fields.String()
    status_label = fields.String()
    requested_by = fields.String()
    requested_by_name = fields.String(allow_none=True)
    requested_at = fields.DateTime()
    decided_by = fields.String(allow_none=True)
    decided_by_name = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String(allow_none=True)
    revoked_by = fields.String(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    revoke_reason = fields.String(allow_none=True)


class FeesBillOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    site_id = fields.Integer()
    site_name = fields.String(allow_none=True)
    fee_unit_id = fields.Integer()
    fee_unit_label = fields.String(allow_none=True)
    fee_unit_kind = fields.String(allow_none=True)
    household_id = fields.Integer(allow_none=True)
    rate_id = fields.Integer(allow_none=True)
    run_id = fields.Integer(allow_none=True)
    source = fields.String()
    period_start = fields.Date()
    period_end = fields.Date()
    period_label = fields.String()
    months = fields.Integer()
    area_m2 = Amount(allow_none=True)
    price = Amount(4, digits=6, allow_none=True)
    amount_fen = fields.Integer(metadata=_d("应收（分）", "billed, fen"))
    discount_fen = fields.Integer(metadata=_d("已批准的减免（分）", "approved discounts, fen"))
    paid_fen = fields.Integer(metadata=_d("已缴（分）", "paid, fen"))
    owed_fen = fields.Integer(metadata=_d("尚欠（分）", "still owed, fen"))
    amount_yuan = fields.String()
    owed_yuan = fields.String()
    status = fields.String()
    status_label = fields.String()
    overdue = fields.Boolean()
    due_on = fields.Date()
    settled_on = fields.Date(allow_none=True)
    cancelled_by = fields.String(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()


class FeesBillDetailOut(FeesBillOut):
    discounts = fields.List(fields.Nested(FeesDiscountOut))
    allocations = fields.List(fields.Nested(FeesAllocationOut))


class FeesManualBillIn(StrictSchema):
    fee_unit_id = Id(required=True, metadata=_d("收费单元", "the fee unit"))
    period = Text(7, required=True, metadata={"pattern": LABEL_PATTERN} | _d("账期，如 2026-11、2026Q4、2026", "period, e.g. 2026-11"))
    amount_fen = fields.Integer(required=True, validate=validate.Range(min=1), metadata=_d(
        "金额（分）", "amount in fen"))
    due_on = fields.Date(load_default=None, allow_none=True)
    note = Text(300, required=True, min_length=1, metadata=_d("说明", "what it is for"))


class FeesCancelIn(StrictSchema):
    reason = Text(300, required=True, min_length=1, metadata=_d("作废原因", "why"))


# --- discounts ------------------------------------------------------------------------------------


class FeesDiscountIn(StrictSchema):
    kind = fields.String(required=True, validate=_one_of(vocab.DISCOUNT_KINDS),
                         metadata=_d("discount 减收部分 / waiver 全额减免", "kind"))
    amount_fen = fields.Integer(load_default=None, allow_none=True, metadata=_d(
        "减收金额（分；不超过尚欠；全额减免不填）", "fen (at most what is owed; none for a waiver)"))
    reason = fields.String(required=True, validate=_one_of(vocab.DISCOUNT_REASONS),
                           metadata=_d("原因", "reason: " + _codes(vocab.DISCOUNT_REASONS)))
    explanation = Text(500, required=True, min_length=1, metadata=_d(
        "情况说明（如低保证号）", "explanation (e.g. the certificate's number)"))


class FeesDecisionIn(StrictSchema):
    note = Text(300, load_default=None, allow_none=True)


class FeesRevokeIn(StrictSchema):
    reason = Text(300, required=True, min_length=1)


class FeesDiscountQuery(PageArgs):
    status = fields.String(validate=_one_of(vocab.DISCOUNT_STATUSES))
    sort = Sort("id")
