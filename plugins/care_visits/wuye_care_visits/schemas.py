"""Request and response schemas (unknown fields are refused: StrictSchema)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from wuye_core.plugins import (
    Id,
    PageArgs,
    PeriodArgs,
    ResidentRegistration,
    Sort,
    StrictSchema,
    Text,
    show_note,
)

from . import clock, vocab
from .i18n import N_

TICKET_TEXT_MAX = 200


def not_future(value) -> None:
    """A visit happened on a day that has come, as Beijing counts days (today is allowed)."""
    if value is not None and value > clock.today():
        raise ValidationError(N_("Cannot be in the future (today is %(today)s, Beijing time).",
                                 today=clock.today().isoformat()))


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
    amend_days = fields.Integer(
        load_default=7,
        validate=validate.Range(0, 366),
        metadata={"description": "走访记录录入后可更正的天数（0：不可更正；作者或关爱主管，须写原因，留痕）/ days "
                                 "after a visit is recorded during which its author or a care supervisor may amend "
                                 "it, with a reason, every amendment recorded (0: never)"},
    )
    brief_office = Text(
        100,
        load_default=None,
        allow_none=True,
        metadata={"description": "社区简报的发文单位（默认社区名称）/ issuing office of the community's brief "
                                 "(default: the community's name)"},
    )
    street_brief_office = Text(
        100,
        load_default=None,
        allow_none=True,
        metadata={"description": "全租户（街道）简报的发文单位，各社区设置一致时采用（默认租户名称）/ issuing office "
                                 "of the tenant's (street's) brief, used when the communities agree (default: the "
                                 "tenant's name)"},
    )


class Contact(StrictSchema):
    name = Text(50, required=True)
    relation = Text(20, load_default=None, allow_none=True)
    phone = Text(20, required=True)


class NewResident(ResidentRegistration):
    """A resident not yet in the housing register, added to it by the care worker: the core's
    registration schema (its fields and limits, `wuye_core.plugins.ResidentRegistration`), checked
    again by the core's own rules in `register_resident` (as POST /api/v1/residents): errors name
    the field under `new_resident`."""


class PersonIn(StrictSchema):
    resident_id = Id(load_default=None, allow_none=True, metadata={
        "description": "已登记的居民 id（或 new_resident，二者选一）/ the resident (or new_resident: one of them)"})
    new_resident = fields.Nested(NewResident, metadata={
        "description": "尚未登记的居民：关爱走访员在自己负责的社区里一次登记进房屋台账和关爱档案 / a resident not yet "
                       "registered: a care worker adds them to the housing register and the care register at once "
                       "(care_worker of the community only)"})
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

    @validates_schema
    def _one_resident(self, data, partial=None, **kwargs):
        if partial:  # PersonPatch: neither field
            return
        if data.get("resident_id") is None and data.get("new_resident") is None:
            raise ValidationError(N_("Name the resident (resident_id), or register a new one (new_resident)."),
                                  "resident_id")
        if data.get("resident_id") is not None and data.get("new_resident") is not None:
            raise ValidationError(N_("Either resident_id or new_resident, not both."), "new_resident")


class PersonPatch(PersonIn):
    """The resident of a record does not change (422: unknown field)."""

    class Meta:
        unknown = RAISE
        exclude = ("resident_id", "new_resident")


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
    visited_on = fields.Date(required=True, validate=not_future, metadata={
        "description": "走访日期（北京时间，不能晚于今天）/ the day of the visit (Beijing time; not after today)"})
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
    ticket_text = Text(TICKET_TEXT_MAX, min_length=1, load_default=None, allow_none=True, metadata={
        "description": "隐患描述：高风险走访开工单时必填，写成工单的标题和描述，交给物业公司的员工（所有工作人员都能看到"
                       "工单）。只写要处理的隐患和位置，如“厨房燃气灶软管开裂漏气”；不写姓名、电话、身份证号，不写健康、"
                       "疾病、经济、家庭状况等个人信息——这些只留在走访记录里。/ The hazard, for the ticket: required "
                       "when the visit opens a ticket (a high risk with `open_ticket`, or the community's "
                       "`ticket_on_high_risk`); it becomes the ticket's title and description and goes to the "
                       "property company, whose staff all see tickets. Describe what to fix and where (\"gas hose "
                       "of the kitchen stove cracked\"); never a name, phone or ID number, nor anything about "
                       "health, illness, money or family: those stay in the visit record."})
    ticket_category = Text(40, min_length=1, load_default=None, allow_none=True, metadata={
        "description": "工单类别，社区工单类别之一（GET /api/v1/communities/{id}/config）；不填按插件配置的 "
                       "ticket_category / the ticket's category, one of the community's (default: the plugin's "
                       "config)"})

    @validates_schema
    def _dates(self, data, **kwargs):
        if data.get("next_visit_on") and data.get("visited_on") and data["next_visit_on"] < data["visited_on"]:
            raise ValidationError(N_("The next visit cannot be before this one."), "next_visit_on")


AMENDABLE = (
    "visited_on", "visitors", "outcome", "needs", "main_needs", "living_conditions", "mental_state", "hazards",
    "special_notes", "root_cause", "risk_health", "risk_safety", "risk_social", "help", "help_given",
    "recommendation", "followup_plan", "next_visit_on",
)


class VisitPatch(VisitIn):
    """更正走访记录: only the fields sent change; `reason` is required. The person, the ticket and
    its text do not change (a ticket already sent is corrected on the ticket)."""

    class Meta:
        unknown = RAISE
        exclude = ("person_id", "open_ticket", "ticket_text", "ticket_category")

    reason = Text(500, min_length=1, required=True, metadata={
        "description": "更正原因（记入更正记录和审计）/ why the visit is amended (kept with the amendment)"})


class AmendmentOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    amended_by = fields.String()
    reason = fields.String(allow_none=True)
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields",
                         metadata={"description": "改动的字段 / the changed fields"})
    changes = fields.Dict(allow_none=True, metadata={
        "description": "每个字段的原值和新值 {字段: {before, after}}（本人数据删除后为空）/ {field: {before, after}} "
                       "(empty after the person's data is erased)"})


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
    ticket_text = fields.String(allow_none=True, metadata={"description": "工单上的隐患描述 / what the ticket says"})
    ticket_id = fields.Integer(allow_none=True)
    ticket_error = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()
    amendable_until = fields.DateTime(allow_none=True, metadata={
        "description": "可更正的截止时间（配置 amend_days）/ until when it may be amended (config amend_days)"})
    amendments = fields.List(fields.Nested(AmendmentOut), metadata={
        "description": "更正记录，最早的在前 / the amendments, oldest first"})
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


class BriefIn(StrictSchema, PeriodArgs):
    """The core's period argument (`PeriodArgs`) under this body's names: both left out, this
    month (the 1st to today); `period_start` alone, to today; `period_end` alone, from the 1st of
    its month. Loads as `first` and `last`."""

    MAX_DAYS = 367  # at most a year (a leap year's 366 days + 1)
    TOO_LONG = N_("At most a year.")
    ORDER_FIELD = "last"
    ORDER_MESSAGE = N_("Ends before it starts.")
    first = fields.Date(data_key="period_start", metadata={
        "description": "首日；不晚于末日，最长一年；不填为本月 1 日（只填末日时为末日所在月的 1 日）/ first day; not after "
                       "period_end, at most a year; left out: the 1st of this month (of period_end's month "
                       "when only that is given)"})
    last = fields.Date(data_key="period_end", metadata={
        "description": "末日（含）；不填为今天 / last day, included; left out: today"})


def _narrative(brief):
    from .brief import narrative

    return narrative(brief.figures) if brief.figures else None


class BriefOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer(allow_none=True)
    scope = fields.Function(lambda b: "community" if b.community_id else "tenant")
    period_start = fields.Date()
    period_end = fields.Date()
    status = fields.String()
    progress = fields.Integer()
    # a stored message in the reader's language; a failed build's own text as recorded
    error = fields.Function(lambda b: show_note(b.error), allow_none=True, metadata={"type": "string"})
    figures = fields.Dict(allow_none=True)
    narrative = fields.Function(_narrative, allow_none=True, metadata={
        "type": "array", "items": {"type": "string"},
        "description": "总体情况（按读者语言由数字生成）/ the period in sentences, from the figures, in the "
                       "reader's language (null for a brief built before it)"})
    issue_number = fields.Integer(allow_none=True, metadata={"description": "第 N 期（签发后）/ issue number, once issued"})
    issue_year = fields.Integer(allow_none=True)
    issuing_office = fields.String(allow_none=True)
    issued_on = fields.Date(allow_none=True, metadata={"description": "签发日期（北京时间）/ issue date, Beijing"})
    issued_by = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    locale = fields.String(allow_none=True, metadata={"description": "文件的语言 / the files' language"})
    created_by = fields.String()
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


class BriefCaseOut(Schema):
    id = fields.Integer()
    visit_id = fields.Integer()
    person_id = fields.Integer()
    visited_on = fields.Date()
    label = fields.String(metadata={"description": "简报中的匿名称谓，如 某独居老人（80岁）/ the anonymised label"})
    text = fields.String()
    created_by = fields.String()


class BriefDetailOut(BriefOut):
    followup_notes = fields.String(allow_none=True)
    cases = fields.Method("_cases", metadata={"type": "array", "items": {"$ref": "#/components/schemas/BriefCaseOut"},
                                              "description": "典型案例 / the typical cases"})

    def _cases(self, brief):
        from .issuing import brief_year, case_rows

        return BriefCaseOut(many=True).dump(case_rows(brief, brief_year(brief)))


class BriefIssueIn(StrictSchema):
    title = Text(200, load_default=None, allow_none=True,
                 metadata={"description": "标题（默认按范围与期间生成）/ title (default from the scope and period)"})
    followup_notes = Text(2000, load_default=None, allow_none=True, metadata={
        "description": "下一步工作（每行一条，列在按数字生成的事项之后）/ the lead's next steps, one a line"})


class BriefCaseIn(StrictSchema):
    text = Text(1000, required=True, min_length=1, metadata={
        "description": "案例简述（不得含姓名、电话、身份证号）/ the case in a few sentences: no name, phone "
                       "or ID number (422)"})


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
    value = fields.Raw(allow_none=True, metadata={"description": "`…_rate`：0–1 的小数（四位），其余为计数（整数）/ "
                                                                 "`…_rate`: a fraction 0–1 (four decimals); "
                                                                 "the others: counts (integers)"})
    unit = fields.String(metadata={"description": "计数的量词；比率为空 / a count's measure word; empty for a rate"})


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
