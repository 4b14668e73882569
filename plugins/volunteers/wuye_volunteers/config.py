"""Per-community settings of the residents' service alliance; every field has a default."""

from __future__ import annotations

from marshmallow import fields, validate

from wuye_core.plugins import StrictSchema


class Config(StrictSchema):
    """居民服务联盟 settings of one community."""

    alliance_name = fields.String(
        load_default="", validate=validate.Length(0, 100),
        metadata={"description": "联盟名称（证明上的组织名称；空：社区名 + 居民服务联盟）/ the alliance's name "
                                 "on certificates (empty: the community's name + 居民服务联盟)"},
    )
    certificate_issuer = fields.String(
        load_default="", validate=validate.Length(0, 100),
        metadata={"description": "出具证明并盖章的单位（空：社区名 + 居民委员会）/ who issues and stamps "
                                 "certificates (empty: the community's residents' committee)"},
    )
    certificate_prefix = fields.String(
        load_default="志证", validate=validate.Length(1, 10),
        metadata={"description": "证明编号前缀，如 志证〔2026〕第 0001 号 / the certificates' number prefix"},
    )
    qr_checkin = fields.Boolean(
        load_default=True,
        metadata={"description": "成员可用手机扫码签到签退 / members may check in and out by the QR code"},
    )
    checkin_opens_minutes = fields.Integer(
        load_default=60, validate=validate.Range(0, 24 * 60),
        metadata={"description": "活动开始前多少分钟可以扫码签到 / minutes before the start the QR check-in opens"},
    )
    checkin_closes_minutes = fields.Integer(
        load_default=180, validate=validate.Range(0, 24 * 60),
        metadata={"description": "活动结束后多少分钟内可以扫码签退 / minutes after the end the QR check-out closes"},
    )
    cancel_until_hours = fields.Integer(
        load_default=2, validate=validate.Range(0, 14 * 24),
        metadata={"description": "成员最晚在活动开始前多少小时取消报名 / hours before the start a member may "
                                 "still cancel"},
    )
    max_record_minutes = fields.Integer(
        load_default=12 * 60, validate=validate.Range(30, 24 * 60),
        metadata={"description": "一条服务记录最多计入的时长（分钟）/ the most minutes one record counts"},
    )
    party_member_yearly_hours = fields.Integer(
        load_default=12, validate=validate.Range(0, 1000),
        metadata={"description": "在职党员每年应服务的小时数（报告中标出未达到的）/ hours a year a serving "
                                 "party member is expected to serve (the report flags those below)"},
    )
    time_bank = fields.Boolean(
        load_default=False,
        metadata={"description": "启用时间银行：服务时长换算为积分，可兑换他人的服务 / the time bank: hours "
                                 "earn points a member spends on others' services"},
    )
    points_per_hour = fields.Integer(
        load_default=10, validate=validate.Range(1, 1000),
        metadata={"description": "每服务一小时得到的积分 / points earned per hour of service"},
    )

