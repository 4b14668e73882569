"""简报 / briefs: create (a background job), watch its progress, download the .docx and the .xlsx.

A community's brief needs a care role there; the tenant's brief a tenant-wide care role. Each
download is an export: written to the access log, and the file carries the downloader's
watermark.
"""

from __future__ import annotations

import base64

from flask import Response
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import select

from wuye_core.plugins import (
    XLSX_DOC,
    Community,
    ErrorSchema,
    current_identity,
    current_locale,
    db,
    download_name,
    download_response,
    get_for_update,
    page_schema,
    paginate,
    record_audit,
    require_staff,
    services,
    store_note,
    tenant_name,
    xlsx_response,
)

from . import issuing
from . import schemas as s
from .access import NAME, CareBlueprint, audit, audited, care_community, holds_care_role, watermark
from .brief import DOCX, defuse_formulas, stamp
from .i18n import N_, _
from .limits import check_brief_start
from .models import CareBrief, CareBriefCase, CareVisit

blp = CareBlueprint(
    "care_visits_briefs",
    __name__,
    url_prefix="",
    description="走访关爱 · 简报 / Care visits: briefs (Word + Excel, built in the background)",
)


def _enqueue(brief: CareBrief) -> CareBrief:
    """Build the brief's files in the background, in the caller's language (after the commit)."""
    if not services.enqueue_job(NAME, "build_brief", brief_id=brief.id, locale=current_locale()):
        brief.status, brief.error = (  # Redis could not take it: stored once, read in each reader's language
            "failed",
            store_note(N_("The job queue is unavailable; please try again later."), 300),
        )
        db.session.commit()
    db.session.expire_all()
    return db.session.get(CareBrief, brief.id)


def _create(community_id: int | None, data: dict) -> CareBrief:
    check_brief_start(community_id)  # 422 past the size cap, 429 past the caller's budget (limits.py)
    brief = CareBrief(
        community_id=community_id,
        period_start=data["first"],
        period_end=data["last"],
        status="queued",
        progress=0,
        created_by=current_identity().username,
    )
    db.session.add(brief)
    db.session.flush()
    audit(community_id, None, "brief", brief.id)  # commits the brief with it
    return _enqueue(brief)  # the brief is written in the language of whoever asks for it


def _tenant_scope() -> None:
    """The tenant's brief: only a tenant-wide care role (404 for anyone else)."""
    if not holds_care_role(require_staff(), None):
        abort(404)


def _brief(brief_id: int) -> CareBrief:
    brief = db.session.get(CareBrief, brief_id)
    if brief is None:
        abort(404)
    if brief.community_id is None:
        _tenant_scope()
    else:
        care_community(brief.community_id)
    return brief


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
        return _create(community_id, data)


@blp.route("/briefs")
class TenantBriefs(MethodView):
    @audited("list_briefs")
    @blp.arguments(s.BriefQuery, location="query")
    @blp.response(200, page_schema(s.BriefOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args):
        """全租户简报（须全租户关爱角色；默认最新在前）/ The tenant's briefs, newest first (tenant-wide care role)"""
        _tenant_scope()
        audit(None)  # a list view (committed first: the rows are read after it)
        return paginate(select(CareBrief).where(CareBrief.community_id.is_(None)), CareBrief, args)

    @audited("create_brief")
    @blp.arguments(s.BriefIn, required=False)  # no body: this month
    @blp.response(202, s.BriefOut)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(429, schema=ErrorSchema, description="启动过多 / too many briefs started")
    def post(self, data):
        """生成全租户简报（后台任务）/ Build the tenant's brief (background job)"""
        _tenant_scope()
        return _create(None, data)


def _lead(brief: CareBrief) -> None:
    """The care lead: a supervisor of the brief's community, or tenant-wide for the tenant's (404 else)."""
    if not holds_care_role(require_staff(), brief.community_id, supervisor=True):
        abort(404)


@blp.route("/briefs/<int:brief_id>")
class Brief(MethodView):
    @audited("read_brief")
    @blp.response(200, s.BriefDetailOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, brief_id):
        """简报状态与进度（0–100）/ A brief's status and progress"""
        brief = _brief(brief_id)
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
        _lead(_brief(brief_id))
        brief = get_for_update(CareBrief, brief_id)  # the brief first, then the office's counter
        issuing.issue(brief, data, current_identity().username, current_locale())
        audit(brief.community_id, None, "brief", brief.id)  # commits the number with the brief
        return _enqueue(brief)


def _visit_for_case(brief_id: int, visit_id: int) -> tuple[CareBrief, CareVisit]:
    _lead(_brief(brief_id))
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


def _download(brief_id: int, kind: str) -> Response:
    brief = _brief(brief_id)
    if brief.status != "done":
        abort(409, message=N_("The brief is not ready yet."))
    audit(brief.community_id, None, "brief", brief.id)
    content = base64.b64decode(getattr(brief, kind))
    if kind == "xlsx":
        content = defuse_formulas(content)  # a ledger stored before the safe writer
    content = stamp(content, watermark())
    # 关爱走访简报-稻香社区-2026-12-01至2026-12-31.docx / 关爱走访台账-….xlsx (the tenant's name for its brief)
    community = db.session.get(Community, brief.community_id) if brief.community_id is not None else None
    scope = community.name if community is not None else tenant_name()
    span = _("%(start)s to %(end)s", start=brief.period_start.isoformat(), end=brief.period_end.isoformat())
    title = _("Care visits brief") if kind == "docx" else _("Care visits ledger")
    name = download_name(title, scope, span, ext=kind)
    ascii_name = download_name("care", "brief" if kind == "docx" else "ledger", brief.id, brief.period_start,
                               brief.period_end, ext=kind)
    if kind == "xlsx":
        return xlsx_response(content, ascii_name, name)
    return download_response(content, ascii_name, name, DOCX)


@blp.route("/briefs/<int:brief_id>/brief.docx")
class BriefDocx(MethodView):
    @audited("export_brief_docx")
    @blp.response(200, {"format": "binary", "type": "string"}, content_type=DOCX)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def get(self, brief_id):
        """下载简报 Word（审计、水印）/ Download the brief (.docx; audited, watermarked)"""
        record_audit(NAME, "exported", target_type="brief", target_id=brief_id, details={"file": "brief.docx"})
        return _download(brief_id, "docx")


@blp.route("/briefs/<int:brief_id>/ledger.xlsx")
class BriefXlsx(MethodView):
    @audited("export_brief_xlsx")
    @blp.response(200, description="台账 Excel / the ledger as an .xlsx workbook", **XLSX_DOC)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    def get(self, brief_id):
        """下载台账 Excel（审计、水印）/ Download the ledger (.xlsx; audited, watermarked)"""
        record_audit(NAME, "exported", target_type="brief", target_id=brief_id, details={"file": "ledger.xlsx"})
        return _download(brief_id, "xlsx")
