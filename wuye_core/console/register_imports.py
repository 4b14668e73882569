"""The household ledger import at the console: the upload form, the import's page with a progress
bar that htmx refreshes from a fragment every second while the job runs, and the row errors as a
table once it is done. The upload, its checks and the job are the API's (imports/service.py);
the fragment reads the same import record `GET /api/v1/communities/<id>/imports/<import_id>`
reads, dumped by the same schema (ImportOut: row errors in the reader's language)."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from ..api.pagination import paginate
from ..i18n import _
from ..imports.models import ImportJob, ImportStatus
from ..imports.schemas import ImportOut, LedgerUploadIn
from ..imports.service import (
    community_import,
    household_template,
    import_community,
    imports_statement,
    start_household_import,
)
from .blueprint import bp
from .forms import console_form, domain_errors
from .register import trail_of_community

FINISHED = (ImportStatus.done, ImportStatus.failed)


def percent(job: dict) -> int:
    """How far the import is, 0–100 (100 once finished, whatever the rows)."""
    if job["status"] in FINISHED:
        return 100
    total = job.get("total_rows")
    if not total:
        return 0
    return min(99, int(100 * (job.get("processed_rows") or 0) / total))


def _crumbs(community, *more):
    return [*trail_of_community(community),
            (_("Import households"), url_for("console.register_import", community_id=community.id)), *more]


@bp.route("/register/communities/<int:community_id>/import", methods=["GET", "POST"])
def register_import(community_id: int):
    """导入住户台账（Excel）：上传后进入进度页；下方为本社区的导入记录。"""
    community = import_community(community_id)
    errors: dict = {}
    if request.method == "POST":
        upload = request.files.get("file")
        data, errors = console_form(LedgerUploadIn(), {"file": upload} if upload and upload.filename else {})
        if not errors:
            try:
                job = start_household_import(import_community(community_id, write=True), data["file"])
            except Exception as exc:
                errors = domain_errors(exc)
                if errors is None:
                    raise
            else:
                return redirect(url_for("console.register_import_job", community_id=community_id, import_id=job.id))
        community = import_community(community_id)
    args = {"page": max(1, request.args.get("page", 1, type=int) or 1), "per_page": 10, "sort": (("id", True),)}
    page = paginate(imports_statement(community), ImportJob, args)
    page = {**page, "items": ImportOut(many=True, only=("id", "status", "filename", "total_rows", "created", "updated",
                                                        "unchanged", "failed", "created_by", "created_at"))
            .dump(page["items"])}
    return render_template("console/register/import.html", current="register", community=community, errors=errors,
                           page=page, writable=g.identity.can_write(community.id),
                           crumbs=_crumbs(community)), 422 if errors else 200


@bp.route("/register/communities/<int:community_id>/import/template.xlsx")
def register_import_template(community_id: int):
    """下载住户台账模板（与 API 相同）。"""
    return household_template(import_community(community_id))


def _job(community_id: int, import_id: int) -> dict:
    return ImportOut().dump(community_import(community_id, import_id))


@bp.route("/register/communities/<int:community_id>/imports/<int:import_id>")
def register_import_job(community_id: int, import_id: int):
    """一次导入：进度条（每秒刷新），完成后显示各项数量与行错误表。"""
    job = _job(community_id, import_id)
    community = import_community(community_id)
    crumbs = _crumbs(community, (_("Import %(id)s", id=import_id),
                                 url_for("console.register_import_job", community_id=community_id,
                                         import_id=import_id)))
    return render_template("console/register/import_job.html", current="register", community=community, job=job,
                           percent=percent(job), finished=job["status"] in FINISHED, crumbs=crumbs)


@bp.route("/register/communities/<int:community_id>/imports/<int:import_id>/progress")
def register_import_progress(community_id: int, import_id: int):
    """进度片段（htmx 每秒请求一次，直到导入结束）。"""
    job = _job(community_id, import_id)
    return render_template("console/register/_import_progress.html", community_id=community_id, job=job,
                           percent=percent(job), finished=job["status"] in FINISHED)
