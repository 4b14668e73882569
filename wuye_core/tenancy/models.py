"""Tenants (platform level) and the mixin that makes a table tenant data."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    UniqueConstraint,
    func,
    true,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from ..common.types import UTCDateTime
from ..extensions import db
from .bound import TenantBound


class TenantKind(enum.StrEnum):
    company = "company"  # 物业服务企业
    subdistrict = "subdistrict"  # 街道办事处


class Tenant(db.Model):
    """A property company or a subdistrict office. The only table every tenant may name."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TenantKind] = mapped_column(Enum(TenantKind, name="tenant_kind", native_enum=False, length=20))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Bumped whenever the tenant's plugin enablement changes: lets every process cache "which
    # plugins are on here" and notice a change at the next request (plugins/dispatch.py).
    plugins_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class TenantScoped(TenantBound):
    """Mixin for every table that holds one tenant's data.

    - `tenant_id` is stamped on insert from the current tenant (tenancy/scoping.py);
    - every ORM query gets `tenant_id = :current` added by the framework;
    - `(tenant_id, id)` is unique, which gives each table an index led by `tenant_id` and lets
      children reference parents with composite foreign keys (see `tenant_fk`): the database
      itself refuses a child whose parent belongs to another tenant;
    - on PostgreSQL a migration turns on row-level security (tenancy/rls.py).
    """

    __extra_table_args__: tuple = ()

    @classmethod
    def tenant_criterion(cls, tenant):
        return cls.tenant_id == tenant

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), nullable=False)

    @declared_attr.directive
    def __table_args__(cls):
        return (*cls.__extra_table_args__, UniqueConstraint("tenant_id", "id"))


def tenant_fk(column: str, parent_table: str, **kw) -> ForeignKeyConstraint:
    """A foreign key from `(tenant_id, column)` to `parent_table(tenant_id, id)`."""
    return ForeignKeyConstraint(
        ["tenant_id", column], [f"{parent_table}.tenant_id", f"{parent_table}.id"], **kw
    )
