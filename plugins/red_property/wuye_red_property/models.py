"""Tables of 红色物业 · 三方联动: names start with `red_property_`; rows are tenant-scoped by the core.

Children reference parents through composite `(tenant_id, id)` foreign keys, so the database
itself refuses a row that points into another tenant. Enumerations are plain strings checked by
the schemas (the same on SQLite and PostgreSQL).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from wuye_core.plugins import TenantScoped, UTCDateTime, db, tenant_fk

from .i18n import N_

SIDES = ("community", "property", "residents")  # 社区（党组织/居委会）、物业、居民代表
SIDE_LABELS = {  # for people, translated where shown
    "community": N_("Community (party organisation / residents' committee)"),
    "property": N_("Property company"),
    "residents": N_("Residents' representatives"),
}


class Meeting(TenantScoped, db.Model):
    """三方联席会议: planned → held (minutes recorded) or cancelled."""

    __tablename__ = "red_property_meetings"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        Index(None, "tenant_id", "community_id", "scheduled_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    scheduled_on: Mapped[date] = mapped_column(Date)
    location: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned | held | cancelled
    held_on: Mapped[date | None] = mapped_column(Date)
    minutes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Participant(TenantScoped, db.Model):
    """Someone invited to a meeting, with the side they speak for, and whether they came."""

    __tablename__ = "red_property_participants"
    __extra_table_args__ = (
        tenant_fk("meeting_id", "red_property_meetings", ondelete="CASCADE"),
        Index(None, "tenant_id", "meeting_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(Integer)
    side: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    post: Mapped[str | None] = mapped_column(String(100))
    attended: Mapped[bool | None] = mapped_column(Boolean)  # None: not recorded yet


# A participant lives in its meeting's community: the core's route gate reads it from here
# (wuye_route_objects), so /participants/<id> is gated like the meeting itself.
Participant.community_id = column_property(
    select(Meeting.community_id)
    .where(Meeting.id == Participant.meeting_id, Meeting.tenant_id == Participant.tenant_id)
    .scalar_subquery()
)


class AgendaItem(TenantScoped, db.Model):
    """议题: pending (waiting for a meeting) → discussed (resolutions follow) → closed.

    `meeting_id` is None while the item waits for the next meeting to be scheduled.
    """

    __tablename__ = "red_property_agenda_items"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        tenant_fk("meeting_id", "red_property_meetings"),
        tenant_fk("ticket_id", "tickets"),
        Index(None, "tenant_id", "community_id", "status"),
        Index(None, "tenant_id", "ticket_id"),
        Index(None, "tenant_id", "meeting_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    meeting_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="manual")  # manual | ticket | visit
    ticket_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | discussed | closed
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Resolution(TenantScoped, db.Model):
    """决议: an owner side and person, a deadline, a status; followed up until done."""

    __tablename__ = "red_property_resolutions"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        tenant_fk("meeting_id", "red_property_meetings"),
        tenant_fk("agenda_item_id", "red_property_agenda_items"),
        Index(None, "tenant_id", "community_id", "due_on"),
        Index(None, "tenant_id", "meeting_id"),
        Index(None, "tenant_id", "agenda_item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    meeting_id: Mapped[int] = mapped_column(Integer)
    agenda_item_id: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))
    owner_side: Mapped[str] = mapped_column(String(16))
    owner_name: Mapped[str] = mapped_column(String(100))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | in_progress | done | cancelled
    # the company that owns it (owner_side "property"): a service link in force when recorded
    # (the core's, red_property_0002); its partner's name as it was then, shown once the link has ended
    service_link_id: Mapped[int | None] = mapped_column(Integer)
    company_name: Mapped[str | None] = mapped_column(String(200))
    # #18 item 4 (the core's hand-offs, not on main yet): the hand-off made from it, for handoff_info()
    handoff_id: Mapped[int | None] = mapped_column(Integer)
    done_on: Mapped[date | None] = mapped_column(Date)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # marked once by the daily job
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class FollowUp(TenantScoped, db.Model):
    """跟进记录: progress on a resolution, at a later meeting or in between."""

    __tablename__ = "red_property_follow_ups"
    __extra_table_args__ = (
        tenant_fk("resolution_id", "red_property_resolutions", ondelete="CASCADE"),
        tenant_fk("meeting_id", "red_property_meetings"),
        Index(None, "tenant_id", "resolution_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resolution_id: Mapped[int] = mapped_column(Integer)
    meeting_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(16))  # the resolution's status after this follow-up
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Visit(TenantScoped, db.Model):
    """三方联动专员走访: a liaison officer's visit to a community (optionally one site)."""

    __tablename__ = "red_property_visits"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        tenant_fk("site_id", "sites"),
        Index(None, "tenant_id", "community_id", "visited_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int | None] = mapped_column(Integer)
    visited_on: Mapped[date] = mapped_column(Date)
    officer: Mapped[str] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Problem(TenantScoped, db.Model):
    """A problem found on a visit; it may become an agenda item or a ticket (not both)."""

    __tablename__ = "red_property_problems"
    __extra_table_args__ = (
        tenant_fk("visit_id", "red_property_visits", ondelete="CASCADE"),
        tenant_fk("community_id", "communities"),
        tenant_fk("site_id", "sites"),
        tenant_fk("agenda_item_id", "red_property_agenda_items"),
        tenant_fk("ticket_id", "tickets"),
        Index(None, "tenant_id", "visit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(Integer)
    community_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(1000))
    agenda_item_id: Mapped[int | None] = mapped_column(Integer)
    ticket_id: Mapped[int | None] = mapped_column(Integer)


class SiteManagement(TenantScoped, db.Model):
    """Who manages a site: a property company (by its service link) or the community's own team.

    A site with a service link in force is served by the link's company without any row here
    (coverage.py); a row names the company of another site's link, or the own team."""

    __tablename__ = "red_property_site_management"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        tenant_fk("site_id", "sites", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "site_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int] = mapped_column(Integer)
    manager: Mapped[str] = mapped_column(String(16))  # company | own_team
    service_link_id: Mapped[int | None] = mapped_column(Integer)  # the company's link (red_property_0002)
    # the partner's name when recorded; before red_property_0002 the name typed (no link: "未建立服务关系")
    company_name: Mapped[str | None] = mapped_column(String(200))


class Agreement(TenantScoped, db.Model):
    """红色物业共建协议 with a commercial property company, for some of the community's sites.

    The company is named by a service link in force (the core's `service_links`, read through the
    facade); its name shown is the link's partner name, read when shown. `company_name` is history:
    the name typed for agreements made before red_property_0002, else the partner's name when
    recorded (shown once the link has ended)."""

    __tablename__ = "red_property_agreements"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        Index(None, "tenant_id", "community_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    service_link_id: Mapped[int | None] = mapped_column(Integer)  # None: made before service links
    company_name: Mapped[str | None] = mapped_column(String(200))
    community_party: Mapped[str] = mapped_column(String(200))  # the signatory on the community side
    signed_on: Mapped[date] = mapped_column(Date)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    scope: Mapped[str | None] = mapped_column(Text)


class AgreementSite(TenantScoped, db.Model):
    __tablename__ = "red_property_agreement_sites"
    __extra_table_args__ = (
        tenant_fk(
            "agreement_id",
            "red_property_agreements",
            ondelete="CASCADE",
            name="fk_red_property_agreement_sites_agreement",
        ),
        tenant_fk("site_id", "sites", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "agreement_id", "site_id"),
        Index(None, "tenant_id", "site_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int] = mapped_column(Integer)


class DualPost(TenantScoped, db.Model):
    """社区物业一体化: a person holding posts on both sides (e.g. party secretary and branch manager)."""

    __tablename__ = "red_property_dual_posts"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        tenant_fk("staff_user_id", "staff_users"),
        Index(None, "tenant_id", "community_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    person_name: Mapped[str] = mapped_column(String(100))
    staff_user_id: Mapped[int | None] = mapped_column(Integer)
    community_post: Mapped[str] = mapped_column(String(100))
    property_post: Mapped[str] = mapped_column(String(100))


class SharedService(TenantScoped, db.Model):
    """A service item the community and the property company provide together."""

    __tablename__ = "red_property_shared_services"
    __extra_table_args__ = (
        tenant_fk("community_id", "communities"),
        Index(None, "tenant_id", "community_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)


MODELS = [
    Meeting,
    Participant,
    AgendaItem,
    Resolution,
    FollowUp,
    Visit,
    Problem,
    SiteManagement,
    Agreement,
    AgreementSite,
    DualPost,
    SharedService,
]
