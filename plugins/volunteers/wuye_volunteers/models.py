"""Tables of the volunteers plugin (`volunteers_*`); rows are tenant-scoped by the core.

A member's phone and ID number are `EncryptedString` (Fernet, rotated with the core's keys): the
database holds their ciphertext only; lists mask them. Durations are integer minutes (the API's
unit, `_minutes`); time-bank points are integers. The time-bank ledger and the corrections of
service records are append-only (the database refuses UPDATE and DELETE): history is added to,
never rewritten.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKeyConstraint, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from wuye_core.plugins import EncryptedString, TenantScoped, UTCDateTime, db, tenant_fk


def _child_of(column: str, table: str) -> ForeignKeyConstraint:
    """A composite FK to one of our own tables (its `(tenant_id, id)` is unique)."""
    return ForeignKeyConstraint(["tenant_id", column], [f"{table}.tenant_id", f"{table}.id"])


class Alliance(TenantScoped, db.Model):
    """居民服务联盟 of one community: its name on certificates, created on first use. Registering a
    member locks it (`get_for_update`): two clerks adding the same phone at once get one member."""

    __tablename__ = "volunteers_alliances"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        Index(None, "tenant_id", "community_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))  # e.g. 海景北社区居民服务联盟
    founded_on: Mapped[date | None] = mapped_column(Date)
    contact: Mapped[str | None] = mapped_column(String(100))  # 联系人及电话 (printed on certificates)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Member(TenantScoped, db.Model):
    """A member of the alliance: a volunteer, a serving party member (在职党员, with the workplace
    party organisation they report back to) or a professional."""

    __tablename__ = "volunteers_members"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        tenant_fk("resident_id", "residents"),
        Index(None, "tenant_id", "community_id", "id"),
        Index(None, "tenant_id", "resident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(20))  # vocab.MEMBER_KINDS
    phone: Mapped[str | None] = mapped_column(EncryptedString(255))  # None once erased
    id_number: Mapped[str | None] = mapped_column(EncryptedString(255))  # optional; certificates mask it
    gender: Mapped[str | None] = mapped_column(String(6))  # male / female
    resident_id: Mapped[int | None] = mapped_column(Integer)  # where they live in the register
    registry_number: Mapped[str | None] = mapped_column(String(40))  # 全国志愿服务信息系统 编号, if any
    party_org: Mapped[str | None] = mapped_column(String(200))  # 在职党员: workplace party organisation
    party_org_contact: Mapped[str | None] = mapped_column(String(100))  # who receives the report there
    party_reported_on: Mapped[date | None] = mapped_column(Date)  # 进社区报到 date
    profession: Mapped[str | None] = mapped_column(String(100))  # 职业 / 专长 in words
    availability: Mapped[list] = mapped_column(JSON, default=list)  # vocab.AVAILABILITY codes
    consent_contact: Mapped[bool] = mapped_column(Boolean, default=False)  # may be called/messaged for tasks
    consent_on: Mapped[date | None] = mapped_column(Date)
    joined_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="active")  # vocab.MEMBER_STATUSES
    left_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(500))
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class MemberSkill(TenantScoped, db.Model):
    """A member's skill and level; `confirmed_on` once a training (or the manager) confirmed it."""

    __tablename__ = "volunteers_member_skills"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("member_id", "volunteers_members"),
        Index(None, "tenant_id", "member_id", "skill", unique=True),
        Index(None, "tenant_id", "community_id", "skill"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(Integer)
    skill: Mapped[str] = mapped_column(String(30))  # vocab.SKILLS
    level: Mapped[str] = mapped_column(String(10), default="basic")  # vocab.SKILL_LEVELS
    confirmed_on: Mapped[date | None] = mapped_column(Date)
    confirmed_by_training_id: Mapped[int | None] = mapped_column(Integer)
    confirmed_by: Mapped[str | None] = mapped_column(String(80))


class Team(TenantScoped, db.Model):
    """A team of the alliance (环保督导队、治安巡逻队…) with its leader, one of its members."""

    __tablename__ = "volunteers_teams"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("leader_member_id", "volunteers_members"),
        Index(None, "tenant_id", "community_id", "name", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # vocab.TEAM_KINDS
    leader_member_id: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class TeamMember(TenantScoped, db.Model):
    """A member in a team (a member may be in several)."""

    __tablename__ = "volunteers_team_members"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("team_id", "volunteers_teams"),
        _child_of("member_id", "volunteers_members"),
        Index(None, "tenant_id", "team_id", "member_id", unique=True),
        Index(None, "tenant_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    team_id: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(Integer)
    joined_on: Mapped[date] = mapped_column(Date)


class Series(TenantScoped, db.Model):
    """A recurring activity (每周六上午的小区清洁): its occurrences are Activities, made ahead."""

    __tablename__ = "volunteers_series"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("team_id", "volunteers_teams"),
        Index(None, "tenant_id", "community_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(1000))
    place: Mapped[str] = mapped_column(String(200))
    site_id: Mapped[int | None] = mapped_column(Integer)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday … 6 = Sunday
    start_time: Mapped[str] = mapped_column(String(5))  # "08:30", Beijing time
    duration_minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    skills_wanted: Mapped[list] = mapped_column(JSON, default=list)
    first_date: Mapped[date] = mapped_column(Date)
    until_date: Mapped[date | None] = mapped_column(Date)  # None: until stopped
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Activity(TenantScoped, db.Model):
    """An activity: place, time, capacity, skills wanted; sign-ups, check-in by the organiser or by
    the QR code (`checkin_token`), then the organiser confirms each person's hours."""

    __tablename__ = "volunteers_activities"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("series_id", "volunteers_series"),
        _child_of("team_id", "volunteers_teams"),
        Index(None, "tenant_id", "community_id", "starts_at"),
        Index(None, "tenant_id", "series_id", "starts_at", unique=True),  # a series' day made once
        Index(None, "tenant_id", "checkin_token", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    series_id: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(1000))
    place: Mapped[str] = mapped_column(String(200))
    site_id: Mapped[int | None] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: no limit, nobody waits
    skills_wanted: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="open")  # vocab.ACTIVITY_STATUSES
    checkin_token: Mapped[str] = mapped_column(String(64))  # the QR code's secret (members' phones)
    organiser: Mapped[str] = mapped_column(String(80))  # the staff user who runs it
    confirmed_by: Mapped[str | None] = mapped_column(String(80))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Signup(TenantScoped, db.Model):
    """A member's place in an activity (or on its waiting list), their check-in and check-out."""

    __tablename__ = "volunteers_signups"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("activity_id", "volunteers_activities"),
        _child_of("member_id", "volunteers_members"),
        Index(None, "tenant_id", "activity_id", "member_id", unique=True),
        Index(None, "tenant_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    activity_id: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # vocab.SIGNUP_STATUSES
    signed_up_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the waiting list's order
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_by: Mapped[str | None] = mapped_column(String(80))  # a staff username, or "qr"
    minutes: Mapped[int | None] = mapped_column(Integer)  # proposed from the check times, set by the organiser
    record_id: Mapped[int | None] = mapped_column(Integer)  # the service record once confirmed


class ServiceRecord(TenantScoped, db.Model):
    """志愿服务记录 as 志愿服务记录与证明出具办法 describes it: who, what, where, from when to
    when, how long, the organiser, the evaluation; confirmed by the organiser. Corrections are
    kept in RecordCorrection (and the core's audit)."""

    __tablename__ = "volunteers_records"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("member_id", "volunteers_members"),
        Index(None, "tenant_id", "member_id", "started_at"),
        Index(None, "tenant_id", "community_id", "started_at"),
        Index(None, "tenant_id", "source", "source_id", "member_id", unique=True),  # once per activity/task
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(10))  # vocab.RECORD_SOURCES
    source_id: Mapped[int | None] = mapped_column(Integer)  # the activity or task (None: manual)
    content: Mapped[str] = mapped_column(String(500))  # 服务内容
    place: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime())
    minutes: Mapped[int] = mapped_column(Integer)  # 服务时长 counted (≤ ended − started)
    organiser: Mapped[str] = mapped_column(String(100))  # 组织单位, as printed on certificates
    evaluation: Mapped[str | None] = mapped_column(String(10))  # vocab.EVALUATIONS
    confirmed_by: Mapped[str] = mapped_column(String(80))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    corrections: Mapped[int] = mapped_column(Integer, default=0)


class RecordCorrection(TenantScoped, db.Model):
    """A correction of a service record: which fields, before and after, why, by whom (append-only)."""

    __tablename__ = "volunteers_record_corrections"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("record_id", "volunteers_records"),
        Index(None, "tenant_id", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    record_id: Mapped[int] = mapped_column(Integer)
    changes: Mapped[dict] = mapped_column(JSON)  # {"minutes": [120, 90], …}
    reason: Mapped[str] = mapped_column(String(300))
    by: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Certificate(TenantScoped, db.Model):
    """志愿服务证明 issued: its number, the period, the figures printed on it (kept as issued)."""

    __tablename__ = "volunteers_certificates"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("member_id", "volunteers_members"),
        Index(None, "tenant_id", "number", unique=True),
        Index(None, "tenant_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(40))  # 证明编号, e.g. 志证〔2026〕第 0007 号
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    records: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str | None] = mapped_column(String(200))  # 用途 (升学、评优…)
    issued_by: Mapped[str] = mapped_column(String(80))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Task(TenantScoped, db.Model):
    """A need offered to the alliance's members with a skill: from a ticket, a care-visit referral
    or a resident's request; accepted by one member, done with hours, the source told."""

    __tablename__ = "volunteers_tasks"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("member_id", "volunteers_members"),
        Index(None, "tenant_id", "community_id", "status"),
        Index(None, "tenant_id", "source", "source_ref", unique=True),  # a ticket/referral offered once
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))  # vocab.TASK_SOURCES
    source_ref: Mapped[int | None] = mapped_column(Integer)  # the ticket's or referral's id (None: a request)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(1000))
    skill: Mapped[str | None] = mapped_column(String(30))  # vocab.SKILLS; None: anyone
    place: Mapped[str | None] = mapped_column(String(200))
    requester_name: Mapped[str | None] = mapped_column(String(50))
    requester_phone: Mapped[str | None] = mapped_column(EncryptedString(255))
    wanted_by: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="offered")  # vocab.TASK_STATUSES
    member_id: Mapped[int | None] = mapped_column(Integer)  # who accepted it
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    minutes: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(500))
    record_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Training(TenantScoped, db.Model):
    """A training session (培训) for a skill; attendance, and the skills it confirmed."""

    __tablename__ = "volunteers_trainings"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        Index(None, "tenant_id", "community_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))
    skill: Mapped[str | None] = mapped_column(String(30))  # the skill it confirms (None: general)
    level: Mapped[str] = mapped_column(String(10), default="basic")  # the level it confirms
    held_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    place: Mapped[str | None] = mapped_column(String(200))
    trainer: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class TrainingAttendance(TenantScoped, db.Model):
    """A member at a training; `passed` confirms the training's skill for them."""

    __tablename__ = "volunteers_training_attendance"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("training_id", "volunteers_trainings"),
        _child_of("member_id", "volunteers_members"),
        Index(None, "tenant_id", "training_id", "member_id", unique=True),
        Index(None, "tenant_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    training_id: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(Integer)
    attended: Mapped[bool] = mapped_column(Boolean, default=True)
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[str] = mapped_column(String(80))


class LedgerEntry(TenantScoped, db.Model):
    """时间银行: one line of a member's points (append-only). `balance` is the balance after this
    line, never negative; a member's lines are written under the member's row lock, so two spends
    at once cannot both take the last points."""

    __tablename__ = "volunteers_time_bank"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        _child_of("member_id", "volunteers_members"),
        Index(None, "tenant_id", "member_id", "id"),
        Index(None, "tenant_id", "record_id", unique=True),  # a service record earns once
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))  # vocab.LEDGER_KINDS
    points: Mapped[int] = mapped_column(Integer)  # + earned, − spent
    balance: Mapped[int] = mapped_column(Integer)  # after this line, ≥ 0
    record_id: Mapped[int | None] = mapped_column(Integer)  # earn: the service record
    provider_member_id: Mapped[int | None] = mapped_column(Integer)  # spend: who gave the service
    description: Mapped[str] = mapped_column(String(200))
    by: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


MODELS = (Alliance, Member, MemberSkill, Team, TeamMember, Series, Activity, Signup, ServiceRecord,
          RecordCorrection, Certificate, Task, Training, TrainingAttendance, LedgerEntry)
