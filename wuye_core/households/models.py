"""Models of the housing register.

Every row below a community carries the ids of all its ancestors (community, site,
building…). They are copied from the parent when the row is created and never change, so
"everything in community X" is one indexed filter at every level and permission checks by
community are the same everywhere. Composite foreign keys include `tenant_id`, so a child
can never point at another tenant's parent.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    Enum,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..common.encryption import EncryptedString
from ..common.types import UTCDateTime
from ..extensions import db
from ..tenancy import TenantScoped, tenant_fk


def _enum(cls, name):
    return Enum(cls, name=name, native_enum=False, length=20, validate_strings=True)


class Community(TenantScoped, db.Model):
    """社区: the unit of per-community configuration."""

    __tablename__ = "communities"
    __extra_table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(300))
    config: Mapped[dict] = mapped_column(JSON, default=dict)
    config_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())

    @hybrid_property
    def community_id(self) -> int:
        """A community belongs to itself, so permission checks read `community_id` everywhere."""
        return self.id


class SiteKind(enum.StrEnum):
    compound = "compound"  # 商品房小区
    resettlement = "resettlement"  # 还建小区
    old = "old"  # 老旧小区
    abandoned = "abandoned"  # 弃管小区
    village = "village"  # 村湾（开放式自然村）
    other = "other"


class Site(TenantScoped, db.Model):
    """小区 / 村湾."""

    __tablename__ = "sites"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        Index(None, "tenant_id", "community_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[SiteKind] = mapped_column(_enum(SiteKind, "site_kind"))
    address: Mapped[str | None] = mapped_column(String(300))
    area_m2: Mapped[float | None] = mapped_column(Numeric(12, 2, asdecimal=False))


class Building(TenantScoped, db.Model):
    """楼栋."""

    __tablename__ = "buildings"
    __extra_table_args__ = (
        tenant_fk("site_id", "sites"),
        tenant_fk("community_id", "communities"),
        UniqueConstraint("tenant_id", "site_id", "name"),
        Index(None, "tenant_id", "community_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(50))
    floors: Mapped[int | None] = mapped_column(Integer)


class Unit(TenantScoped, db.Model):
    """A room (房号) in a building, behind an entrance (单元)."""

    __tablename__ = "units"
    __extra_table_args__ = (
        tenant_fk("building_id", "buildings"),
        tenant_fk("community_id", "communities"),
        UniqueConstraint("tenant_id", "building_id", "entrance", "number"),
        Index(None, "tenant_id", "community_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int] = mapped_column(Integer)
    building_id: Mapped[int] = mapped_column(Integer)
    entrance: Mapped[str] = mapped_column(String(20), default="")
    floor: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(20))
    area_m2: Mapped[float | None] = mapped_column(Numeric(10, 2, asdecimal=False))


class HouseholdKind(enum.StrEnum):
    owner = "owner"  # 业主自住
    renter = "renter"  # 租户
    vacant = "vacant"  # 空置


class Household(TenantScoped, db.Model):
    """住户: who lives in a unit."""

    __tablename__ = "households"
    __extra_table_args__ = (
        tenant_fk("unit_id", "units"),
        tenant_fk("community_id", "communities"),
        Index(None, "tenant_id", "community_id", "id"),
        Index(None, "tenant_id", "unit_id"),
        Index(None, "tenant_id", "site_id", "building_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int] = mapped_column(Integer)
    building_id: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[HouseholdKind] = mapped_column(_enum(HouseholdKind, "household_kind"))
    moved_in_on: Mapped[date | None] = mapped_column(Date)
    moved_out_on: Mapped[date | None] = mapped_column(Date)
    members: Mapped[int | None] = mapped_column(Integer)  # 人数: people living there


# A resident's natural key: their name within their household. Ledgers (住户台账) name people,
# not ids; the ID-card number is often blank and is encrypted with a random nonce, so it cannot be
# looked up. Two people of one name in one household are refused (409 on `name`), which is what
# lets an import of the same ledger update, never append (imports/households/plan.py). Rows that
# shared a name in a household before the key existed were kept, marked `duplicate_of` by
# migration 0010_resident_natural_key and left out of the index: for a person to merge or delete.
RESIDENT_NATURAL_KEY = "uq_residents_tenant_id_household_id_name"
_NOT_A_DUPLICATE = text("duplicate_of IS NULL")


class Resident(TenantScoped, db.Model):
    """居民. The ID-card number is encrypted at rest and only ever shown masked."""

    __tablename__ = "residents"
    __extra_table_args__ = (
        tenant_fk("household_id", "households"),
        tenant_fk("community_id", "communities"),
        Index(None, "tenant_id", "community_id", "id"),
        Index(None, "tenant_id", "household_id"),
        Index(None, "tenant_id", "phone"),
        Index(RESIDENT_NATURAL_KEY, "tenant_id", "household_id", "name", unique=True,
              postgresql_where=_NOT_A_DUPLICATE, sqlite_where=_NOT_A_DUPLICATE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int] = mapped_column(Integer)
    building_id: Mapped[int] = mapped_column(Integer)
    household_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    gender: Mapped[str | None] = mapped_column(String(10))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    id_card: Mapped[str | None] = mapped_column(EncryptedString(255))
    # The id of the older resident of the same name in the same household, for rows that were
    # already duplicates when the natural key came (migration 0010); None for everyone else.
    duplicate_of: Mapped[int | None] = mapped_column(Integer)

    tag_rows: Mapped[list[ResidentTag]] = relationship(
        primaryjoin="Resident.id == foreign(ResidentTag.resident_id)",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="ResidentTag.tag",
    )

    @property
    def tags(self) -> list[str]:
        # sorted here, not only by the loader's ORDER BY: the same order right after a change
        # (objects are not reloaded after a commit) and whatever the database's collation
        return sorted(t.tag for t in self.tag_rows)

    @tags.setter
    def tags(self, values: list[str]) -> None:
        wanted = list(dict.fromkeys(values))
        keep = [t for t in self.tag_rows if t.tag in wanted]
        have = {t.tag for t in keep}
        self.tag_rows = keep + [ResidentTag(tag=v) for v in wanted if v not in have]


class ResidentTag(TenantScoped, db.Model):
    """A tag of a resident (党员, 业委会, 网格员 …), in its own table so filters use an index."""

    __tablename__ = "resident_tags"
    __extra_table_args__ = (
        tenant_fk("resident_id", "residents", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "tag", "resident_id"),
        Index(None, "tenant_id", "resident_id"),  # a resident's tags (loading, cascades, imports)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(Integer)
    tag: Mapped[str] = mapped_column(String(20))
