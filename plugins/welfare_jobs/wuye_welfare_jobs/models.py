"""Tables of the welfare-jobs plugin (`welfare_jobs_*`); rows are tenant-scoped by the core.

ID numbers, phone numbers and bank accounts are `EncryptedString` (Fernet, keys from
WUYE_ENCRYPTION_KEYS, rotated with the core's): the database only ever holds their ciphertext.
Birth date and gender are kept in the clear (taken from the ID number when the worker is
registered) because the retirement-age alert and the 4050 group are computed from them.
Money is integer fen (分), never float; rates are basis points (万分之).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKeyConstraint, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from wuye_core.plugins import EncryptedString, TenantScoped, UTCDateTime, db, tenant_fk


def _child_of(column: str, table: str) -> ForeignKeyConstraint:
    """A composite FK to one of our own tables (its `(tenant_id, id)` is unique)."""
    return ForeignKeyConstraint(["tenant_id", column], [f"{table}.tenant_id", f"{table}.id"])


class Roster(TenantScoped, db.Model):
    """花名册: one row per community, created with its first post or worker. Adding a worker or a
    placement locks it (`get_for_update`), so two clerks registering the same ID number at once,
    or filling the last place of a post, have one winner."""

    __tablename__ = "welfare_jobs_rosters"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        Index(None, "tenant_id", "community_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Post(TenantScoped, db.Model):
    """公益性岗位: an approved post at a site or 村湾, with its headcount and its team (班组)."""

    __tablename__ = "welfare_jobs_posts"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        tenant_fk("site_id", "sites"),
        Index(None, "tenant_id", "community_id", "id"),
        # a ticket dispatched to this text reaches the post's team (the core's Ticket.team)
        Index(None, "tenant_id", "team", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int] = mapped_column(Integer)  # the place: a site or a 村湾 of the register
    kind: Mapped[str] = mapped_column(String(20))  # vocab.POST_KINDS
    name: Mapped[str] = mapped_column(String(100))  # e.g. 张家湾保洁岗
    headcount: Mapped[int] = mapped_column(Integer)  # 核定人数
    approval_ref: Mapped[str] = mapped_column(String(100))  # 批准文号
    approved_from: Mapped[date] = mapped_column(Date)
    approved_until: Mapped[date | None] = mapped_column(Date)  # None: open-ended
    employer_link_id: Mapped[int | None] = mapped_column(Integer)  # a service link (a company); None: the tenant
    team: Mapped[str] = mapped_column(String(50))  # 班组: tickets dispatched to it are the post's
    shift_start: Mapped[str] = mapped_column(String(5), default="07:00")  # daily shift, Beijing time
    shift_end: Mapped[str] = mapped_column(String(5), default="11:30")
    leader_user_id: Mapped[int | None] = mapped_column(Integer)  # 组长: a staff user holding welfare_jobs_team_leader
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    closed_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Worker(TenantScoped, db.Model):
    """公益岗位人员: a person's file. Personal data encrypted, masked in lists."""

    __tablename__ = "welfare_jobs_workers"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        tenant_fk("resident_id", "residents"),
        Index(None, "tenant_id", "community_id", "id"),
        Index(None, "tenant_id", "birth_date"),  # narrows the duplicate-ID check to a few rows to decrypt
        Index(None, "tenant_id", "resident_id"),
        Index(None, "tenant_id", "staff_user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[str] = mapped_column(String(6))  # male / female, from the ID number
    birth_date: Mapped[date] = mapped_column(Date)  # from the ID number
    id_number: Mapped[str | None] = mapped_column(EncryptedString(255))  # None once erased
    phone: Mapped[str | None] = mapped_column(EncryptedString(255))
    group: Mapped[str] = mapped_column(String(20))  # vocab.GROUPS
    evidence_ref: Mapped[str | None] = mapped_column(String(200))  # 认定材料 (e.g. 被征地农民身份认定书 编号)
    land_acquired_year: Mapped[int | None] = mapped_column(Integer)  # 征地年份 (失地农民)
    land_village: Mapped[str | None] = mapped_column(String(100))  # 被征地村组
    bank_name: Mapped[str | None] = mapped_column(String(100))
    bank_account: Mapped[str | None] = mapped_column(EncryptedString(255))
    resident_id: Mapped[int | None] = mapped_column(Integer)  # where they live in the register
    staff_user_id: Mapped[int | None] = mapped_column(Integer)  # their sign-in for the phone pages
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class WorkerDocument(TenantScoped, db.Model):
    """A document in a worker's file (the eligibility evidence, a health-check report…)."""

    __tablename__ = "welfare_jobs_documents"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("worker_id", "welfare_jobs_workers"),
        Index(None, "tenant_id", "worker_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    worker_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # evidence / health / other
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(EncryptedString(), deferred=True)  # base64 of the file, encrypted
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Placement(TenantScoped, db.Model):
    """安置: a worker on a post from `starts_on` to `ends_on` (at most the configured maximum);
    an exit records the reason and starts the vacancy report's deadline (空岗报告)."""

    __tablename__ = "welfare_jobs_placements"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("worker_id", "welfare_jobs_workers"),
        _child_of("post_id", "welfare_jobs_posts"),
        Index(None, "tenant_id", "community_id", "exited_on"),
        Index(None, "tenant_id", "worker_id", "starts_on"),
        Index(None, "tenant_id", "post_id", "exited_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    worker_id: Mapped[int] = mapped_column(Integer)
    post_id: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # the agreed end, ≤ start + max_placement_months
    exited_on: Mapped[date | None] = mapped_column(Date)  # None: on post
    exit_reason: Mapped[str | None] = mapped_column(String(20))  # vocab.EXIT_REASONS
    exit_note: Mapped[str | None] = mapped_column(String(300))
    vacancy_due_on: Mapped[date | None] = mapped_column(Date)  # exit + vacancy_report_days
    vacancy_reported_on: Mapped[date | None] = mapped_column(Date)
    vacancy_report_ref: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    ended_by: Mapped[str | None] = mapped_column(String(80))


class Attendance(TenantScoped, db.Model):
    """One worker's day on their post: present (with clock-in/out times), absent, on leave, rest."""

    __tablename__ = "welfare_jobs_attendance"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("worker_id", "welfare_jobs_workers"),
        _child_of("placement_id", "welfare_jobs_placements"),
        Index(None, "tenant_id", "worker_id", "day", unique=True),
        Index(None, "tenant_id", "community_id", "day"),
        Index(None, "tenant_id", "post_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    worker_id: Mapped[int] = mapped_column(Integer)
    placement_id: Mapped[int] = mapped_column(Integer)
    post_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)  # Beijing date
    status: Mapped[str] = mapped_column(String(10))  # vocab.ATTENDANCE
    leave_kind: Mapped[str | None] = mapped_column(String(20))  # vocab.LEAVE_KINDS, when on leave
    clock_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    clock_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(10))  # vocab.ATTENDANCE_SOURCES
    note: Mapped[str | None] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Policy(TenantScoped, db.Model):
    """An insurance policy of a worker (养老、医疗、失业、工伤, accident) with its period."""

    __tablename__ = "welfare_jobs_policies"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("worker_id", "welfare_jobs_workers"),
        Index(None, "tenant_id", "worker_id", "kind"),
        Index(None, "tenant_id", "community_id", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    worker_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # vocab.INSURANCE_KINDS
    insurer: Mapped[str] = mapped_column(String(100))
    policy_no: Mapped[str | None] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    premium_fen: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class HealthCheck(TenantScoped, db.Model):
    """A worker's yearly health check (年度体检): due by a date, done on a date with a result."""

    __tablename__ = "welfare_jobs_health_checks"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("worker_id", "welfare_jobs_workers"),
        Index(None, "tenant_id", "worker_id", "year", unique=True),
        Index(None, "tenant_id", "community_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    worker_id: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    institution: Mapped[str | None] = mapped_column(String(100))
    result: Mapped[str | None] = mapped_column(String(10))  # vocab.HEALTH_RESULTS
    note: Mapped[str | None] = mapped_column(EncryptedString())  # findings are health data
    recorded_by: Mapped[str | None] = mapped_column(String(80))


class SubsidyMonth(TenantScoped, db.Model):
    """A community's subsidy claim of one month (月度补贴申报): computed (draft) until it is
    submitted to the 人社 office; then its subsidies are final and the month cannot be recomputed.
    Locked while the month is computed or submitted."""

    __tablename__ = "welfare_jobs_subsidy_months"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        Index(None, "tenant_id", "community_id", "month", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft / submitted
    people: Mapped[int] = mapped_column(Integer, default=0)
    post_total_fen: Mapped[int] = mapped_column(Integer, default=0)
    insurance_total_fen: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    computed_by: Mapped[str | None] = mapped_column(String(80))
    submitted_on: Mapped[date | None] = mapped_column(Date)
    submitted_by: Mapped[str | None] = mapped_column(String(80))


class Subsidy(TenantScoped, db.Model):
    """One worker's subsidies of one month: the post subsidy (岗位补贴) from their attendance and
    the minimum wage, and the social-insurance subsidy (社保补贴) from the contribution base and
    the rate — the figures used are kept with it, so a later config change does not rewrite it."""

    __tablename__ = "welfare_jobs_subsidies"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("month_id", "welfare_jobs_subsidy_months"),
        _child_of("worker_id", "welfare_jobs_workers"),
        _child_of("placement_id", "welfare_jobs_placements"),
        Index(None, "tenant_id", "worker_id", "month", unique=True),
        Index(None, "tenant_id", "month_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    month_id: Mapped[int] = mapped_column(Integer)
    month: Mapped[date] = mapped_column(Date)
    worker_id: Mapped[int] = mapped_column(Integer)
    placement_id: Mapped[int] = mapped_column(Integer)
    post_id: Mapped[int] = mapped_column(Integer)
    days_required: Mapped[int] = mapped_column(Integer)
    days_counted: Mapped[int] = mapped_column(Integer)  # present + paid leave
    minimum_wage_fen: Mapped[int] = mapped_column(Integer)
    insurance_base_fen: Mapped[int] = mapped_column(Integer)
    insurance_rate_bp: Mapped[int] = mapped_column(Integer)
    post_subsidy_fen: Mapped[int] = mapped_column(Integer)
    insurance_subsidy_fen: Mapped[int] = mapped_column(Integer)


class Assessment(TenantScoped, db.Model):
    """年度考核: a worker's grade for a year."""

    __tablename__ = "welfare_jobs_assessments"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("worker_id", "welfare_jobs_workers"),
        Index(None, "tenant_id", "worker_id", "year", unique=True),
        Index(None, "tenant_id", "community_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    worker_id: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(12))  # vocab.GRADES
    score: Mapped[int | None] = mapped_column(Integer)  # 0–100, where the community scores
    assessed_on: Mapped[date] = mapped_column(Date)
    assessed_by: Mapped[str] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(String(300))


class Dispatch(TenantScoped, db.Model):
    """A ticket dispatched to a post's team (the core's Ticket.team = Post.team), for the post's
    queue, the ticket's link and the figures."""

    __tablename__ = "welfare_jobs_dispatches"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("post_id", "welfare_jobs_posts"),
        Index(None, "tenant_id", "ticket_id"),
        Index(None, "tenant_id", "post_id", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    ticket_id: Mapped[int] = mapped_column(Integer)
    post_id: Mapped[int] = mapped_column(Integer)
    dispatched_by: Mapped[str] = mapped_column(String(80))
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the ticket resolved, closed or re-dispatched


MODELS = [Roster, Post, Worker, WorkerDocument, Placement, Attendance, Policy, HealthCheck, SubsidyMonth, Subsidy,
          Assessment, Dispatch]
