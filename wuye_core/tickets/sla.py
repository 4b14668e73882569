"""SLA policies: per-community config, the "5341" default, and plugins' say through a hook.

5341 (source 003): on site within 5 minutes; ordinary problems solved within 30 minutes,
major ones within 4 hours; special complex problems get a written plan within 1 day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from marshmallow import fields, validate

from ..common.schemas import StrictSchema
from ..host.dispatch import call_contained
from .models import Priority
from .notifications.recipients import NotifySection, notify_default

DEFAULT_POLICY = "5341"
DEFAULT_SLA = {
    Priority.normal.value: {"arrive_minutes": 5, "resolve_minutes": 30},
    Priority.urgent.value: {"arrive_minutes": 5, "resolve_minutes": 30},
    Priority.major.value: {"arrive_minutes": 5, "resolve_minutes": 4 * 60},
    Priority.complex.value: {"arrive_minutes": 5, "resolve_minutes": 24 * 60},  # a written plan
}
DEFAULT_CATEGORIES = ["水电维修", "电梯", "保洁", "绿化", "停车", "噪音", "安全", "公共设施", "其他"]

MINUTES = validate.Range(min=1, max=60 * 24 * 365)


class Deadline(StrictSchema):
    arrive_minutes = fields.Integer(allow_none=True, validate=MINUTES, load_default=None)
    resolve_minutes = fields.Integer(allow_none=True, validate=MINUTES, load_default=None)


def _sla_default():
    return {k: dict(v) for k, v in DEFAULT_SLA.items()}


class SlaSection(StrictSchema):
    name = fields.String(load_default=DEFAULT_POLICY, validate=validate.Length(min=1, max=40))
    normal = fields.Nested(Deadline, load_default=lambda: dict(DEFAULT_SLA["normal"]))
    urgent = fields.Nested(Deadline, load_default=lambda: dict(DEFAULT_SLA["urgent"]))
    major = fields.Nested(Deadline, load_default=lambda: dict(DEFAULT_SLA["major"]))
    complex = fields.Nested(Deadline, load_default=lambda: dict(DEFAULT_SLA["complex"]))


class TicketsSection(StrictSchema):
    """The `tickets` section of a community's config."""

    categories = fields.List(fields.String(validate=validate.Length(min=1, max=40)),
                             load_default=lambda: list(DEFAULT_CATEGORIES), validate=validate.Length(min=1, max=100),
                             metadata={"description": "工单类别 / ticket categories"})
    sla = fields.Nested(SlaSection, load_default=lambda: SlaSection().load({}))
    auto_close_days = fields.Integer(load_default=7, validate=validate.Range(min=1, max=365),
                                     metadata={"description": "办结后多少天无评价自动关闭"})
    notify = fields.Nested(NotifySection, load_default=notify_default,
                           metadata={"description": "通知谁：新工单、到场超时、办结超时 / who is notified of a new "
                                                    "ticket and of missed deadlines (tickets/notifications/recipients.py)"})


def community_policy(tickets_config: dict, priority: Priority) -> dict:
    sla = tickets_config["sla"]
    return {"name": sla["name"], **sla[priority.value]}


def resolve_policy(tenant_id: int, community_id: int, kind, category: str, priority: Priority,
                   tickets_config: dict) -> tuple[str, dict]:
    """(who decided, policy): the first enabled plugin offering a policy wins, else the community's."""
    default = community_policy(tickets_config, priority)
    for plugin, offered in call_contained("wuye_ticket_sla_policy", community_id, tenant_id=tenant_id,
                                          community_id=community_id, kind=kind.value, category=category,
                                          priority=priority.value, default=dict(default)):
        if offered:
            return plugin, {**default, **offered}
    return "core", default


def deadlines(created_at: datetime, policy: dict) -> tuple[datetime | None, datetime | None]:
    def due(minutes):
        return None if minutes is None else created_at + timedelta(minutes=minutes)

    return due(policy.get("arrive_minutes")), due(policy.get("resolve_minutes"))
