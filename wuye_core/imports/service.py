"""Imports as services, for every edge (the API's imports/routes.py, the console's register pages):
who may import into a community, the checks of an upload, starting the job, reading its record,
the template. Each raises the API's errors (DomainError, HTTP aborts); the caller renders them.

    community = import_community(community_id, write=True)   # 404 / 403
    job = start_household_import(community, upload)           # a FileStorage → ImportJob (committed)
    job = community_import(community_id, import_id)           # progress, counts, row errors
"""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_smorest import abort
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from ..api.access import require_staff
from ..api.throttle import throttle
from ..common.spreadsheets import XLSX, download_name, xlsx_response
from ..errors import invalid
from ..extensions import db
from ..households.access import readable_community
from ..households.models import Community, Site
from ..i18n import N_
from ..jobs import enqueue
from ..storage import UploadRejected, check_upload, clean_filename, new_key, sniff
from .households.columns import write_template
from .households.workbook import HEADER_SEARCH_ROWS, declared_last_row
from .models import ImportJob, ImportStatus
from .tasks import IMPORT, run_household_import

# Clients name an .xlsx in many ways; what counts is what its bytes are.
XLSX_ALIASES = {XLSX, "application/zip", "application/x-zip-compressed", "application/x-zip", "application/excel",
                "application/vnd.ms-excel", "application/x-excel", "application/wps-office.xlsx"}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .et)
TOO_BIG_UNPACKED = N_("The workbook unpacks to %(size)s MB; at most %(max)s MB can be imported at once.")
TOO_MANY_ROWS = N_("The sheet has %(rows)s rows; at most %(max)s rows can be imported at once: split the file.")
TOO_MANY_PENDING = N_("%(count)s imports of this community are queued or running; wait until they finish.")

def sniff_xlsx(header: bytes) -> str | None:
    """An .xlsx is a ZIP (checked to hold a workbook afterwards); anything else as `sniff` says."""
    return XLSX if header.startswith(b"PK\x03\x04") else sniff(header)


def import_community(community_id: int, write: bool = False) -> Community:
    """404 unless the caller may read the community (another tenant's looks the same); 403 if
    `write` and they may only read it."""
    community = readable_community(community_id)
    if write and not require_staff().can_write(community.id):
        abort(403)
    return community


def _too_large(message) -> None:
    abort(413, errors={"files": {"file": [message]}})


def _check_workbook(stream) -> None:
    """A workbook, within the caps: what it unpacks to (the sizes its ZIP directory states,
    before anything is unpacked: a zip bomb) and the rows its first sheet declares."""
    settings = current_app.config["WUYE"]
    start = stream.tell()
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
            last_row = declared_last_row(archive) if unpacked <= settings.import_max_unpacked_bytes else None
    except Exception:  # not a zip after all, or a broken one
        invalid("file", N_("The file cannot be read as an Excel workbook (.xlsx)."), location="files")
    finally:
        stream.seek(start)
    if "xl/workbook.xml" not in names:
        invalid("file", N_("The file cannot be read as an Excel workbook (.xlsx)."), location="files")
    if unpacked > settings.import_max_unpacked_bytes:
        mb = 1024 * 1024
        _too_large(N_(TOO_BIG_UNPACKED, size=-(-unpacked // mb), max=settings.import_max_unpacked_bytes // mb))
    # The header may be a few rows down: only a sheet that cannot fit with any header is refused
    # here; the job counts the rows it reads exactly.
    if last_row is not None and last_row - HEADER_SEARCH_ROWS > settings.import_max_rows:
        _too_large(N_(TOO_MANY_ROWS, rows=last_row, max=settings.import_max_rows))


def _check_pending(community: Community) -> None:
    """409 while the community has its fill of imports queued or running (they would wait for its
    lock in a worker each). Imports older than a job may run are not counted: their worker died."""
    limit = current_app.config["WUYE"].import_max_pending_per_community
    since = datetime.now(UTC) - timedelta(seconds=IMPORT.timeout + 300)
    pending = db.session.scalar(select(func.count(ImportJob.id)).where(
        ImportJob.community_id == community.id, ImportJob.status.in_((ImportStatus.queued, ImportStatus.running)),
        ImportJob.created_at >= since))
    if pending >= limit:
        abort(409, message=N_(TOO_MANY_PENDING, count=pending))


def household_template(community: Community):
    """The ledger template (.xlsx) as a download response, its first site's name filled in."""
    site = db.session.scalar(select(Site.name).where(Site.community_id == community.id).order_by(Site.id).limit(1))
    return xlsx_response(lambda out: write_template(out, site),
                         download_name("households-template", community.id, ext="xlsx"),
                         download_name("住户台账模板", community.name, ext="xlsx"))


def start_household_import(community: Community, upload: FileStorage) -> ImportJob:
    """Check the upload, store it, record the import (committed) and start its job; the job's
    record as it is now (a job run in-process may have finished already). 422 naming `file`,
    409 (too many pending), 413, 429, 503 (no queue) as the API answers them."""
    _check_pending(community)
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
    throttle("household_imports")
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


def imports_statement(community: Community):
    """The community's imports (GET …/imports, the console's import page)."""
    return select(ImportJob).where(ImportJob.community_id == community.id)


def community_import(community_id: int, import_id: int) -> ImportJob:
    """One import of a community the caller may read; 404 otherwise."""
    community = import_community(community_id)
    job = db.session.get(ImportJob, import_id)  # tenant-scoped by the framework
    if job is None or job.community_id != community.id:
        abort(404)
    return job
