"""Per-community settings of property fees; every field has a default."""

from __future__ import annotations

from marshmallow import fields, validate

from wuye_core.plugins import StrictSchema

from .vocab import BILLING_CYCLES


class Config(StrictSchema):
    """物业费 settings of one community."""

    billing_cycle = fields.String(
        load_default="monthly", validate=validate.OneOf(list(BILLING_CYCLES)),
        metadata={"description": "出账周期：monthly 按月、quarterly 按季、yearly 按年 / how often bills are made"},
    )
    auto_billing = fields.Boolean(
        load_default=True,
        metadata={"description": "每个周期第一天自动出账（每天的后台任务，重复出账不会多出账单）/ bills made by "
                                 "the daily job on a period's first day (making them twice makes none twice)"},
    )
    due_days = fields.Integer(
        load_default=30, validate=validate.Range(0, 366),
        metadata={"description": "账单在周期开始后多少天到期（逾期才计入欠费账龄）/ days after a period's start a "
                                 "bill falls due (arrears age from then)"},
    )
    payee_name = fields.String(
        load_default="", validate=validate.Length(0, 100),
        metadata={"description": "收款单位（收据抬头；空：租户名称）/ the payee printed on receipts (empty: the "
                                 "tenant's name)"},
    )
    receipt_prefix = fields.String(
        load_default="SF", validate=validate.Regexp(r"^[A-Za-z0-9\u4e00-\u9fff-]{1,10}$"),
        metadata={"description": "收据编号前缀，如 SF2026-000123 / the receipts' number prefix"},
    )
    reminders = fields.Boolean(
        load_default=True,
        metadata={"description": "向欠费住户发催缴提醒（居民页面；装有短信服务时发短信）/ remind households in "
                                 "arrears (their residents' page; a text where an SMS provider is installed)"},
    )
    reminder_after_days = fields.Integer(
        load_default=30, validate=validate.Range(1, 366),
        metadata={"description": "逾期多少天后才催缴 / days past due before a reminder"},
    )
    reminder_every_days = fields.Integer(
        load_default=30, validate=validate.Range(7, 366),
        metadata={"description": "同一户两次短信催缴至少间隔的天数 / the fewest days between two texts to a household"},
    )
    provider_payments = fields.Boolean(
        load_default=True,
        metadata={"description": "接受支付服务插件报告的线上缴费（按交易号去重）/ accept online payments reported "
                                 "by a payment-provider plugin (once per transaction id)"},
    )
    statement_publish_days = fields.Integer(
        load_default=30, validate=validate.Range(7, 366),
        metadata={"description": "季度收支公示的公示天数 / days a quarterly statement stays published"},
    )
