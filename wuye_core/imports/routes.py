"""HTTP endpoints of imports.

    GET  /api/v1/communities/<id>/imports/households/template.xlsx   the template (readers)
    POST /api/v1/communities/<id>/imports/households                 upload → 202 + an import job (writers)
    GET  /api/v1/communities/<id>/imports                            the community's imports (readers)
    GET  /api/v1/communities/<id>/imports/<import_id>                one import: progress, counts, errors

The upload is checked (size, content sniffed as a ZIP, opened as a workbook) before it is
stored; the rows are read by the job (imports/tasks.py), which reports per-row errors.
"""

from __future__ import annotations

import zipfile

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from ..api.access import require_staff
from ..api.pagination import page_schema, paginate
from ..common.spreadsheets import XLSX, XLSX_DOC, xlsx_response
from ..errors import ErrorSchema, invalid
from ..extensions import db
from ..households.access import readable_community
from ..households.models import Community, Site
from ..i18n import N_
from ..jobs import enqueue
from ..storage import UploadRejected, check_upload, clean_filename, new_key, sniff
from . import schemas as s
from .households.columns import write_template
from .models import ImportJob, ImportStatus
from .tasks import run_household_import

blp = Blueprint("imports", __name__, url_prefix="/api/v1/communities",
                description="台账导入 / Ledger imports (Excel)")

# Clients name an .xlsx in many ways; what counts is what its bytes are.
XLSX_ALIASES = {XLSX, "application/zip", "application/x-zip-compressed", "application/x-zip", "application/excel",
                "application/vnd.ms-excel", "application/x-excel", "application/wps-office.xlsx"}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .et)
MAX_UNCOMPRESSED = 512 * 1024 * 1024  # a zip bomb is refused before anyone unpacks it

def sniff_xlsx(header: bytes) -> str | None:
    """An .xlsx is a ZIP (checked to hold a workbook afterwards); anything else as `sniff` says."""
    return XLSX if header.startswith(b"PK\x03\x04") else sniff(header)


def _community(community_id: int, write: bool = False) -> Community:
    """404 unless the caller may read the community (another tenant's looks the same); 403 if
    `write` and they may only read it."""
    community = readable_community(community_id)
    if write and not require_staff().can_write(community.id):
        abort(403)
    return community


def _check_workbook(stream) -> None:
    start = stream.tell()
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except Exception:  # not a zip after all, or a broken one
        invalid("file", N_("The file cannot be read as an Excel workbook (.xlsx)."), location="files")
    finally:
        stream.seek(start)
    if "xl/workbook.xml" not in names:
        invalid("file", N_("The file cannot be read as an Excel workbook (.xlsx)."), location="files")
    if unpacked > MAX_UNCOMPRESSED:
        invalid("file", N_("The file is too large."), location="files")


@blp.route("/<int:community_id>/imports/households/template.xlsx", endpoint="household_import_template")
class HouseholdTemplate(MethodView):
    @blp.response(200, description="住户台账模板 / the ledger template", **XLSX_DOC)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, community_id):
        """下载住户台账模板（Excel）/ Download the household ledger template (.xlsx)"""
        community = _community(community_id)
        site = db.session.scalar(select(Site.name).where(Site.community_id == community.id).order_by(Site.id).limit(1))
        return xlsx_response(lambda out: write_template(out, site), f"households-template-{community.id}.xlsx",
                             f"住户台账模板-{community.name}.xlsx")


@blp.route("/<int:community_id>/imports/households", endpoint="household_imports")
class HouseholdImports(MethodView):
    @blp.arguments(s.LedgerUploadIn, location="files")
    @blp.response(202, s.ImportOut)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def post(self, files, community_id):
        """导入住户台账（后台任务）/ Import a household ledger (.xlsx) as a background job"""
        community = _community(community_id, write=True)
        upload = files["file"]
        declared = (upload.mimetype or "").lower()
        header = upload.stream.read(len(OLE2))
        upload.stream.seek(0)
        if header.startswith(OLE2):
            invalid("file", N_("Old .xls workbooks cannot be read: save the file as .xlsx and upload it again."),
                    location="files")
        try:
            content_type, size = check_upload(
                upload.filename, XLSX if declared in XLSX_ALIASES else declared, upload.stream,
                max_bytes=current_app.config["MAX_CONTENT_LENGTH"], allowed_types={XLSX}, sniffer=sniff_xlsx)
        except UploadRejected as exc:
            invalid(exc.field, exc.reason, location="files")
        _check_workbook(upload.stream)
        storage = current_app.extensions["wuye_storage"]
        key = new_key(community.tenant_id, "import")
        storage.put(key, upload.stream, content_type, size)
        job = ImportJob(community_id=community.id, kind="households", status=ImportStatus.queued,
                        filename=clean_filename(upload.filename or "file.xlsx"), storage_key=key,
                        created_by=require_staff().username, errors=[])
        db.session.add(job)
        try:
            db.session.commit()
        except Exception:
            storage.delete(key)  # no row, no file
            raise
        job_id, tenant_id = job.id, job.tenant_id
        if not enqueue(run_household_import, job_id=f"wuye-import-{tenant_id}-{job_id}", tenant_id=tenant_id, import_id=job_id):
            job = db.session.get(ImportJob, job_id)
            job.status, job.storage_key = ImportStatus.failed, None
            job.message = N_("The job queue is not available; please try again later.")
            db.session.commit()
            storage.delete(key)
            abort(503, message=job.message)
        db.session.expire_all()  # an in-process run may have moved it on already
        return db.session.get(ImportJob, job_id)


@blp.route("/<int:community_id>/imports", endpoint="community_imports")
class CommunityImports(MethodView):
    @blp.arguments(s.ImportQuery, location="query")
    @blp.response(200, page_schema(s.ImportOut))
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, args, community_id):
        """社区的导入记录 / A community's imports (oldest first)"""
        community = _community(community_id)
        stmt = select(ImportJob).where(ImportJob.community_id == community.id)
        return paginate(stmt, ImportJob, args["page"], args["per_page"])


@blp.route("/<int:community_id>/imports/<int:import_id>", endpoint="community_import")
class CommunityImport(MethodView):
    @blp.response(200, s.ImportOut)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, community_id, import_id):
        """导入进度与结果 / An import's progress, counts and row errors"""
        community = _community(community_id)
        job = db.session.get(ImportJob, import_id)  # tenant-scoped by the framework
        if job is None or job.community_id != community.id:
            abort(404)
        return job
