"""The record of one import: its progress while it runs, its counts and row errors after."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ..common.types import UTCDateTime
from ..extensions import db
from ..tenancy import TenantScoped, tenant_fk


class ImportStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    done = "done"  # finished; some rows may have failed (see `failed` and `errors`)
    failed = "failed"  # the file as a whole could not be imported (see `message`)


class ImportJob(TenantScoped, db.Model):
    __tablename__ = "import_jobs"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        Index(None, "tenant_id", "community_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40), default="households")
    status: Mapped[ImportStatus] = mapped_column(
        Enum(ImportStatus, name="import_status", native_enum=False, length=20, validate_strings=True),
        default=ImportStatus.queued)
    filename: Mapped[str | None] = mapped_column(String(200))
    # The uploaded file while it waits to be processed; removed once the import is over.
    storage_key: Mapped[str | None] = mapped_column(String(300))
    total_rows: Mapped[int | None] = mapped_column(Integer)  # data rows, once known
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    # The first MAX_ERRORS row errors: {"row", "column", "msgid", "params"?}; translated when shown.
    errors: Mapped[list] = mapped_column(JSON, default=list)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(String(300))  # why the whole import failed (msgid)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
