"""The plugin's vocabularies: codes are stored, labels (English msgids, Chinese in the catalog)
are shown in the reader's language. Order = the order of the forms' choices."""

from __future__ import annotations

from .i18n import N_

# 收费单元的类型 (a rate applies to one kind on one site)
UNIT_KINDS = {
    "residential": N_("Residence"),  # 住宅
    "shop": N_("Shop front"),  # 商铺 / 门面
    "parking": N_("Parking space"),  # 车位
    "other": N_("Other premises"),  # 其他（仓库、办公用房…）
}

# 计费方式
RATE_BASES = {
    "per_m2": N_("Per ㎡ per month"),  # 元/㎡/月 × 建筑面积
    "fixed": N_("Fixed per month"),  # 元/月 (a parking space, a small shop)
}

BILLING_CYCLES = {"monthly": N_("Monthly"), "quarterly": N_("Quarterly"), "yearly": N_("Yearly")}

# 账单状态; "partly paid" is an open bill with something paid (shown, not stored)
BILL_STATUSES = {
    "open": N_("Unpaid"),  # 未缴清
    "paid": N_("Paid"),  # 已缴清
    "waived": N_("Waived"),  # 已减免 (a waiver covered all that was due)
    "cancelled": N_("Cancelled"),  # 作废 (billed in error; kept, not counted)
}
BILL_SOURCES = {
    "generated": N_("Generated"),  # 按收费标准出账
    "imported": N_("Imported"),  # 从原台账导入（历史欠费）
    "manual": N_("Entered by staff"),
}

# 减免
DISCOUNT_KINDS = {"discount": N_("Discount"), "waiver": N_("Waiver")}  # 减收部分 / 全额减免
DISCOUNT_REASONS = {
    "hardship": N_("Household in hardship"),  # 困难家庭
    "subsistence": N_("Subsistence allowance"),  # 低保户
    "elderly": N_("Elderly living alone"),  # 独居老人 / 高龄
    "vacancy": N_("Vacant home"),  # 空置房
    "service_failure": N_("Service not delivered"),  # 服务未到位
    "policy": N_("Policy"),  # 政策性减免 (e.g. the street's resettlement compounds)
    "other": N_("Other"),
}
DISCOUNT_STATUSES = {
    "requested": N_("Awaiting approval"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "revoked": N_("Revoked"),
}

# 收款
PAYMENT_METHODS = {
    "cash": N_("Cash"),  # 现金
    "transfer": N_("Bank transfer"),  # 银行转账
    "wechat": N_("WeChat Pay"),  # 微信（收款码）
    "alipay": N_("Alipay"),  # 支付宝
    "pos": N_("Card terminal"),  # POS 刷卡
    "provider": N_("Online payment"),  # reported by a payment-provider plugin
}
# the journal's kinds: a payment (+), a refund of money given back (−), a reversal of a payment
# recorded in error (−, "冲正"); nothing in it is changed or deleted
PAYMENT_KINDS = {"payment": N_("Payment"), "refund": N_("Refund"), "reversal": N_("Reversal")}

REMINDER_CHANNELS = {
    "sms": N_("Text message"),  # 短信（经短信服务插件）
    "resident_page": N_("Residents' page"),  # 居民页面上的提醒
    "visit": N_("Home visit"),  # 上门
    "phone": N_("Phone call"),  # 电话
    "notice": N_("Written notice"),  # 书面催缴通知
}

# 欠费账龄 (days past the due date): (code, first day, last day or None)
AGEING_BUCKETS = (
    ("d0_30", 1, 30),
    ("d31_90", 31, 90),
    ("d91_180", 91, 180),
    ("d181_365", 181, 365),
    ("d365_plus", 366, None),
)
AGEING_LABELS = {
    "d0_30": N_("1–30 days"),
    "d31_90": N_("31–90 days"),
    "d91_180": N_("91–180 days"),
    "d181_365": N_("181–365 days"),
    "d365_plus": N_("Over a year"),
}

# 其他收入与补贴 (the gap between fee income and cost is covered by these, the seeds say)
INCOME_CATEGORIES = {
    "shop_rent": N_("Shop-front rent"),  # 门面租金
    "parking_rent": N_("Parking rentals"),  # 车位租赁
    "subsidy": N_("Government subsidy"),  # 财政补贴
    "public_income": N_("Income from common parts"),  # 公共收益（广告位、场地）
    "other_income": N_("Other income"),
}
# 支出
SPENDING_CATEGORIES = {
    "staff": N_("Staff wages"),  # 人员工资
    "cleaning": N_("Cleaning"),  # 保洁
    "greening": N_("Greening"),  # 绿化养护
    "security": N_("Security"),  # 秩序维护
    "repairs": N_("Repairs and maintenance"),  # 维修养护
    "utilities": N_("Common utilities"),  # 公共水电
    "waste": N_("Waste removal"),  # 垃圾清运
    "office": N_("Office and administration"),  # 办公及管理费用
    "other_spending": N_("Other spending"),
}
ENTRY_DIRECTIONS = {"income": N_("Income"), "spending": N_("Spending")}

STATEMENT_STATUSES = {"draft": N_("Draft"), "published": N_("Published"), "withdrawn": N_("Withdrawn")}


def label(vocabulary: dict, code: str | None) -> str:
    """A code's label in the reader's language ("" for none; the code itself when unknown)."""
    if code is None:
        return ""
    message = vocabulary.get(code)
    return message.translate() if message is not None else code


def category_label(code: str) -> str:
    return label(INCOME_CATEGORIES, code) if code in INCOME_CATEGORIES else label(SPENDING_CATEGORIES, code)
