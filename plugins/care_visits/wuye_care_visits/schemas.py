"""Request and response schemas (unknown fields are refused: StrictSchema)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from wuye_core.plugins import Id, PageArgs, Sort, StrictSchema, Text

from . import vocab
from .i18n import N_


def _codes(vocabulary: dict, what: str):
    return fields.List(
        fields.String(validate=validate.OneOf(list(vocabulary))),
        load_default=list,
        metadata={"description": f"{what}: " + ", ".join(f"{k} ({v})" for k, v in vocabulary.items())},
    )


def _risk():
    return fields.String(load_default="none", validate=validate.OneOf(vocab.RISK_LEVELS))


class Config(StrictSchema):
    """Per-community settings of the plugin; every field has a default."""

    interval_a = fields.Integer(
        load_default=30,
        validate=validate.Range(1, 366),
        metadata={"description": "A 级走访间隔（天）/ days between visits, level A"},
    )
    interval_b = fields.Integer(load_default=90, validate=validate.Range(1, 366))
    interval_c = fields.Integer(load_default=180, validate=validate.Range(1, 366))
    first_visit_days = fields.Integer(
        load_default=14,
        validate=validate.Range(0, 366),
        metadata={"description": "登记后首次走访期限（天）/ first visit due after"},
    )
    ticket_on_high_risk = fields.Boolean(
        load_default=False, metadata={"description": "高风险时自动开工单 / open a ticket on a high risk"}
    )
    ticket_category = Text(
        40,
        load_default="其他",
        metadata={"description": "高风险工单的类别（须为社区工单类别之一）/ ticket category"},
    )


class Contact(StrictSchema):
    name = Text(50, required=True)
    relation = Text(20, load_default=None, allow_none=True)
    phone = Text(20, required=True)


class PersonIn(StrictSchema):
    resident_id = Id(required=True, metadata={"description": "居民 id / the resident"})
    difficulties = _codes(vocab.DIFFICULTIES, "困难类型 / difficulty types")
    level = fields.String(
        required=True,
        validate=validate.OneOf(vocab.LEVELS),
        metadata={"description": "分级 A/B/C / care level"},
    )
    health_details = Text(2000, load_default=None, allow_none=True)
    hardship_details = Text(2000, load_default=None, allow_none=True)
    id_number = Text(30, load_default=None, allow_none=True)
    emergency_contacts = fields.List(
        fields.Nested(Contact), load_default=list, validate=validate.Length(max=5)
    )
    consent_visits = fields.Boolean(load_default=True)
    consent_photos = fields.Boolean(load_default=False)
    consent_sharing = _codes(vocab.BODIES, "同意共享给 / may share with")
    consent_recorded_on = fields.Date(load_default=None, allow_none=True)
    active = fields.Boolean(load_default=True)


class PersonPatch(PersonIn):
    """The resident of a record does not change (422: unknown field)."""

    class Meta:
        unknown = RAISE
        exclude = ("resident_id",)


class PersonListOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    resident_id = fields.Integer(allow_none=True)
    name_masked = fields.String(allow_none=True)
    phone_masked = fields.String(allow_none=True)
    difficulties = fields.List(fields.String())
    level = fields.String()
    active = fields.Boolean()
    last_visit_on = fields.Date(allow_none=True)
    next_due_on = fields.Date(allow_none=True)
    overdue = fields.Boolean()
    high_risk = fields.Boolean()
    erased = fields.Boolean()


class PersonOut(PersonListOut):
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    household_id = fields.Integer(allow_none=True)
    id_number = fields.String(allow_none=True)
    health_details = fields.String(allow_none=True)
    hardship_details = fields.String(allow_none=True)
    emergency_contacts = fields.List(fields.Dict())
    consent_visits = fields.Boolean()
    consent_photos = fields.Boolean()
    consent_sharing = fields.List(fields.String())
    consent_recorded_on = fields.Date(allow_none=True)


class PersonQuery(PageArgs):
    reason = Text(200, metadata={"description": "查看原因（记入审计）/ why (written to the access log)"})
    level = fields.String(validate=validate.OneOf(vocab.LEVELS))
    difficulty = fields.String(validate=validate.OneOf(list(vocab.DIFFICULTIES)))
    overdue = fields.Boolean()
    sort = Sort("id", "level", "last_visit_on", "next_due_on")


class VisitIn(StrictSchema):
    person_id = Id(required=True)
    visited_on = fields.Date(required=True)
    visitors = Text(200, required=True, metadata={"description": "走访人员 / visitors"})
    outcome = fields.String(load_default="visited", validate=validate.OneOf(list(vocab.OUTCOMES)))
    needs = _codes(vocab.NEEDS, "主要诉求 / needs")
    main_needs = Text(2000, load_default=None, allow_none=True)
    living_conditions = Text(2000, load_default=None, allow_none=True)
    mental_state = Text(2000, load_default=None, allow_none=True)
    hazards = Text(2000, load_default=None, allow_none=True)
    special_notes = Text(2000, load_default=None, allow_none=True)
    root_cause = Text(2000, load_default=None, allow_none=True)
    risk_health = _risk()
    risk_safety = _risk()
    risk_social = _risk()
    help = _codes(vocab.HELP, "帮扶措施 / help given")
    help_given = Text(2000, load_default=None, allow_none=True)
    recommendation = Text(2000, load_default=None, allow_none=True)
    followup_plan = Text(2000, load_default=None, allow_none=True)
    next_visit_on = fields.Date(load_default=None, allow_none=True)
    open_ticket = fields.Boolean(
        load_default=None,
        allow_none=True,
        metadata={"description": "高风险时开工单（默认按配置）/ open a ticket on a high risk"},
    )

    @validates_schema
    def _dates(self, data, **kwargs):
        if data.get("next_visit_on") and data["next_visit_on"] < data["visited_on"]:
            raise ValidationError(N_("The next visit cannot be before this one."), "next_visit_on")


class ReferralOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    visit_id = fields.Integer()
    person_id = fields.Integer()
    body = fields.String()
    note = fields.String(allow_none=True)
    status = fields.String()
    outcome = fields.String(allow_none=True)
    referred_on = fields.Date()
    closed_on = fields.Date(allow_none=True)
    created_by = fields.String()


class VisitOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    person_id = fields.Integer()
    visited_on = fields.Date()
    visitors = fields.String()
    outcome = fields.String()
    needs = fields.List(fields.String())
    main_needs = fields.String(allow_none=True)
    living_conditions = fields.String(allow_none=True)
    mental_state = fields.String(allow_none=True)
    hazards = fields.String(allow_none=True)
    special_notes = fields.String(allow_none=True)
    root_cause = fields.String(allow_none=True)
    risk_health = fields.String()
    risk_safety = fields.String()
    risk_social = fields.String()
    help = fields.List(fields.String())
    help_given = fields.String(allow_none=True)
    recommendation = fields.String(allow_none=True)
    followup_plan = fields.String(allow_none=True)
    next_visit_on = fields.Date(allow_none=True)
    ticket_id = fields.Integer(allow_none=True)
    ticket_error = fields.String(allow_none=True)
    created_by = fields.String()
    referrals = fields.List(fields.Nested(ReferralOut))
    photo_ids = fields.List(fields.Integer())


class VisitListOut(Schema):
    id = fields.Integer()
    person_id = fields.Integer()
    visited_on = fields.Date()
    outcome = fields.String()
    risk_health = fields.String()
    risk_safety = fields.String()
    risk_social = fields.String()
    ticket_id = fields.Integer(allow_none=True)


class VisitQuery(PageArgs):
    reason = Text(200, metadata={"description": "查看原因（记入审计）/ why (written to the access log)"})
    person_id = Id()
    date_from = fields.Date()
    date_to = fields.Date()
    high_risk = fields.Boolean()
    sort = Sort("id", "visited_on", default="-visited_on")


class ReferralIn(StrictSchema):
    body = fields.String(required=True, validate=validate.OneOf(list(vocab.BODIES)))
    note = Text(2000, load_default=None, allow_none=True)
    referred_on = fields.Date(load_default=None, allow_none=True)


class ReferralPatch(StrictSchema):
    status = fields.String(required=True, validate=validate.OneOf(list(vocab.REFERRAL_STATES)))
    outcome = Text(2000, load_default=None, allow_none=True)
    closed_on = fields.Date(load_default=None, allow_none=True)


class ReferralQuery(PageArgs):
    reason = Text(200, metadata={"description": "查看原因（记入审计）/ why (written to the access log)"})
    status = fields.String(validate=validate.OneOf(list(vocab.REFERRAL_STATES)))
    open = fields.Boolean(metadata={"description": "未办结（open/accepted）/ not closed"})
    sort = Sort("id", "referred_on", "closed_on")


class PlanGenerateIn(StrictSchema):
    period = fields.String(
        required=True,
        validate=validate.Regexp(r"^(19|20)\d\d-(0[1-9]|1[0-2]|Q[1-4])$"),  # years 1900–2099
        metadata={"description": "月度 2026-11 或季度 2026-Q4 / a month or a quarter"},
    )


class WeatherRoundIn(StrictSchema):
    levels = fields.List(
        fields.String(validate=validate.OneOf(vocab.LEVELS)), required=True, validate=validate.Length(min=1)
    )
    reason = Text(100, required=True, metadata={"description": "如 寒潮、高温、暴雨 / e.g. cold wave"})
    due_on = fields.Date(required=True)


class PlanItemOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    person_id = fields.Integer()
    name_masked = fields.String(allow_none=True)
    level = fields.String(allow_none=True)
    period = fields.String()
    kind = fields.String()
    reason = fields.String(allow_none=True)
    due_on = fields.Date()
    overdue = fields.Boolean()
    assignee_id = fields.Integer(allow_none=True)
    status = fields.String()
    visit_id = fields.Integer(allow_none=True)


class PlanQuery(PageArgs):
    reason = Text(200, metadata={"description": "查看原因（记入审计）/ why (written to the access log)"})
    period = fields.String()
    status = fields.String(validate=validate.OneOf(["planned", "done"]))
    overdue = fields.Boolean()
    sort = Sort("id", "due_on", "period")


class PlanItemPatch(StrictSchema):
    assignee_id = Id(required=True, allow_none=True)


class BriefIn(StrictSchema):
    period_start = fields.Date(required=True, metadata={"description": "首日；不晚于末日，最长一年 / first day; "
                                                                      "not after period_end, at most a year"})
    period_end = fields.Date(required=True, metadata={"description": "末日（含）/ last day, included"})

    @validates_schema
    def _period(self, data, **kwargs):
        if data["period_end"] < data["period_start"]:
            raise ValidationError(N_("Ends before it starts."), "period_end")
        if (data["period_end"] - data["period_start"]).days > 366:
            raise ValidationError(N_("At most a year."), "period_end")


class BriefOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer(allow_none=True)
    scope = fields.Function(lambda b: "community" if b.community_id else "tenant")
    period_start = fields.Date()
    period_end = fields.Date()
    status = fields.String()
    progress = fields.Integer()
    error = fields.String(allow_none=True)
    figures = fields.Dict(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


class AccessLogOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer(allow_none=True)
    user_id = fields.Integer()
    username = fields.String()
    action = fields.String()
    person_id = fields.Integer(allow_none=True)
    object_type = fields.String(allow_none=True)
    object_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    at = fields.DateTime()


class AccessLogQuery(PageArgs):
    reason = Text(200, metadata={"description": "查看原因（记入审计）/ why (written to the access log)"})
    person_id = Id()
    sort = Sort("id", "at")


class BriefQuery(PageArgs):
    sort = Sort("id", "created_at", "period_start", "period_end")


class CareFigureOut(Schema):
    key = fields.String()
    label_zh = fields.String()
    label_en = fields.String()
    value = fields.Float(allow_none=True)
    unit = fields.String()


class PersonExportOut(Schema):
    watermark = fields.String()
    person = fields.Nested(PersonOut)
    visits = fields.List(fields.Nested(VisitOut))


class PhotoOut(Schema):
    id = fields.Integer()
    visit_id = fields.Integer()
    content_type = fields.String()


class CountOut(Schema):
    created = fields.Integer()
