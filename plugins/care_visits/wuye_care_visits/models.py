"""Tables of the care plugin (`care_visits_*`); rows are tenant-scoped by the core.

Free texts about a person's health, hardship, needs and home, ID numbers and emergency contacts
are `EncryptedString` (Fernet, keys from WUYE_ENCRYPTION_KEYS): the database only ever holds
ciphertext. What the brief counts with SQL (difficulty types, needs, help given, risk levels,
referral bodies and states) is kept as small codes or bit masks, which reveal no text.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from wuye_core.plugins import EncryptedString, TenantScoped, UTCDateTime, db, tenant_fk


def _child_of(column: str, table: str) -> ForeignKeyConstraint:
    """A composite FK to one of our own tables (its `(tenant_id, id)` is unique)."""
    return ForeignKeyConstraint(["tenant_id", column], [f"{table}.tenant_id", f"{table}.id"])


class CarePerson(TenantScoped, db.Model):
    """关爱对象: a resident on the care register (one row per resident)."""

    __tablename__ = "care_visits_people"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        tenant_fk("resident_id", "residents"),
        Index(None, "tenant_id", "community_id", "id"),
        Index(None, "tenant_id", "resident_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    resident_id: Mapped[int | None] = mapped_column(Integer)  # NULL once erased
    difficulty_flags: Mapped[int] = mapped_column(Integer, default=0)  # bit mask, see vocab.DIFFICULTIES
    level: Mapped[str] = mapped_column(String(1))  # A / B / C (分级管理)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    health_details: Mapped[str | None] = mapped_column(EncryptedString())
    hardship_details: Mapped[str | None] = mapped_column(EncryptedString())
    id_number: Mapped[str | None] = mapped_column(EncryptedString(255))
    emergency_contacts: Mapped[str | None] = mapped_column(EncryptedString())  # JSON list, encrypted
    consent_visits: Mapped[bool] = mapped_column(Boolean, default=True)
    consent_photos: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_sharing: Mapped[list] = mapped_column(JSON, default=list)  # referral bodies the person agreed to
    consent_recorded_on: Mapped[date | None] = mapped_column(Date)
    last_visit_on: Mapped[date | None] = mapped_column(Date)
    next_due_on: Mapped[date | None] = mapped_column(Date)
    high_risk: Mapped[bool] = mapped_column(Boolean, default=False)  # the latest visit found a high risk
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class CarePlanItem(TenantScoped, db.Model):
    """One planned visit: a person, a period (2026-11, 2026-Q4, or a weather round), a due date."""

    __tablename__ = "care_visits_plan_items"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("person_id", "care_visits_people"),
        Index(None, "tenant_id", "community_id", "due_on"),
        Index(None, "tenant_id", "person_id", "period", "kind", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10))  # regular / weather
    reason: Mapped[str | None] = mapped_column(String(100))  # e.g. 寒潮 for a weather round
    due_on: Mapped[date] = mapped_column(Date)
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="planned")  # planned / done
    visit_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class CareVisit(TenantScoped, db.Model):
    """走访记录."""

    __tablename__ = "care_visits_visits"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("person_id", "care_visits_people"),
        Index(None, "tenant_id", "community_id", "visited_on"),
        Index(None, "tenant_id", "person_id", "visited_on"),
        Index(None, "tenant_id", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(Integer)
    visited_on: Mapped[date] = mapped_column(Date)
    visitors: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(10))  # visited / not_home / refused
    need_flags: Mapped[int] = mapped_column(Integer, default=0)
    help_flags: Mapped[int] = mapped_column(Integer, default=0)
    main_needs: Mapped[str | None] = mapped_column(EncryptedString())
    living_conditions: Mapped[str | None] = mapped_column(EncryptedString())
    mental_state: Mapped[str | None] = mapped_column(EncryptedString())
    hazards: Mapped[str | None] = mapped_column(EncryptedString())
    special_notes: Mapped[str | None] = mapped_column(EncryptedString())
    root_cause: Mapped[str | None] = mapped_column(EncryptedString())
    help_given: Mapped[str | None] = mapped_column(EncryptedString())
    recommendation: Mapped[str | None] = mapped_column(EncryptedString())
    risk_health: Mapped[str] = mapped_column(String(6), default="none")
    risk_safety: Mapped[str] = mapped_column(String(6), default="none")
    risk_social: Mapped[str] = mapped_column(String(6), default="none")
    followup_plan: Mapped[str | None] = mapped_column(EncryptedString())
    next_visit_on: Mapped[date | None] = mapped_column(Date)
    # 隐患描述: what the ticket a high risk opens says, chosen by the care worker (non-sensitive by rule)
    ticket_text: Mapped[str | None] = mapped_column(EncryptedString())
    ticket_id: Mapped[int | None] = mapped_column(Integer)
    ticket_error: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())

    @property
    def has_high_risk(self) -> bool:
        return "high" in (self.risk_health, self.risk_safety, self.risk_social)


class CareVisitAmendment(TenantScoped, db.Model):
    """更正记录: one amendment of a visit — which fields, their values before and after, who, when,
    why. Only ever inserted by the app; the erasure of the person empties `changes` and `reason`
    (they quote the visit's texts) and keeps the rest, like the visit itself. The tamper-proof
    record of the amendment is the access log and the core's audit trail (both append-only)."""

    __tablename__ = "care_visits_visit_amendments"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("visit_id", "care_visits_visits"),
        Index(None, "tenant_id", "visit_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    visit_id: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(Integer)
    changed_fields: Mapped[list] = mapped_column(JSON, default=list)  # names of the changed fields, no values
    changes: Mapped[str | None] = mapped_column(EncryptedString())  # JSON {field: {before, after}}, encrypted
    reason: Mapped[str | None] = mapped_column(EncryptedString())
    amended_by: Mapped[str] = mapped_column(String(80))
    amended_by_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class CareReferral(TenantScoped, db.Model):
    """转介: to a body outside the property company, tracked to an outcome."""

    __tablename__ = "care_visits_referrals"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("visit_id", "care_visits_visits"),
        _child_of("person_id", "care_visits_people"),
        Index(None, "tenant_id", "community_id", "status"),
        Index(None, "tenant_id", "visit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    visit_id: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(EncryptedString())
    status: Mapped[str] = mapped_column(String(10), default="open")  # open / accepted / resolved / declined
    outcome: Mapped[str | None] = mapped_column(EncryptedString())
    referred_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class CarePhoto(TenantScoped, db.Model):
    """A photo of a visit, allowed only when the person consented to photos."""

    __tablename__ = "care_visits_photos"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("visit_id", "care_visits_visits"),
        Index(None, "tenant_id", "visit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    visit_id: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(50))
    data: Mapped[str] = mapped_column(EncryptedString(), deferred=True)  # base64 of the image, encrypted
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class CareAccessLog(TenantScoped, db.Model):
    """访问审计: who read or exported which care data, when and why. Never updated; deleted only
    by the retention purge (`wuye care_visits purge-access-log`, rows older than ≥ 3 years)."""

    __tablename__ = "care_visits_access_log"
    __extra_table_args__ = (
        Index(None, "tenant_id", "community_id", "at"),
        Index(None, "tenant_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(Integer)  # None: a tenant-wide brief
    user_id: Mapped[int] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(30))
    person_id: Mapped[int | None] = mapped_column(Integer)  # no FK: the row outlives an erasure
    object_type: Mapped[str | None] = mapped_column(String(20))
    object_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class CareBrief(TenantScoped, db.Model):
    """简报: built by a background job for a community (or the tenant) and a period."""

    __tablename__ = "care_visits_briefs"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        Index(None, "tenant_id", "community_id", "id"),
        Index("ix_care_visits_briefs_issue_number", "tenant_id", "issuing_office", "issue_year", "issue_number",
              unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(Integer)  # None: the whole tenant
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued / running / done / failed
    progress: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(300))
    figures: Mapped[dict | None] = mapped_column(JSON)
    # the files, base64 then encrypted like any personal text (recommendations quote the records)
    docx: Mapped[str | None] = mapped_column(EncryptedString(), deferred=True)
    xlsx: Mapped[str | None] = mapped_column(EncryptedString(), deferred=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locale: Mapped[str | None] = mapped_column(String(10))  # the language its files are written in
    # 简报 第 N 期: set once, when the care lead issues the brief (brief_numbers.allocate)
    issue_year: Mapped[int | None] = mapped_column(Integer)
    issue_number: Mapped[int | None] = mapped_column(Integer)
    issuing_office: Mapped[str | None] = mapped_column(String(100))
    issued_on: Mapped[date | None] = mapped_column(Date)  # Beijing date
    issued_by: Mapped[str | None] = mapped_column(String(80))
    title: Mapped[str | None] = mapped_column(String(200))
    followup_notes: Mapped[str | None] = mapped_column(EncryptedString())  # the lead's 下一步工作 text

    @property
    def issued(self) -> bool:
        return self.issue_number is not None


class CareBriefNumber(TenantScoped, db.Model):
    """The last issue number of an issuing office in a year (简报 第 N 期): incremented under its
    row lock when a brief is issued, so two briefs issued at once get different numbers and a
    number is never given twice."""

    __tablename__ = "care_visits_brief_numbers"
    __extra_table_args__ = (Index(None, "tenant_id", "office", "year", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class CareBriefCase(TenantScoped, db.Model):
    """典型案例: a visit the care lead chose for a brief, with the lead's short case text. The
    brief shows it anonymised (`某独居老人（80岁）`), never the person's name or contacts."""

    __tablename__ = "care_visits_brief_cases"
    __extra_table_args__ = (
        _child_of("brief_id", "care_visits_briefs"),
        tenant_fk("community_id", "communities"),
        _child_of("visit_id", "care_visits_visits"),
        _child_of("person_id", "care_visits_people"),
        Index(None, "tenant_id", "brief_id", "visit_id", unique=True),
        Index(None, "tenant_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brief_id: Mapped[int] = mapped_column(Integer)
    community_id: Mapped[int] = mapped_column(Integer)  # the visit's
    visit_id: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(EncryptedString())
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


MODELS = [CarePerson, CarePlanItem, CareVisit, CareVisitAmendment, CareReferral, CarePhoto, CareAccessLog, CareBrief, CareBriefNumber,
          CareBriefCase]
