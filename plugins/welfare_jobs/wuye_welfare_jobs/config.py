"""Per-community settings of 失地农民公益岗位; every field has a default.

The defaults follow the national policy (人社部发〔2019〕124号: placements of up to 3 years, the
post subsidy at the local minimum wage, the employer's share of social insurance subsidised) and
common provincial rules (a vacancy reported within 5 days). The money figures are the city's:
set them to your 人社 office's (Wuhan's first-tier minimum wage 2,210 元 is the default).
"""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from wuye_core.plugins import StrictSchema

from .i18n import N_
from .vocab import INSURANCE_KINDS, LEAVE_KINDS


class Config(StrictSchema):
    """失地农民公益岗位 settings of one community."""

    max_placement_months = fields.Integer(
        load_default=36, validate=validate.Range(1, 120),
        metadata={"description": "安置期限上限（月）/ the longest placement, in months"},
    )
    end_alert_days = fields.Integer(
        load_default=60, validate=validate.Range(0, 365),
        metadata={"description": "安置期满前多少天提醒 / days before a placement ends to alert"},
    )
    vacancy_report_days = fields.Integer(
        load_default=5, validate=validate.Range(1, 60),
        metadata={"description": "人员离岗后报告空岗的期限（天）/ days after an exit to report the vacancy"},
    )
    retirement_age_male = fields.Integer(
        load_default=60, validate=validate.Range(40, 70),
        metadata={"description": "男性退休年龄 / retirement age, men"},
    )
    retirement_age_female = fields.Integer(
        load_default=50, validate=validate.Range(40, 70),
        metadata={"description": "女性退休年龄 / retirement age, women"},
    )
    retirement_alert_days = fields.Integer(
        load_default=90, validate=validate.Range(0, 365),
        metadata={"description": "到达退休年龄前多少天提醒 / days before the retirement age to alert"},
    )
    insurance_alert_days = fields.Integer(
        load_default=30, validate=validate.Range(0, 365),
        metadata={"description": "保险到期前多少天提醒 / days before a policy expires to alert"},
    )
    health_check_month = fields.Integer(
        load_default=6, validate=validate.Range(1, 12),
        metadata={"description": "每年体检须在该月底前完成 / yearly health checks due by the end of this month"},
    )
    minimum_wage_fen = fields.Integer(
        load_default=221_000, validate=validate.Range(1, 10_000_000),
        metadata={"description": "当地月最低工资标准（分）：岗位补贴的全额 / the monthly minimum wage, in fen: "
                                 "the full post subsidy"},
    )
    work_days_per_month = fields.Integer(
        load_default=22, validate=validate.Range(1, 31),
        metadata={"description": "满勤天数：出勤（含带薪假）达到即发全额岗位补贴 / days for the full post subsidy"},
    )
    paid_leave_kinds = fields.List(
        fields.String(validate=validate.OneOf(list(LEAVE_KINDS))),
        load_default=lambda: ["annual", "injury", "marriage_funeral"],
        metadata={"description": "计入出勤的假别 / kinds of leave counted as attended"},
    )
    insurance_base_fen = fields.Integer(
        load_default=433_800, validate=validate.Range(1, 10_000_000),
        metadata={"description": "社会保险缴费基数（分）/ the social-insurance contribution base, in fen"},
    )
    insurance_rate_bp = fields.Integer(
        load_default=2_470, validate=validate.Range(0, 10_000),
        metadata={"description": "补贴的单位缴费比例（万分之，如 2470 = 24.70%：养老 16%、医疗 8%、失业 0.7%）/ "
                                 "the employer's contribution rate subsidised, in basis points"},
    )
    claim_office = fields.String(
        load_default="区人力资源和社会保障局", validate=validate.Length(1, 100),
        metadata={"description": "补贴申报的受理单位（花名册抬头）/ the office the monthly claim goes to"},
    )

    @validates_schema
    def _alert_within_placement(self, data, **kwargs):
        if data.get("end_alert_days", 0) >= data.get("max_placement_months", 36) * 28:
            raise ValidationError(N_("The alert must come after the placement starts: fewer days than the "
                                     "longest placement."), "end_alert_days")
    required_insurance = fields.List(
        fields.String(validate=validate.OneOf(list(INSURANCE_KINDS))),
        load_default=lambda: ["pension", "medical", "injury", "accident"],
        metadata={"description": "在岗人员须持有的险种（今天有效）：全部持有即为“已参保” / the kinds of insurance a "
                                 "worker on post must hold, valid today, to count as insured"},
    )

    @validates("required_insurance")
    def _each_kind_once(self, value, **kwargs):
        if len(set(value)) != len(value):
            raise ValidationError(N_("Name each kind of insurance once."))
