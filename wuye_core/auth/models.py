"""Staff users (tenant data), their role grants, and platform operators (platform data)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, UniqueConstraint, false, func, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..common.types import UTCDateTime
from ..extensions import db
from ..tenancy import TenantScoped, tenant_fk


class AccountSecurity:
    """What both kinds of account have to end tokens and to force a new password.

    `token_version` is bumped by every change that must end the tokens issued before it
    (password changed or reset, deactivation, reactivation, role change, logout); a token carries
    the version it was issued with. `must_change_password`: set by someone else (an admin, or
    the platform operator for a tenant's first admin); the holder must choose their own before
    anything else. `password_reset_by`: who set it (shown to the user)."""

    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    password_reset_by: Mapped[str | None] = mapped_column(String(100))


class StaffUser(AccountSecurity, TenantScoped, db.Model):
    """A person working for one tenant. Usernames are unique within the tenant."""

    __tablename__ = "staff_users"
    __extra_table_args__ = (UniqueConstraint("tenant_id", "username"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(100))
    # The team (班组, e.g. "水电班") the user works in: a ticket dispatched to this team (Ticket.team,
    # the same text) is theirs too — what a worker sees and works on (tickets/access.py).
    team: Mapped[str | None] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())

    grants: Mapped[list[RoleGrant]] = relationship(
        primaryjoin="StaffUser.id == foreign(RoleGrant.user_id)",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="RoleGrant.id",
    )


class RoleGrant(TenantScoped, db.Model):
    """A role for a user: tenant-wide when `community_id` is NULL, else for that community."""

    __tablename__ = "role_grants"
    __extra_table_args__ = (
        tenant_fk("user_id", "staff_users", ondelete="CASCADE"),
        tenant_fk("community_id", "communities"),
        UniqueConstraint("tenant_id", "user_id", "role", "community_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(40))
    community_id: Mapped[int | None] = mapped_column(Integer)


class PlatformOperator(AccountSecurity, db.Model):
    """An operator of the hosted instance (platform_admin): manages tenants, reads no tenant data."""

    __tablename__ = "platform_operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class ResidentAccount(TenantScoped, db.Model):
    """A resident who signs in (#19): one per phone number in a tenant, whatever the households
    the register lists that phone in (the resident sees those households, resident_access/). No
    password: one-time codes by SMS or from the support desk. `token_version` ends its tokens
    (sign-out, a deletion processed); `consented_version`: the privacy notice it agreed to."""

    __tablename__ = "resident_accounts"
    __extra_table_args__ = (UniqueConstraint("tenant_id", "phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))  # normalised: digits only (resident_access/phones.py)
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    consented_version: Mapped[int | None] = mapped_column(Integer)
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
