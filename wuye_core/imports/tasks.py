"""Running an import: the background job, and the service the CLI shares with it.

The job carries ids only (tenant_id, import_id) and re-enters the tenant's context itself.
Progress is written to the ImportJob row in the same transaction as each batch, so what
`GET …/imports/<id>` shows is what is committed. Importing is idempotent, so a retried job
(after a crash) simply goes over the rows again; the counts then describe that last run.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import current_app

from ..events.edge import in_every_tenant
from ..extensions import db
from ..i18n import N_
from ..jobs import JobRegistry, Policy
from ..tenancy import tenant_context
from .households.report import ImportFailed, Outcome
from .households.run import HouseholdImport
from .models import ImportJob, ImportStatus

log = logging.getLogger(__name__)

# 100,000 rows take about a minute; a retry after a crash re-imports (idempotent).
IMPORT = Policy(timeout=1800, retries=(60,))

INTERNAL_ERROR = N_("The import stopped because of an internal error. Rows imported before it stay imported; "
                    "importing the file again is safe.")
INTERRUPTED = N_("The import was interrupted (its worker stopped). Rows imported before it stay imported; "
                  "importing the file again is safe.")
FILE_MISSING = N_("The uploaded file is no longer available; please upload it again.")


def _copy(job: ImportJob, outcome: Outcome) -> None:
    job.total_rows = outcome.total_rows
    job.processed_rows = outcome.processed_rows
    job.created, job.updated, job.unchanged, job.failed = (outcome.created, outcome.updated, outcome.unchanged,
                                                           outcome.failed)
    job.errors = list(outcome.errors)  # a new list: the JSON column sees the change
    job.error_count = outcome.error_count


def process(import_id: int, source, on_progress: Callable[[ImportJob], None] | None = None,
            max_rows: int | None = None) -> ImportJob:
    """Import `source` (a path or a seekable binary file) for the ImportJob `import_id`, in the
    current tenant's context. Returns the job, finished (`done` or `failed`). Past `max_rows` data
    rows (None: no cap) the import stops, failed, with the rows before it imported."""
    job = db.session.get(ImportJob, import_id)
    job.status = ImportStatus.running
    job.started_at, job.finished_at, job.message = datetime.now(UTC), None, None
    _copy(job, Outcome())
    community_id, actor = job.community_id, job.created_by
    db.session.commit()

    def on_batch(outcome: Outcome) -> None:
        current = db.session.get(ImportJob, import_id)
        _copy(current, outcome)
        if on_progress:
            on_progress(current)

    importer = HouseholdImport(community_id, actor=actor, on_batch=on_batch, max_rows=max_rows)
    try:
        outcome = importer.run(source)
    except ImportFailed as exc:
        db.session.rollback()
        job = db.session.get(ImportJob, import_id)
        job.status = ImportStatus.failed
        job.message = exc.msgid
        if exc.errors:  # header problems, the first row past the cap: after the committed batches' errors
            job.errors = [*(job.errors or []), *(e.as_dict() for e in exc.errors)]
            job.error_count = (job.error_count or 0) + len(exc.errors)
    except Exception:
        db.session.rollback()
        job = db.session.get(ImportJob, import_id)
        job.status = ImportStatus.failed
        job.message = INTERNAL_ERROR
        job.finished_at = datetime.now(UTC)
        db.session.commit()
        raise
    else:
        job = db.session.get(ImportJob, import_id)
        _copy(job, outcome)
        job.status = ImportStatus.done
    job.finished_at = datetime.now(UTC)
    db.session.commit()
    return job


def _storage():
    return current_app.extensions["wuye_storage"]


def _run_stored(import_id: int) -> None:
    job = db.session.get(ImportJob, import_id)
    if job is None:
        log.warning("import %s does not exist (any more)", import_id)
        return
    if job.storage_key is None:  # already processed (a duplicate delivery): one effect only
        log.info("import %s has no file to process (status %s)", import_id, job.status)
        return
    key = job.storage_key
    with tempfile.TemporaryFile() as local:
        try:
            with _storage().open(key) as stored:  # S3 streams are not seekable: a local copy is
                shutil.copyfileobj(stored, local)
        except FileNotFoundError:
            job.status, job.message, job.storage_key = ImportStatus.failed, FILE_MISSING, None
            job.finished_at = datetime.now(UTC)
            db.session.commit()
            return
        local.seek(0)
        # an internal error raises: the file stays for rq's retry
        process(import_id, local, max_rows=current_app.config["WUYE"].import_max_rows)
    # Finished, well or not: the file held personal data and is not needed any more.
    job = db.session.get(ImportJob, import_id)
    job.storage_key = None
    db.session.commit()
    _storage().delete(key)


def run_household_import(tenant_id: int, import_id: int) -> None:
    """The job: import the stored upload of ImportJob `import_id` of tenant `tenant_id`."""
    with tenant_context(tenant_id):
        _run_stored(import_id)


def fail_interrupted(now: datetime | None = None) -> int:
    """Mark imports failed that say "running" for longer than their job may run: the worker died
    (killed, node lost) without a chance to record it. In the current tenant's context."""
    from sqlalchemy import select

    timeout = IMPORT.timeout
    cutoff = (now or datetime.now(UTC)) - timedelta(seconds=timeout + 300)
    stale = db.session.scalars(select(ImportJob).where(ImportJob.status == ImportStatus.running,
                                                       ImportJob.started_at < cutoff)).all()
    for job in stale:
        job.status, job.message, job.finished_at = ImportStatus.failed, INTERRUPTED, datetime.now(UTC)
        log.warning("import %s of tenant %s was interrupted; marked failed", job.id, job.tenant_id)
    db.session.commit()
    return len(stale)


def sweep_imports() -> int:
    """Periodic: imports whose worker died while they ran are marked failed (they would say
    "running" for ever otherwise)."""
    return in_every_tenant(fail_interrupted)


def register_jobs(jobs: JobRegistry) -> None:
    jobs.register(run_household_import, IMPORT)
    jobs.every(600, sweep_imports, policy=Policy(timeout=120, retries=()))
