"""A resident's request that the tenant delete their personal information (删除请求).

The request names the account and, while it waits, the phone number (digits) it concerns: staff
need it to find the person in the register. Once approved, the number is kept masked only
(138****8000); the reason the resident gave is erased with the rest (it is their words), the
refusal's reason stays (the tenant's words, shown to the resident). A request is decided once:
its row is locked while it is decided (`get_for_update`), the loser sees the status it found.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ..common.types import UTCDateTime
from ..extensions import db
from ..tenancy import TenantScoped, tenant_fk


class RequestStatus(enum.StrEnum):
    pending = "pending"  # 待处理
    approved = "approved"  # 已删除
    refused = "refused"  # 已拒绝（附理由）


class DeletionRequest(TenantScoped, db.Model):
    __tablename__ = "resident_deletion_requests"
    __extra_table_args__ = (
        tenant_fk("account_id", "resident_accounts"),
        Index(None, "tenant_id", "account_id", "id"),
        Index(None, "tenant_id", "status", "id"),  # the staff's queue: pending first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer)
    phone: Mapped[str] = mapped_column(String(20))  # digits while pending or refused; masked once approved
    reason: Mapped[str | None] = mapped_column(String(500))  # the resident's; erased with their data
    status: Mapped[RequestStatus] = mapped_column(
        Enum(RequestStatus, name="deletion_request_status", native_enum=False, length=10, validate_strings=True),
        default=RequestStatus.pending)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(64))  # the staff user's username
    refusal_reason: Mapped[str | None] = mapped_column(String(500))  # shown to the resident
    # what an approval did: counts and plugin names only, never the erased values
    outcome: Mapped[dict | None] = mapped_column(JSON)
