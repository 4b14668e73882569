"""简报 / briefs: create (a background job), watch its progress, download the .docx and the .xlsx.

A community's brief needs a care role there; the tenant's brief a tenant-wide care role. Each
download is an export: written to the access log, and the file carries the downloader's
watermark.
"""

from __future__ import annotations

import base64
from urllib.parse import quote

from flask import Response
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import select

from wuye_core.plugins import (
    XLSX_DOC,
    ErrorSchema,
    current_identity,
    current_locale,
    db,
    page_schema,
    paginate,
    record_audit,
    require_staff,
    services,
    xlsx_response,
)

from . import schemas as s
from .access import NAME, CareBlueprint, audit, audited, care_community, holds_care_role, watermark
from .brief import DOCX, defuse_formulas, stamp
from .i18n import N_, _
from .limits import check_brief_start
from .models import CareBrief

blp = CareBlueprint(
    "care_visits_briefs",
    __name__,
    url_prefix="",
    description="走访关爱 · 简报 / Care visits: briefs (Word + Excel, built in the background)",
)


def _create(community_id: int | None, data: dict) -> CareBrief:
    check_brief_start(community_id)  # 422 past the size cap, 429 past the caller's budget (limits.py)
    brief = CareBrief(
        community_id=community_id,
        period_start=data["period_start"],
        period_end=data["period_end"],
        status="queued",
        progress=0,
        created_by=current_identity().username,
    )
    db.session.add(brief)
    db.session.flush()
    audit(community_id, None, "brief", brief.id)  # commits the brief with it
    # The brief is written in the language of whoever asks for it.
    if not services.enqueue_job(NAME, "build_brief", brief_id=brief.id, locale=current_locale()):
        brief.status, brief.error = (  # Redis could not take it
            "failed",
            _("The job queue is unavailable; please try again later."),
        )
        db.session.commit()
    db.session.expire_all()
    return db.session.get(CareBrief, brief.id)


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
    @blp.arguments(s.BriefIn)
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
    @blp.arguments(s.BriefIn)
    @blp.response(202, s.BriefOut)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(429, schema=ErrorSchema, description="启动过多 / too many briefs started")
    def post(self, data):
        """生成全租户简报（后台任务）/ Build the tenant's brief (background job)"""
        _tenant_scope()
        return _create(None, data)


@blp.route("/briefs/<int:brief_id>")
class Brief(MethodView):
    @audited("read_brief")
    @blp.response(200, s.BriefOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, brief_id):
        """简报状态与进度（0–100）/ A brief's status and progress"""
        brief = _brief(brief_id)
        audit(brief.community_id, None, "brief", brief.id)
        return brief


def _download(brief_id: int, kind: str) -> Response:
    brief = _brief(brief_id)
    if brief.status != "done":
        abort(409, message=N_("The brief is not ready yet."))
    audit(brief.community_id, None, "brief", brief.id)
    content = base64.b64decode(getattr(brief, kind))
    if kind == "xlsx":
        content = defuse_formulas(content)  # a ledger stored before the safe writer
    content = stamp(content, watermark())
    name = _("Care visits brief-%(start)s-%(end)s", start=brief.period_start.isoformat(),
             end=brief.period_end.isoformat()) + f".{kind}"
    if kind == "xlsx":
        return xlsx_response(content, f"care-brief-{brief.id}.xlsx", name)
    return Response(
        content,
        mimetype=DOCX,
        headers={
            "Content-Disposition": f"attachment; filename=care-brief-{brief.id}.{kind}; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


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
