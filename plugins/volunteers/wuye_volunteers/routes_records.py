"""The API of service records, corrections, certificates, yearly hours and the 在职党员 report,
under /api/v1/plugins/volunteers:

    GET   /communities/<id>/records                  the community's records (member, source, team, from/to)
    POST  /communities/<id>/records                  a record entered by the manager (source "manual")
    GET   /records/<record_id>                       one record, its corrections and the certificates holding it
    PATCH /records/<record_id>                       correct it (manager; a reason; audited "amended")
    GET   /members/<member_id>/records               a member's records
    GET   /communities/<id>/certificates             certificates issued (manager)
    POST  /communities/<id>/certificates             issue one for a member and a period (manager)
    GET   /certificates/<certificate_id>             one certificate
    GET   /certificates/<certificate_id>/certificate.docx   the document (manager; audited "exported")
    GET   /communities/<id>/hours/<year>             the year: the community's total and each team's
    GET   /communities/<id>/hours/<year>/people      the year's people, ranked (a page)
    GET   /communities/<id>/hours/<year>.xlsx        people and teams (manager; audited "exported")
    GET   /communities/<id>/party-report             serving party members by workplace organisation (manager)
    GET   /communities/<id>/party-report.xlsx        the same as a workbook (manager; audited "exported")

Who: the records and the year's hours are read by the alliance's manager and its activity
organisers (they name members); entering and correcting records, certificates, the exports and the
party report are the manager's. Durations are integer minutes (`minutes`); figures are `Minutes()`.
The schemas and helpers above the routes are shared with the console's pages (console_records.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from wuye_core.plugins import (
    LOCAL_TZ,
    XLSX_DOC,
    Count,
    ErrorSchema,
    Id,
    Minutes,
    PageArgs,
    Sort,
    StrictSchema,
    Text,
    current_identity,
    local_today,
    page_schema,
    paginate,
)

from . import certificates, party_report, record_corrections, records, vocab, yearly
from .access import require_manager, require_organiser, routed
from .i18n import N_
from .models import Certificate, Member, ServiceRecord

blp = Blueprint("volunteers_records", __name__, description="居民服务联盟 · 服务记录与证明 / Volunteer alliance: service records and certificates")

DATES = validate.Range(min=date(2000, 1, 1), max=date(2099, 12, 31))
YEARS_20XX = "^20[0-9]{2}-"  # the years DATES allows, as the document states them
# the instants whose text starts with a year 2000–2099, whatever the offset given (as the notices allow)
INSTANTS = validate.Range(min=datetime(1999, 12, 31, tzinfo=UTC), max=datetime(2100, 1, 2, tzinfo=UTC))
MAX_PARTY_DAYS = 3 * 366


def doc(zh: str, en: str) -> dict:
    return {"description": f"{zh} / {en}"}


def _year_d(zh: str, en: str) -> dict:
    """A date's description and the years it may have (2000–2099), as PeriodArgs documents them."""
    return {**doc(zh, en), "pattern": YEARS_20XX}


def _codes(vocabulary: dict) -> str:
    return ", ".join(vocabulary)


def _instant(description: dict, **kwargs):
    return fields.AwareDateTime(default_timezone=LOCAL_TZ, validate=INSTANTS,
                                metadata={"pattern": YEARS_20XX, **description}, **kwargs)


def _actor() -> str:
    return current_identity().username


# --- schemas -----------------------------------------------------------------------------------------


class RecordQuery(PageArgs):
    member_id = Id(metadata=doc("成员", "a member's records"))
    team_id = Id(metadata=doc("队伍：其成员的记录", "a team: its members' records"))
    source = fields.String(validate=validate.OneOf(list(vocab.RECORD_SOURCES)),
                           metadata=doc("来源", "source: " + _codes(vocab.RECORD_SOURCES)))
    first = fields.Date(data_key="from", validate=DATES, metadata=_year_d(
        "服务开始日期不早于（北京时间，含）", "service started on or after (Beijing date)"))
    last = fields.Date(data_key="to", validate=DATES, metadata=_year_d(
        "服务开始日期不晚于（北京时间，含）", "service started on or before (Beijing date)"))
    sort = Sort("id", "started_at", "minutes")

    @validates_schema
    def _order(self, data, **kwargs):
        if data.get("first") and data.get("last") and data["first"] > data["last"]:
            raise ValidationError(N_("The start of the period is after its end."), "from")


class MemberRecordQuery(RecordQuery):
    """A member's records: the same filters, but the member is the URL's and teams do not apply."""

    class Meta:
        exclude = ("member_id", "team_id")


class RecordOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    member_id = fields.Integer()
    member_name = fields.String(allow_none=True)
    source = fields.String(metadata=doc("来源", "source: " + _codes(vocab.RECORD_SOURCES)))
    source_label = fields.String()
    source_id = fields.Integer(allow_none=True, metadata=doc("活动或任务 id（手工记录为空）",
                                                            "the activity or task (null: entered by hand)"))
    content = fields.String(metadata=doc("服务内容", "what the service was"))
    place = fields.String(metadata=doc("服务地点", "where"))
    started_at = fields.DateTime()
    ended_at = fields.DateTime()
    minutes = fields.Integer(metadata=doc("计入的服务时长（分钟）", "minutes of service counted"))
    organiser = fields.String(metadata=doc("组织单位", "the organiser, as certificates print it"))
    evaluation = fields.String(allow_none=True, metadata=doc("评价", "evaluation: " + _codes(vocab.EVALUATIONS)))
    evaluation_label = fields.String(allow_none=True)
    confirmed_by = fields.String()
    confirmed_by_name = fields.String()
    confirmed_at = fields.DateTime()
    corrections = fields.Integer(metadata=doc("更正次数", "how many times it was corrected"))


class RecordCorrectionOut(Schema):
    id = fields.Integer()
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields",
                          metadata=doc("更正的字段", "the fields corrected"))
    changes = fields.Dict(keys=fields.String(), values=fields.List(fields.Raw()), metadata=doc(
        "每个字段的更正前、更正后的值", "each field's value before and after: {field: [before, after]}"))
    reason = fields.String()
    by = fields.String()
    by_name = fields.String()
    at = fields.DateTime()


class CertificateRef(Schema):
    id = fields.Integer()
    number = fields.String()
    issued_at = fields.DateTime()


class RecordDetailOut(RecordOut):
    history = fields.List(fields.Nested(RecordCorrectionOut), metadata=doc("更正记录，最早的在前",
                                                                    "the corrections, oldest first"))
    certificates = fields.List(fields.Nested(CertificateRef), metadata=doc(
        "期间包含这条记录的已出具证明（证明保留出具时的数字）",
        "certificates already issued whose period holds this record (they keep their figures as issued)"))


class ManualRecordIn(StrictSchema):
    member_id = Id(required=True, metadata=doc("本社区的成员", "a member of the community"))
    content = Text(500, min_length=1, required=True, metadata=doc("服务内容", "what the service was"))
    place = Text(200, min_length=1, required=True, metadata=doc("服务地点", "where"))
    started_at = _instant(doc("开始时间（不带时区按北京时间）", "start (no offset: Beijing time)"), required=True)
    ended_at = _instant(doc("结束时间（已结束的服务）", "end (service already done)"), required=True)
    minutes = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 24 * 60), metadata=doc(
        "计入的分钟数（默认为起止之间的时长，不超过单条上限）",
        "minutes counted (default: the time between start and end, at most the community's max_record_minutes)"))
    organiser = Text(100, load_default=None, allow_none=True, metadata=doc(
        "组织单位（默认为联盟名称）", "the organiser (default: the alliance's name)"))
    evaluation = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(vocab.EVALUATIONS)),
                               metadata=doc("评价", "evaluation: " + _codes(vocab.EVALUATIONS)))

    @validates_schema
    def _order(self, data, **kwargs):
        if data.get("started_at") and data.get("ended_at") and data["ended_at"] <= data["started_at"]:
            raise ValidationError(N_("The end must be after the start."), "ended_at")


class RecordPatch(StrictSchema):
    """A correction: the fields to change (at least one) and why."""

    minutes = fields.Integer(validate=validate.Range(1, 24 * 60), metadata=doc("分钟数", "minutes counted"))
    content = Text(500, min_length=1)
    place = Text(200, min_length=1)
    started_at = _instant(doc("开始时间（不带时区按北京时间）", "start (no offset: Beijing time)"))
    ended_at = _instant(doc("结束时间", "end"))
    evaluation = fields.String(allow_none=True, validate=validate.OneOf(list(vocab.EVALUATIONS)),
                               metadata=doc("评价（null：清除）", "evaluation (null: none)"))
    reason = Text(300, min_length=1, required=True, metadata=doc("更正原因（必填）", "why (required)"))

    @validates_schema
    def _something(self, data, **kwargs):
        if not set(data) & set(record_corrections.FIELDS):
            raise ValidationError(N_("Send at least one field to correct."), "_schema")


class CertificateQuery(PageArgs):
    member_id = Id(metadata=doc("成员", "a member's certificates"))
    sort = Sort("id")


class CertificateIn(StrictSchema):
    member_id = Id(required=True, metadata=doc("本社区的成员", "a member of the community"))
    period_start = fields.Date(required=True, validate=DATES, metadata=_year_d("证明期间首日（北京时间）",
                                                                          "first day of the period (Beijing)"))
    period_end = fields.Date(required=True, validate=DATES, metadata=_year_d("证明期间末日（含，不晚于今天）",
                                                                        "last day of the period (included, today at most)"))
    purpose = Text(200, load_default=None, allow_none=True, metadata=doc("用途（如升学、评优）",
                                                                         "what it is for (school, an award…)"))

    @validates_schema
    def _period(self, data, **kwargs):
        first, last = data.get("period_start"), data.get("period_end")
        if first and last and first > last:
            raise ValidationError(N_("The start of the period is after its end."), "period_start")
        if last and last > local_today():
            raise ValidationError(N_("The period cannot end after today."), "period_end")


class CertificateOut(Schema):
    id = fields.Integer()
    community_id = fields.Integer()
    member_id = fields.Integer()
    member_name = fields.String(allow_none=True)
    number = fields.String(metadata=doc("证明编号", "the certificate's number"))
    period_start = fields.Date()
    period_end = fields.Date()
    records = fields.Integer(metadata=doc("出具时的服务次数", "services counted when issued"))
    minutes = fields.Integer(metadata=doc("出具时的累计服务时长（分钟）", "minutes of service when issued"))
    purpose = fields.String(allow_none=True)
    issued_by = fields.String()
    issued_by_name = fields.String()
    issued_at = fields.DateTime()


class YearTotals(Schema):
    services = Count(metadata=doc("服务次数", "service records"))
    people = Count(metadata=doc("服务人数", "members who served"))
    minutes = Minutes(metadata=doc("服务时长", "minutes of service"))


class TeamHoursOut(Schema):
    team_id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    active = fields.Boolean()
    members = Count(metadata=doc("现有成员数", "members now"))
    services = Count(metadata=doc("成员的服务次数", "its members' service records"))
    people = Count(metadata=doc("服务人数", "its members who served"))
    minutes = Minutes(metadata=doc("成员的服务时长", "its members' minutes of service"))


class YearOut(Schema):
    year = fields.Integer()
    community_id = fields.Integer()
    totals = fields.Nested(YearTotals, metadata=doc("全社区（每条记录计一次）", "the community (each record once)"))
    teams = fields.List(fields.Nested(TeamHoursOut), metadata=doc(
        "各队伍（成员属多个队伍时各计一次），按时长从多到少", "each team (a member in several counts in each), by minutes"))


class PeopleQuery(PageArgs):
    sort = Sort("id", "rank", "minutes", "services", default="rank",
                descriptions={"rank": "按时长排名（1 为最多）/ by minutes, 1 = the most"})


class PersonHoursOut(Schema):
    id = fields.Integer(metadata=doc("成员 id", "the member's id"))
    member_id = fields.Integer()
    rank = fields.Integer(metadata=doc("名次（时长相同名次相同）", "rank by minutes (equal minutes, equal rank)"))
    name = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    party_org = fields.String(allow_none=True)
    status = fields.String()
    services = Count(metadata=doc("服务次数", "service records"))
    minutes = Minutes(metadata=doc("服务时长", "minutes of service"))


class PartyReportQuery(Schema):
    year = fields.Integer(validate=validate.Range(yearly.FIRST_YEAR, 2099), metadata=doc(
        "年度（默认今年；与 from/to 二选一）", "a year (default this year; or from/to)"))
    first = fields.Date(data_key="from", validate=DATES, metadata=_year_d(
        "期间首日（只填 to 时为该年 1 月 1 日）", "first day (to alone: January 1 of its year)"))
    last = fields.Date(data_key="to", validate=DATES, metadata=_year_d("期间末日（只填 from 时为今天）",
                                                                  "last day (from alone: today)"))

    @validates_schema
    def _one(self, data, **kwargs):
        if data.get("year") is not None and (data.get("first") or data.get("last")):
            raise ValidationError(N_("Give a year or a period, not both."), "year")
        first, last = party_period(data)
        if first > last:
            raise ValidationError(N_("The start of the period is after its end."), "from")
        if (last - first).days >= MAX_PARTY_DAYS:
            raise ValidationError(N_("The period may be at most three years long."), "to" if data.get("last") else "from")


def party_period(args: dict) -> tuple[date, date]:
    """The report's period: the year asked (default this year), or from/to."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        year = args.get("year") or local_today().year
        return date(year, 1, 1), date(year, 12, 31)
    if last is None:
        return first, local_today()
    if first is None:
        return date(last.year, 1, 1), last
    return first, last


class PartyMemberOut(Schema):
    member_id = fields.Integer()
    name = fields.String()
    party_reported_on = fields.Date(allow_none=True, metadata=doc("进社区报到日期", "reported to the community on"))
    joined_on = fields.Date()
    status = fields.String()
    left_on = fields.Date(allow_none=True)
    services = Count()
    minutes = Minutes()
    below = fields.Boolean(metadata=doc("低于应服务时长", "below the expected minutes"))


class PartyGroupOut(Schema):
    party_org = fields.String(allow_none=True, metadata=doc("工作单位党组织（空：未填写）",
                                                           "the workplace party organisation (null: not given)"))
    name = fields.String(metadata=doc("显示名称", "as shown"))
    contact = fields.String(allow_none=True, metadata=doc("对方联系人", "who receives the report there"))
    people = Count()
    services = Count()
    minutes = Minutes()
    below = Count(metadata=doc("低于应服务时长的人数", "members below the expected minutes"))
    members = fields.List(fields.Nested(PartyMemberOut))


class PartyTotals(Schema):
    people = Count()
    services = Count()
    minutes = Minutes()
    below = Count()


class PartyReportOut(Schema):
    community_id = fields.Integer()
    first = fields.Date(data_key="from")
    last = fields.Date(data_key="to")
    whole_year = fields.Boolean()
    expected_minutes = Minutes(metadata=doc("期间内应服务时长（年度要求按天数折算）",
                                           "minutes expected in the period (the yearly hours, by days)"))
    groups = fields.List(fields.Nested(PartyGroupOut))
    totals = fields.Nested(PartyTotals)


YEAR_PARAMETER = [{"in": "path", "name": "year", "required": True, "schema": {
    "type": "integer", "minimum": yearly.FIRST_YEAR, "maximum": 2**31 - 1, "example": 2026},
    "description": f"年度（{yearly.FIRST_YEAR} 年至今年）/ the year ({yearly.FIRST_YEAR} to this year)"}]


# --- shared with the console -------------------------------------------------------------------------


def record_page(community_id: int, args: dict) -> dict:
    page = paginate(records.list_query(community_id, args), ServiceRecord, args)
    page["items"] = records.records_out(page["items"])
    return page


def member_record_page(member: Member, args: dict) -> dict:
    page = paginate(records.member_query(member.id, args), ServiceRecord, args)
    page["items"] = records.records_out(page["items"])
    return page


def certificate_page(community_id: int, args: dict) -> dict:
    page = paginate(certificates.list_query(community_id, args), Certificate, args)
    page["items"] = certificates.certificates_out(page["items"])
    return page


def people_page(community_id: int, year: int, args: dict) -> dict:
    page = paginate(yearly.people_statement(community_id, year), Member, args, columns=yearly.PEOPLE_COLUMNS)
    page["items"] = yearly.people_out(page["items"])
    return page


# --- records -----------------------------------------------------------------------------------------


@blp.route("/communities/<int:community_id>/records")
class Records(MethodView):
    @blp.arguments(RecordQuery, location="query")
    @blp.response(200, page_schema(RecordOut))
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """服务记录（管理员、活动组织者）：按成员、来源、队伍、期间筛选 / The community's service records
        (manager, organisers), by member, source, team, period"""
        require_organiser(community_id)
        return record_page(community_id, args)

    @blp.arguments(ManualRecordIn)
    @blp.response(201, RecordDetailOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, data, community_id):
        """补录服务记录（管理员）：活动或任务以外的服务 / Enter a record by hand (manager): service done
        outside an activity or a task"""
        require_manager(community_id)
        return records.record_detail(records.add_manual(community_id, data, _actor()))


@blp.route("/records/<int:record_id>")
class OneRecord(MethodView):
    @blp.response(200, RecordDetailOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, record_id):
        """一条服务记录，含更正记录 / A record, with its corrections"""
        record = routed(ServiceRecord, record_id)
        require_organiser(record.community_id)
        return records.record_detail(record)

    @blp.arguments(RecordPatch)
    @blp.response(200, RecordDetailOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def patch(self, data, record_id):
        """更正服务记录（管理员，须写原因；留存更正前后的值，记入审计）/ Correct a record (manager, with a
        reason; the values before and after are kept; audited)"""
        record = routed(ServiceRecord, record_id)
        require_manager(record.community_id)
        record, _correction = record_corrections.correct(record.id, data, _actor())
        return records.record_detail(record)


@blp.route("/members/<int:member_id>/records")
class MemberRecords(MethodView):
    @blp.arguments(MemberRecordQuery, location="query")
    @blp.response(200, page_schema(RecordOut))
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, member_id):
        """一位成员的服务记录 / A member's service records"""
        member = routed(Member, member_id)
        require_organiser(member.community_id)
        return member_record_page(member, args)


# --- certificates ------------------------------------------------------------------------------------


@blp.route("/communities/<int:community_id>/certificates")
class Certificates(MethodView):
    @blp.arguments(CertificateQuery, location="query")
    @blp.response(200, page_schema(CertificateOut))
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """已出具的志愿服务证明（管理员）/ Certificates issued (manager)"""
        require_manager(community_id)
        return certificate_page(community_id, args)

    @blp.arguments(CertificateIn)
    @blp.response(201, CertificateOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, data, community_id):
        """出具志愿服务证明（管理员）：编号按租户、年度连续；期间内没有记录 422 / Issue a certificate
        (manager): numbered in sequence per tenant and year; a period without records is a 422"""
        require_manager(community_id)
        return certificates.certificates_out([certificates.issue(community_id, data, _actor())])[0]


@blp.route("/certificates/<int:certificate_id>")
class OneCertificate(MethodView):
    @blp.response(200, CertificateOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, certificate_id):
        """一份证明 / A certificate"""
        certificate = routed(Certificate, certificate_id)
        require_manager(certificate.community_id)
        return certificates.certificates_out([certificate])[0]


@blp.route("/certificates/<int:certificate_id>/certificate.docx")
class CertificateDocx(MethodView):
    @blp.response(200, {"format": "binary", "type": "string"}, content_type=certificates.DOCX,
                  description="志愿服务证明（Word）/ the certificate (.docx)")
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, certificate_id):
        """下载证明（A4，打印盖章；数字为出具时的；记入审计）/ The certificate as Word (A4, to print and
        stamp; the figures as issued; audited)"""
        certificate = routed(Certificate, certificate_id)
        require_manager(certificate.community_id)
        return certificates.download(certificate)


# --- yearly hours ------------------------------------------------------------------------------------


@blp.route("/communities/<int:community_id>/hours/<int:year>", parameters=YEAR_PARAMETER)
class YearHours(MethodView):
    @blp.response(200, YearOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, community_id, year):
        """年度服务时长：全社区合计和各队伍 / The year's hours: the community's total and each team's"""
        require_organiser(community_id)
        return yearly.summary(community_id, yearly.check_year(year))


@blp.route("/communities/<int:community_id>/hours/<int:year>/people", parameters=YEAR_PARAMETER)
class YearPeople(MethodView):
    @blp.arguments(PeopleQuery, location="query")
    @blp.response(200, page_schema(PersonHoursOut))
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, args, community_id, year):
        """年度个人服务时长排名 / The year's people, ranked by hours"""
        require_organiser(community_id)
        return people_page(community_id, yearly.check_year(year), args)


@blp.route("/communities/<int:community_id>/hours/<int:year>.xlsx", parameters=YEAR_PARAMETER)
class YearXlsx(MethodView):
    @blp.response(200, description="年度服务时长（个人、队伍）/ the year's hours: people and teams (.xlsx)",
                  **XLSX_DOC)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, community_id, year):
        """年度服务时长表（管理员；含姓名，记入审计）/ The year's hours as Excel (manager; names; audited)"""
        require_manager(community_id)
        return yearly.download(community_id, yearly.check_year(year))


# --- the 在职党员 report -----------------------------------------------------------------------------


@blp.route("/communities/<int:community_id>/party-report")
class PartyReport(MethodView):
    @blp.arguments(PartyReportQuery, location="query")
    @blp.response(200, PartyReportOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """在职党员进社区服务情况（管理员）：按工作单位党组织分组，标出低于应服务时长的 / Serving party
        members' service by workplace party organisation (manager), those below the expected hours flagged"""
        require_manager(community_id)
        return party_report.report(community_id, *party_period(args))


@blp.route("/communities/<int:community_id>/party-report.xlsx")
class PartyReportXlsx(MethodView):
    @blp.arguments(PartyReportQuery, location="query")
    @blp.response(200, description="在职党员服务情况表 / the serving party members' report (.xlsx)", **XLSX_DOC)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """在职党员服务情况表（管理员；含姓名，记入审计）/ The report as Excel (manager; names; audited)"""
        require_manager(community_id)
        return party_report.download(party_report.report(community_id, *party_period(args)))

