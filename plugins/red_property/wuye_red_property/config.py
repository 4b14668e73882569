"""Per-community settings of 红色物业 · 三方联动; every field has a default.

"5341" rapid response (source 003): on site within 5 minutes; ordinary problems solved within
30 minutes, major ones within 4 hours; special complex problems get a written plan within a day.
Urgent (紧急) tickets are about time, not size: on site in 5 minutes and solved within the
ordinary 30 minutes; a bigger urgent problem is raised to major, which gives it 4 hours.
"""

from __future__ import annotations

from marshmallow import fields, validate

from wuye_core.plugins import StrictSchema

CADENCES = {"weekly": 7, "biweekly": 14, "monthly": 30, "quarterly": 91}  # days, for planning the next date
MINUTES = validate.Range(min=1, max=60 * 24 * 30)

DEFAULT_5341 = {
    "arrive_minutes": 5,
    "normal_resolve_minutes": 30,
    "urgent_resolve_minutes": 30,
    "major_resolve_minutes": 4 * 60,
    "complex_resolve_minutes": 24 * 60,  # a written plan within one day
}


class RapidResponse(StrictSchema):
    """ "5341" 快速响应: this community's ticket SLA while the plugin is on here."""

    enabled = fields.Boolean(
        load_default=True, metadata={"description": "启用“5341”工单时限 / use the 5341 SLA"}
    )
    arrive_minutes = fields.Integer(
        load_default=5, validate=MINUTES, metadata={"description": "到场时限（分钟）"}
    )
    normal_resolve_minutes = fields.Integer(
        load_default=30, validate=MINUTES, metadata={"description": "一般问题办结时限（分钟）"}
    )
    urgent_resolve_minutes = fields.Integer(
        load_default=30, validate=MINUTES, metadata={"description": "紧急问题办结时限（分钟）"}
    )
    major_resolve_minutes = fields.Integer(
        load_default=240, validate=MINUTES, metadata={"description": "重大问题办结时限（分钟）"}
    )
    complex_resolve_minutes = fields.Integer(
        load_default=1440, validate=MINUTES, metadata={"description": "特殊复杂问题出方案时限（分钟）"}
    )


class RedPropertyConfig(StrictSchema):
    """红色物业 · 三方联动 settings of one community."""

    cadence = fields.String(
        load_default="monthly",
        validate=validate.OneOf(list(CADENCES)),
        metadata={"description": "联席会议周期 / meeting cadence"},
    )
    auto_schedule = fields.Boolean(
        load_default=True,
        metadata={"description": "每天检查并按周期排定下次会议 / keep the next meeting planned"},
    )
    meeting_title = fields.String(
        load_default="三方联席会议",
        validate=validate.Length(min=1, max=100),
        metadata={"description": "会议默认标题 / default meeting title"},
    )
    resolution_days = fields.Integer(
        load_default=30,
        validate=validate.Range(min=1, max=365),
        metadata={"description": "决议默认办理期限（天）/ default days to a deadline"},
    )
    resolve_linked_tickets = fields.Boolean(
        load_default=True,
        metadata={
            "description": "决议办结时办结关联工单 / resolving a resolution resolves its escalated tickets"
        },
    )
    rapid_response = fields.Nested(RapidResponse, load_default=lambda: RapidResponse().load({}))
