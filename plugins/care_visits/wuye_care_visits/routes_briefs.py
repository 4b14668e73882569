"""简报 / briefs: create (a background job), watch its progress, download the .docx and the .xlsx.

A community's brief needs a care role there; the tenant's brief a tenant-wide care role. Each
download is an export: written to the access log, and the file carries the downloader's
watermark.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import select

from wuye_core.plugins import (
    XLSX_DOC,
    ErrorSchema,
    current_identity,
    db,
    get_for_update,
    page_schema,
    paginate,
)

from . import briefing, issuing
from . import schemas as s
from .access import CareBlueprint, audit, audited, care_community
from .brief import DOCX
from .i18n import N_
from .models import CareBrief, CareBriefCase, CareVisit

blp = CareBlueprint(
    "care_visits_briefs",
    __name__,
    url_prefix="",
    description="走访关爱 · 简报 / Care visits: briefs (Word + Excel, built in the background)",
)


@blp.route("/communities/<int:community_id>/briefs")
class CommunityBriefs(MethodView):
    @audited("list_briefs")
    @blp.arguments(s.BriefQuery, location="query")
    @blp.response(200, page_schema(s.BriefOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """社区的简报（默认最新在前）/ The community's briefs, newest first"""
        care_community(community_id)
        audit(community_id)  # a list view (committed first: the rows are read after it)
        return paginate(select(CareBrief).where(CareBrief.community_id == community_id), CareBrief, args)

    @audited("create_brief")
    @blp.arguments(s.BriefIn, required=False)  # no body: this month
    @blp.response(202, s.BriefOut)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(429, schema=ErrorSchema, description="启动过多 / too many briefs started")
    def post(self, data, community_id):
        """生成社区简报（后台任务）/ Build a community's brief (background job)"""
        care_community(community_id)
        return briefing.start(community_id, data)


@blp.route("/briefs")
class TenantBriefs(MethodView):
    @audited("list_briefs")
    @blp.arguments(s.BriefQuery, location="query")
    @blp.response(200, page_schema(s.BriefOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args):
        """全租户简报（须全租户关爱角色；默认最新在前）/ The tenant's briefs, newest first (tenant-wide care role)"""
        briefing.tenant_scope()
        audit(None)  # a list view (committed first: the rows are read after it)
        return paginate(select(CareBrief).where(CareBrief.community_id.is_(None)), CareBrief, args)

    @audited("create_brief")
    @blp.arguments(s.BriefIn, required=False)  # no body: this month
    @blp.response(202, s.BriefOut)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(429, schema=ErrorSchema, description="启动过多 / too many briefs started")
    def post(self, data):
        """生成全租户简报（后台任务）/ Build the tenant's brief (background job)"""
        briefing.tenant_scope()
        return briefing.start(None, data)


@blp.route("/briefs/<int:brief_id>")
class Brief(MethodView):
    @audited("read_brief")
    @blp.response(200, s.BriefDetailOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, brief_id):
        """简报状态与进度（0–100）/ A brief's status and progress"""
        brief = briefing.find_brief(brief_id)
        audit(brief.community_id, None, "brief", brief.id)
        return brief


@blp.route("/briefs/<int:brief_id>/issue")
class BriefIssue(MethodView):
    @audited("issue_brief")
    @blp.arguments(s.BriefIssueIn)
    @blp.response(202, s.BriefDetailOut)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="已签发或尚未生成 / already issued, or not built yet")
    def post(self, data, brief_id):
        """签发简报（主管）：分配期号（按发文单位与年度），重新生成文件 / Issue the brief (care lead):
        its issue number (per issuing office and year, never reused), office, date, title and next
        steps; the files are built again with the masthead"""
        return briefing.issue(brief_id, data)


def _visit_for_case(brief_id: int, visit_id: int) -> tuple[CareBrief, CareVisit]:
    briefing.require_lead(briefing.find_brief(brief_id))
    brief = get_for_update(CareBrief, brief_id)  # no case changes while the brief is being issued
    visit = db.session.get(CareVisit, visit_id)  # the gate found it, in the brief's community
    care_community(visit.community_id)
    return brief, visit


@blp.route("/briefs/<int:brief_id>/cases/<int:visit_id>")
class BriefCase(MethodView):
    @audited("mark_case")
    @blp.arguments(s.BriefCaseIn)
    @blp.response(200, s.BriefCaseOut)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="已签发 / the brief is issued")
    def put(self, data, brief_id, visit_id):
        """选为典型案例（主管；匿名呈现）/ Mark a visit as a typical case of the brief, with the
        lead's case text (care lead; shown anonymised: no name, phone or ID number, else 422)"""
        brief, visit = _visit_for_case(brief_id, visit_id)
        case = issuing.mark_case(brief, visit, data["text"], current_identity().username)
        audit(visit.community_id, visit.person_id, "brief_case", case.id, commit=False)
        db.session.commit()
        return next(r for r in issuing.case_rows(brief, issuing.brief_year(brief)) if r["id"] == case.id)

    @audited("unmark_case")
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="已签发 / the brief is issued")
    def delete(self, brief_id, visit_id):
        """取消典型案例（主管）/ Unmark a typical case (care lead)"""
        brief, visit = _visit_for_case(brief_id, visit_id)
        if brief.issued:
            abort(409, message=N_("This brief has already been issued."), errors={"issue_number": brief.issue_number})
        case = db.session.scalar(
            select(CareBriefCase).where(CareBriefCase.brief_id == brief.id, CareBriefCase.visit_id == visit.id))
        if case is None:
            abort(404, message=N_("This visit is not a typical case of the brief."))
        audit(visit.community_id, visit.person_id, "brief_case", case.id, commit=False)
        db.session.delete(case)
        db.session.commit()


@blp.route("/briefs/<int:brief_id>/brief.docx")
class BriefDocx(MethodView):
    @audited("export_brief_docx")
    @blp.response(200, {"format": "binary", "type": "string"}, content_type=DOCX)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def get(self, brief_id):
        """下载简报 Word（审计、水印）/ Download the brief (.docx; audited, watermarked)"""
        return briefing.download(brief_id, "docx")


@blp.route("/briefs/<int:brief_id>/ledger.xlsx")
class BriefXlsx(MethodView):
    @audited("export_brief_xlsx")
    @blp.response(200, description="台账 Excel / the ledger as an .xlsx workbook", **XLSX_DOC)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def get(self, brief_id):
        """下载台账 Excel（审计、水印）/ Download the ledger (.xlsx; audited, watermarked)"""
        return briefing.download(brief_id, "xlsx")
