"""Request and response schemas of posts, workers and placements (unknown fields refused)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from wuye_core.plugins import Id, PageArgs, Sort, StrictSchema, Text

from . import vocab
from .i18n import N_

ID_NUMBER = validate.Regexp(r"^[0-9]{17}[0-9Xx]$",
                            error=N_("An ID number has 17 digits and a check digit (a digit or X)."))
MOBILE = validate.Regexp(r"^(1[3-9][0-9]{9})?$", error=N_("A mobile number has 11 digits and starts with 13–19."))
BANK_ACCOUNT = validate.Regexp(r"^([0-9]{12,30})?$", error=N_("A bank account has 12 to 30 digits."))
HHMM = validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", error=N_("Write the time as HH:MM (24 hours)."))
DOCUMENT_KINDS = {"evidence": N_("Eligibility evidence"), "health": N_("Health-check report"),
                  "other": N_("Other document")}


def _d(zh: str, en: str) -> dict:
    return {"description": f"{zh} / {en}"}


def _codes(vocabulary: dict) -> str:
    return ", ".join(vocabulary)


# --- posts -------------------------------------------------------------------------------------


class PostIn(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(list(vocab.POST_KINDS)),
                         metadata=_d("岗位类别", "kind: " + _codes(vocab.POST_KINDS)))
    name = Text(100, min_length=1, required=True, metadata=_d("岗位名称", "the post's name"))
    site_id = Id(required=True, metadata=_d("地点：本社区的小区或村湾", "the place: a site or 村湾 of the community"))
    headcount = fields.Integer(required=True, validate=validate.Range(1, 1000), metadata=_d("核定人数", "headcount"))
    approval_ref = Text(100, min_length=1, required=True, metadata=_d("批准文号", "approval reference"))
    approved_from = fields.Date(required=True, metadata=_d("批准起始日", "approved from"))
    approved_until = fields.Date(load_default=None, allow_none=True,
                                 metadata=_d("批准截止日（空：长期）", "approved until (null: open-ended)"))
    employer_link_id = Id(load_default=None, allow_none=True, metadata=_d(
        "用人单位：本社区生效中的服务关系 id（空：本单位）", "the employer: a service link in force here (null: the tenant)"))
    team = Text(50, load_default=None, allow_none=True, metadata=_d(
        "班组（租户内唯一；空：公益岗·地点·类别）", "the team, unique in the tenant (null: derived)"))
    shift_start = Text(5, load_default="07:00", validate=[HHMM], metadata=_d("上岗时间", "shift start, HH:MM"))
    shift_end = Text(5, load_default="11:30", validate=[HHMM], metadata=_d("下岗时间", "shift end, HH:MM"))
    leader_user_id = Id(load_default=None, allow_none=True, metadata=_d(
        "组长：在本社区持有 welfare_jobs_team_leader 的员工", "team leader: a staff user holding welfare_jobs_team_leader"))
    note = Text(500, load_default=None, allow_none=True)

    @validates_schema
    def _order(self, data, **kwargs):
        if data.get("approved_from") and data.get("approved_until") and data["approved_until"] < data["approved_from"]:
            raise ValidationError(N_("The approval ends before it starts."), "approved_until")
        if data.get("shift_start") and data.get("shift_end") and data["shift_end"] <= data["shift_start"]:
            raise ValidationError(N_("The shift must end after it starts."), "shift_end")


class PostPatch(PostIn):
    """Any of PostIn's fields; the result is checked as a whole."""


class PostClose(StrictSchema):
    closed_on = fields.Date(load_default=None, allow_none=True, metadata=_d(
        "撤岗日期（默认今天；当日及以后不能有在岗人员）", "closed from (default today; nobody on post from then)"))


class PostQuery(PageArgs):
    active = fields.Boolean(metadata=_d("在用 / 已撤", "open or closed"))
    site_id = Id()
    kind = fields.String(validate=validate.OneOf(list(vocab.POST_KINDS)))
    q = Text(50, metadata=_d("按名称或班组查找", "search by name or team"))
    sort = Sort("id", "name", "headcount", "approved_until")


class PostPerson(Schema):
    placement_id = fields.Integer()
    worker_id = fields.Integer()
    name = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()


class PostOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    kind = fields.String()
    kind_label = fields.String()
    name = fields.String()
    site_id = fields.Integer()
    site_name = fields.String(allow_none=True)
    site_kind = fields.String(allow_none=True, metadata=_d("village：村湾", "village: a 村湾"))
    headcount = fields.Integer()
    on_post = fields.Integer(metadata=_d("今天在岗人数", "people on post today"))
    vacancies = fields.Integer(metadata=_d("空岗数（核定人数减今天在岗）", "headcount minus people on post today"))
    approval_ref = fields.String()
    approved_from = fields.Date()
    approved_until = fields.Date(allow_none=True)
    employer_link_id = fields.Integer(allow_none=True)
    employer_name = fields.String(allow_none=True, metadata=_d("用人单位名称", "the employer's name"))
    team = fields.String()
    shift_start = fields.String()
    shift_end = fields.String()
    leader_user_id = fields.Integer(allow_none=True)
    leader_name = fields.String(allow_none=True)
    active = fields.Boolean()
    closed_on = fields.Date(allow_none=True)
    note = fields.String(allow_none=True)
    created_by = fields.String()
    people = fields.List(fields.Nested(PostPerson), allow_none=True, metadata=_d(
        "今天在岗的人（仅管理员和组长；列表中为空）", "who is on post today (manager and team leaders; null in lists)"))


# --- workers -----------------------------------------------------------------------------------


class WorkerIn(StrictSchema):
    name = Text(50, min_length=1, required=True)
    id_number = Text(18, required=True, validate=[ID_NUMBER], metadata=_d(
        "18 位身份证号（末位校验位，出生日期不晚于今天）",
        "18-character ID number (the last a check character; a birth date not after today)"))
    phone = Text(11, load_default=None, allow_none=True, validate=[MOBILE],
                 metadata=_d("11 位手机号", "11-digit mobile number"))
    group = fields.String(required=True, validate=validate.OneOf(list(vocab.GROUPS)),
                          metadata=_d("人员类别", "group: " + _codes(vocab.GROUPS)))
    evidence_ref = Text(200, min_length=1, required=True, metadata=_d(
        "认定材料编号", "the eligibility evidence's reference"))
    land_acquired_year = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1950),
                                        metadata=_d("征地年份（失地农民必填；1950 年至今年）",
                                                    "year the land was acquired (landless farmers; 1950 to this "
                                                    "year)"))
    land_village = Text(100, load_default=None, allow_none=True, metadata=_d(
        "被征地村组（失地农民必填）", "the village the land was taken from (landless farmers)"))
    bank_name = Text(100, load_default=None, allow_none=True, metadata=_d("开户行", "bank"))
    bank_account = Text(30, load_default=None, allow_none=True, validate=[BANK_ACCOUNT], metadata=_d(
        "银行账号（12–30 位数字；与开户行同填）", "account, 12–30 digits (with the bank)"))
    resident_id = Id(load_default=None, allow_none=True, metadata=_d("台账中的居民（同一社区）", "the resident in the register"))
    staff_user_id = Id(load_default=None, allow_none=True, metadata=_d(
        "手机端登录的员工账号（持有 welfare_jobs_worker）", "their sign-in: a staff user holding welfare_jobs_worker"))


class WorkerPatch(WorkerIn):
    """Any of WorkerIn's fields; the result is checked as a whole."""


class WorkerQuery(PageArgs):
    q = Text(50, metadata=_d("按姓名查找", "search by name"))
    group = fields.String(validate=validate.OneOf(list(vocab.GROUPS)))
    on_post = fields.Boolean(metadata=_d("今天在岗", "on post today"))
    sort = Sort("id", "name", "birth_date")


class WorkerListOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    name = fields.String()
    gender = fields.String()
    id_number_masked = fields.String(allow_none=True)
    phone_masked = fields.String(allow_none=True)
    group = fields.String()
    group_label = fields.String()
    post_id = fields.Integer(allow_none=True, metadata=_d("今天所在岗位", "the post today"))
    post_name = fields.String(allow_none=True)
    placement_ends_on = fields.Date(allow_none=True)
    erased = fields.Boolean()


class WorkerOut(WorkerListOut):
    masked = fields.Boolean(metadata=_d("true：个人信息已脱敏（非管理员）", "true: personal data left out (not a manager)"))
    birth_date = fields.Date(allow_none=True)
    id_number = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    evidence_ref = fields.String(allow_none=True)
    land_acquired_year = fields.Integer(allow_none=True)
    land_village = fields.String(allow_none=True)
    bank_name = fields.String(allow_none=True)
    bank_account = fields.String(allow_none=True)
    bank_account_masked = fields.String(allow_none=True)
    resident_id = fields.Integer(allow_none=True)
    resident_where = fields.String(allow_none=True, metadata=_d("居住地（台账）", "where they live (the register)"))
    staff_user_id = fields.Integer(allow_none=True)
    staff_name = fields.String(allow_none=True)
    retires_on = fields.Date(allow_none=True)
    created_by = fields.String()
    placements = fields.List(fields.Dict())


class DocumentOut(Schema):
    id = fields.Integer()
    worker_id = fields.Integer()
    kind = fields.String()
    kind_label = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    uploaded_by = fields.String()
    uploaded_at = fields.DateTime()


class DocumentForm(Schema):
    kind = fields.String(load_default="evidence", validate=validate.OneOf(list(DOCUMENT_KINDS)),
                         metadata=_d("evidence 认定材料 / health 体检报告 / other 其他", "document kind"))


class DocumentFile(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                               "description": "PDF、JPEG 或 PNG，不超过 5 MiB / PDF, JPEG or PNG, ≤ 5 MiB"})


# --- placements --------------------------------------------------------------------------------


class PlacementIn(StrictSchema):
    worker_id = Id(required=True)
    post_id = Id(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(load_default=None, allow_none=True, metadata=_d(
        "约定结束日（默认：起始日加安置期限上限减一天；不能更晚）",
        "the agreed end (default and latest: starts_on + max_placement_months − 1 day)"))


class ExitIn(StrictSchema):
    exited_on = fields.Date(required=True, metadata=_d("离岗日期（最后在岗日）", "the last day on post"))
    exit_reason = fields.String(required=True, validate=validate.OneOf(list(vocab.EXIT_REASONS)),
                                metadata=_d("离岗原因", "reason: " + _codes(vocab.EXIT_REASONS)))
    note = Text(300, load_default=None, allow_none=True)


class VacancyReportIn(StrictSchema):
    vacancy_reported_on = fields.Date(load_default=None, allow_none=True, metadata=_d(
        "报告日期（默认今天）", "the day it was reported (default today)"))
    vacancy_report_ref = Text(100, min_length=1, required=True, metadata=_d("空岗报告文号", "the report's reference"))


PLACEMENT_STATES = ("upcoming", "current", "term_passed", "exited", "vacancy_open")


class PlacementQuery(PageArgs):
    post_id = Id()
    worker_id = Id()
    state = fields.String(validate=validate.OneOf(PLACEMENT_STATES), metadata=_d(
        "upcoming 未开始 / current 在岗 / term_passed 期满未办离岗 / exited 已离岗 / vacancy_open 空岗未报告",
        "upcoming / current / term_passed (ended, no exit recorded) / exited / vacancy_open (not reported)"))
    sort = Sort("id", "starts_on", "ends_on", "exited_on", "vacancy_due_on")


class PlacementOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    worker_id = fields.Integer()
    worker_name = fields.String()
    post_id = fields.Integer()
    post_name = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    exited_on = fields.Date(allow_none=True)
    exit_reason = fields.String(allow_none=True)
    exit_reason_label = fields.String(allow_none=True)
    exit_note = fields.String(allow_none=True)
    vacancy_due_on = fields.Date(allow_none=True)
    vacancy_reported_on = fields.Date(allow_none=True)
    vacancy_report_ref = fields.String(allow_none=True)
    state = fields.String(metadata=_d("upcoming / current / term_passed / exited", "the state today"))
    created_by = fields.String()
    ended_by = fields.String(allow_none=True)


class AlertPlacement(PlacementOut):
    days = fields.Integer(metadata=_d("距该日期的天数（负数：已过）", "days to the date (negative: past)"))


class AlertRetiring(Schema):
    worker_id = fields.Integer()
    worker_name = fields.String()
    gender = fields.String()
    retires_on = fields.Date()
    days = fields.Integer()
    placement_id = fields.Integer()
    post_id = fields.Integer()
    post_name = fields.String()


class AlertsOut(Schema):
    today = fields.Date()
    ending = fields.List(fields.Nested(AlertPlacement), metadata=_d("安置期即将届满", "placements ending soon"))
    term_passed = fields.List(fields.Nested(AlertPlacement), metadata=_d(
        "已届满但未办理离岗", "placements past their end with no exit recorded"))
    retiring = fields.List(fields.Nested(AlertRetiring), metadata=_d(
        "在岗人员即将（或已）达到退休年龄", "people on post reaching (or past) the retirement age"))
    vacancies_due = fields.List(fields.Nested(AlertPlacement), metadata=_d("空岗待报告", "vacancy reports due"))
    vacancies_overdue = fields.List(fields.Nested(AlertPlacement), metadata=_d("空岗报告逾期", "vacancy reports overdue"))
