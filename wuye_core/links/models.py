"""A service link: provider tenant P serves its site S' (in P's register), which is site S of
community K in client tenant C's register. Proposed by one side, accepted by the other."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, ForeignKeyConstraint, Index, Integer, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from ..common.types import UTCDateTime
from ..extensions import db
from ..tenancy import SharedBetweenTenants


class LinkState(enum.StrEnum):
    proposed = "proposed"  # 待对方确认
    accepted = "accepted"  # 已生效
    declined = "declined"  # 对方已拒绝
    revoked = "revoked"  # 已解除 (by either side)


LIVE = (LinkState.proposed, LinkState.accepted)


class Side(enum.StrEnum):
    provider = "provider"  # 服务方: the company that serves the site
    client = "client"  # 属地方: the street (or community) the site lies in


class ServiceLink(SharedBetweenTenants, db.Model):
    __tablename__ = "service_links"
    __tenant_columns__ = ("provider_tenant_id", "client_tenant_id")
    __table_args__ = (
        # each side's site is a site of that side's register (composite foreign keys: a tenant
        # cannot name another tenant's site as its own)
        ForeignKeyConstraint(["provider_tenant_id", "provider_site_id"], ["sites.tenant_id", "sites.id"]),
        ForeignKeyConstraint(["client_tenant_id", "client_site_id"], ["sites.tenant_id", "sites.id"]),
        # a site has one live link at a time, on either side
        Index("ux_service_links_live_provider_site", "provider_tenant_id", "provider_site_id", unique=True,
              postgresql_where=text("state IN ('proposed', 'accepted')"),
              sqlite_where=text("state IN ('proposed', 'accepted')")),
        Index("ux_service_links_live_client_site", "client_tenant_id", "client_site_id", unique=True,
              postgresql_where=text("state IN ('proposed', 'accepted')"),
              sqlite_where=text("state IN ('proposed', 'accepted')")),
        Index(None, "client_tenant_id", "state"),
        Index(None, "provider_tenant_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    provider_site_id: Mapped[int | None] = mapped_column(Integer)  # named by the provider
    provider_site_name: Mapped[str | None] = mapped_column(String(100))  # what the provider calls it
    client_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    client_site_id: Mapped[int | None] = mapped_column(Integer)  # named by the client
    client_community_id: Mapped[int | None] = mapped_column(Integer)  # the client site's community
    client_site_name: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[LinkState] = mapped_column(
        Enum(LinkState, name="link_state", native_enum=False, length=20, validate_strings=True))
    proposed_by: Mapped[Side] = mapped_column(
        Enum(Side, name="link_side", native_enum=False, length=20, validate_strings=True))
    # hand-offs to the provider carry the reporter's name and phone (the resident agreed to be
    # called back by whoever does the work); otherwise they leave without them
    share_contact: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    note: Mapped[str | None] = mapped_column(String(500))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    proposed_by_user: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_user: Mapped[str | None] = mapped_column(String(64))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by: Mapped[Side | None] = mapped_column(
        Enum(Side, name="link_side", native_enum=False, length=20, validate_strings=True))
    ended_by_user: Mapped[str | None] = mapped_column(String(64))
    end_reason: Mapped[str | None] = mapped_column(String(500))

    def side_of(self, tenant_id: int) -> Side:
        return Side.provider if tenant_id == self.provider_tenant_id else Side.client

    def partner_of(self, tenant_id: int) -> int:
        return self.client_tenant_id if tenant_id == self.provider_tenant_id else self.provider_tenant_id
