"""API of the yearly assessment (年度考核): roster manager only.

    GET   /communities/<id>/assessments/<year>        every worker on post that year, with their grade
    POST  /communities/<id>/assessments/<year>        record a grade (one per worker and year)
    PATCH /assessments/<assessment_id>                correct it (audited "amended")
    GET   /communities/<id>/assessments/<year>.xlsx   the year's assessments (audited "exported")

The rules are in assessments.py.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from wuye_core.plugins import (
    XLSX_DOC,
    Community,
    ErrorSchema,
    StrictSchema,
    XlsxWriter,
    db,
    download_name,
    page_schema,
    paginate,
    record_audit,
    staff_names,
    xlsx_response,
)

from . import assessments as rules
from . import vocab
from .access import NAME, require_manager, routed
from .i18n import _
from .models import Assessment, Worker

blp = Blueprint("welfare_jobs_assessments", __name__,
                description="公益岗位 · 年度考核 / Public-welfare jobs: yearly assessments")


class AssessmentOut(StrictSchema):
    id = fields.Integer(dump_only=True)
    community_id = fields.Integer(dump_only=True)
    worker_id = fields.Integer(dump_only=True)
    year = fields.Integer(dump_only=True)
    grade = fields.String(dump_only=True)
    grade_label = fields.String(dump_only=True)
    score = fields.Integer(dump_only=True, allow_none=True)
    note = fields.String(dump_only=True, allow_none=True)
    assessed_on = fields.Date(dump_only=True)
    assessed_by = fields.String(dump_only=True)
    assessed_by_name = fields.String(dump_only=True, allow_none=True)
    exit_suggested = fields.Boolean(dump_only=True, metadata={
        "description": "不合格且仍在岗：可据此解除安置（不会自动解除）/ graded incompetent and still on post: "
                       "a reason to end the placement (never ended automatically)"})


class WorkerYearOut(StrictSchema):
    worker_id = fields.Integer(dump_only=True)
    worker_name = fields.String(dump_only=True)
    id_number_masked = fields.String(dump_only=True, allow_none=True)
    post_id = fields.Integer(dump_only=True, allow_none=True)
    post_name = fields.String(dump_only=True, allow_none=True)
    placed_on = fields.Date(dump_only=True, allow_none=True)
    on_post_now = fields.Boolean(dump_only=True)
    assessment = fields.Nested(AssessmentOut, dump_only=True, allow_none=True)
    exit_suggested = fields.Boolean(dump_only=True)


# the path's year, documented: from FIRST_YEAR on (to this year: the server's date)
YEAR_PARAMETER = [{"in": "path", "name": "year", "required": True, "schema": {
    "type": "integer", "minimum": rules.FIRST_YEAR, "maximum": 2**31 - 1, "example": 2026},
    "description": f"年度（{rules.FIRST_YEAR} 年至今年）/ the year ({rules.FIRST_YEAR} to this year)"}]


def year_page(community_id: int, year: int, args: dict) -> dict:
    page = paginate(rules.workers_statement(community_id, year), Worker, args)
    page["items"] = rules.year_items(community_id, year, page["items"])
    return page


@blp.route("/communities/<int:community_id>/assessments/<int:year>", parameters=YEAR_PARAMETER)
class Year(MethodView):
    @blp.arguments(rules.AssessmentQuery, location="query")
    @blp.response(200, page_schema(WorkerYearOut))
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, args, community_id, year):
        """一年的考核：当年任何时候在岗的每个人员及其等次（未考核为 null；不合格且仍在岗者标出）/ The year's
        assessment: every worker on post at any time that year, with their grade (null: not yet)"""
        require_manager(community_id)
        return year_page(community_id, rules.check_year(year), args)

    @blp.arguments(rules.AssessmentIn)
    @blp.response(201, AssessmentOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def post(self, data, community_id, year):
        """登记考核等次（每人每年一次，已有 409；当年不在岗 422）/ Record a worker's grade for the year (one per
        worker and year: 409; not on post that year: 422)"""
        identity = require_manager(community_id)
        return rules.assessment_out(rules.record(community_id, year, data, identity.username))


@blp.route("/assessments/<int:assessment_id>")
class One(MethodView):
    @blp.response(200, AssessmentOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, assessment_id):
        """一条考核记录 / One assessment"""
        assessment = routed(Assessment, assessment_id)
        require_manager(assessment.community_id)
        return rules.assessment_out(assessment)

    @blp.arguments(rules.AssessmentPatch)
    @blp.response(200, AssessmentOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def patch(self, data, assessment_id):
        """更正考核（记入审计：改了哪些字段）/ Correct an assessment (audited: the fields changed)"""
        require_manager(routed(Assessment, assessment_id).community_id)
        assessment = routed(Assessment, assessment_id, lock=True)
        rules.amend(assessment, data)
        return rules.assessment_out(assessment)


def assessments_download(community_id: int, year: int):
    """The year's assessment as an .xlsx (everyone on post that year; the not yet assessed with an
    empty grade), recorded in the audit trail."""
    workers = db.session.scalars(rules.workers_statement(community_id, year).order_by(Worker.name, Worker.id)).all()
    items = rules.year_items(community_id, year, list(workers))
    names = staff_names(sorted({i["assessment"]["assessed_by"] for i in items if i["assessment"]}))
    book = XlsxWriter()
    title = _("%(year)s yearly assessment of public-welfare job workers", year=year)
    sheet = book.sheet(_("Yearly assessment"), header=[
        _("No."), _("Name"), _("ID number"), _("Post"), _("Placed on"), _("Grade"), _("Score"), _("Note"),
        _("Assessed on"), _("Assessed by"), _("Reason to end the placement")],
        widths=[5, 9, 20, 16, 11, 10, 6, 30, 11, 10, 10], freeze="A2", wrap=[4, 8], page_header=title)
    for number, item in enumerate(items, 1):
        a = item["assessment"] or {}
        sheet.append([number, item["worker_name"], item["id_number_masked"], item["post_name"], item["placed_on"],
                      vocab.label(vocab.GRADES, a.get("grade")), a.get("score"), a.get("note"), a.get("assessed_on"),
                      names.get(a.get("assessed_by")) if a else None,
                      _("Yes") if item["exit_suggested"] else None])
    record_audit(NAME, "exported", target_type="assessment_year", target_id=year,
                 details={"rows": len(items), "community_id": community_id})
    community = db.session.get(Community, community_id)
    return xlsx_response(book.save, download_name("welfare-jobs-assessments", community_id, year, ext="xlsx"),
                         download_name(_("Yearly assessment"), community.name, year, ext="xlsx"))


@blp.route("/communities/<int:community_id>/assessments/<int:year>.xlsx", parameters=YEAR_PARAMETER)
class YearXlsx(MethodView):
    @blp.response(200, description="年度考核表 / the year's assessments (.xlsx)", **XLSX_DOC)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, community_id, year):
        """导出年度考核表（Excel，记入审计）/ Export the year's assessments (.xlsx, audited)"""
        require_manager(community_id)
        return assessments_download(community_id, rules.check_year(year))

