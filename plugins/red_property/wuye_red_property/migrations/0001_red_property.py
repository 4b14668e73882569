"""red_property: joint meetings, agenda, resolutions, liaison visits, coverage, integration

Revision ID: red_property_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from wuye_core.plugins import disable_tenant_rls, enable_tenant_rls

revision = "red_property_0001"
down_revision = None
branch_labels = ("red_property",)
depends_on = ("0001_core", "0002_tickets")  # agenda items and problems point at tickets

TABLES = [
    "red_property_meetings",
    "red_property_participants",
    "red_property_agenda_items",
    "red_property_resolutions",
    "red_property_follow_ups",
    "red_property_visits",
    "red_property_problems",
    "red_property_site_management",
    "red_property_agreements",
    "red_property_agreement_sites",
    "red_property_dual_posts",
    "red_property_shared_services",
]


def upgrade():
    op.create_table(
        "red_property_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("scheduled_on", sa.Date(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("minutes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=op.f("fk_red_property_meetings_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_red_property_meetings_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_red_property_meetings")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_red_property_meetings_tenant_id_id")),
    )
    op.create_index(
        op.f("ix_red_property_meetings_tenant_id_community_id_scheduled_on"),
        "red_property_meetings",
        ["tenant_id", "community_id", "scheduled_on"],
        unique=False,
    )
    op.create_table(
        "red_property_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("post", sa.String(length=100), nullable=True),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "meeting_id"],
            ["red_property_meetings.tenant_id", "red_property_meetings.id"],
            name=op.f("fk_red_property_participants_tenant_id_red_property_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_red_property_participants_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_red_property_participants")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_red_property_participants_tenant_id_id")),
    )
    op.create_index(
        op.f("ix_red_property_participants_tenant_id_meeting_id"),
        "red_property_participants",
        ["tenant_id", "meeting_id"],
        unique=False,
    )
    op.create_table(
        "red_property_agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=op.f("fk_red_property_agenda_items_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "meeting_id"],
            ["red_property_meetings.tenant_id", "red_property_meetings.id"],
            name=op.f("fk_red_property_agenda_items_tenant_id_red_property_meetings"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "ticket_id"],
            ["tickets.tenant_id", "tickets.id"],
            name=op.f("fk_red_property_agenda_items_tenant_id_tickets"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_red_property_agenda_items_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_red_property_agenda_items")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_red_property_agenda_items_tenant_id_id")),
    )
    op.create_index(
        op.f("ix_red_property_agenda_items_tenant_id_community_id_status"),
        "red_property_agenda_items",
        ["tenant_id", "community_id", "status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_red_property_agenda_items_tenant_id_meeting_id"),
        "red_property_agenda_items",
        ["tenant_id", "meeting_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_red_property_agenda_items_tenant_id_ticket_id"),
        "red_property_agenda_items",
        ["tenant_id", "ticket_id"],
        unique=False,
    )
    op.create_table(
        "red_property_resolutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("owner_side", sa.String(length=16), nullable=False),
        sa.Column("owner_name", sa.String(length=100), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "agenda_item_id"],
            ["red_property_agenda_items.tenant_id", "red_property_agenda_items.id"],
            name=op.f("fk_red_property_resolutions_tenant_id_red_property_agenda_items"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=op.f("fk_red_property_resolutions_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "meeting_id"],
            ["red_property_meetings.tenant_id", "red_property_meetings.id"],
            name=op.f("fk_red_property_resolutions_tenant_id_red_property_meetings"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_red_property_resolutions_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_red_property_resolutions")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_red_property_resolutions_tenant_id_id")),
    )
    op.create_index(
        op.f("ix_red_property_resolutions_tenant_id_agenda_item_id"),
        "red_property_resolutions",
        ["tenant_id", "agenda_item_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_red_property_resolutions_tenant_id_community_id_due_on"),
        "red_property_resolutions",
        ["tenant_id", "community_id", "due_on"],
        unique=False,
    )
    op.create_index(
        op.f("ix_red_property_resolutions_tenant_id_meeting_id"),
        "red_property_resolutions",
        ["tenant_id", "meeting_id"],
        unique=False,
    )
    op.create_table(
        "red_property_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resolution_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "meeting_id"],
            ["red_property_meetings.tenant_id", "red_property_meetings.id"],
            name=op.f("fk_red_property_follow_ups_tenant_id_red_property_meetings"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "resolution_id"],
            ["red_property_resolutions.tenant_id", "red_property_resolutions.id"],
            name=op.f("fk_red_property_follow_ups_tenant_id_red_property_resolutions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_red_property_follow_ups_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_red_property_follow_ups")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_red_property_follow_ups_tenant_id_id")),
    )
    op.create_index(
        op.f("ix_red_property_follow_ups_tenant_id_resolution_id"),
        "red_property_follow_ups",
        ["tenant_id", "resolution_id"],
        unique=False,
    )
    op.create_table(
        "red_property_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("officer", sa.String(length=100), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=op.f("fk_red_property_visits_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "site_id"],
            ["sites.tenant_id", "sites.id"],
            name=op.f("fk_red_property_visits_tenant_id_sites"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_red_property_visits_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_red_property_visits")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_red_property_visits_tenant_id_id")),
    )
    op.create_index(
        op.f("ix_red_property_visits_tenant_id_community_id_visited_on"),
        "red_property_visits",
        ["tenant_id", "community_id", "visited_on"],
        unique=False,
    )
    op.create_table(
        "red_property_problems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "agenda_item_id"],
            ["red_property_agenda_items.tenant_id", "red_property_agenda_items.id"],
            name=op.f("fk_red_property_problems_tenant_id_red_property_agenda_items"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=op.f("fk_red_property_problems_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "site_id"],
            ["sites.tenant_id", "sites.id"],
            name=op.f("fk_red_property_problems_tenant_id_sites"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "ticket_id"],
            ["tickets.tenant_id", "tickets.id"],
            name=op.f("fk_red_property_problems_tenant_id_tickets"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "visit_id"],
            ["red_property_visits.tenant_id", "red_property_visits.id"],
            name=op.f("fk_red_property_problems_tenant_id_red_property_visits"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_red_property_problems_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_red_property_problems")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_red_property_problems_tenant_id_id")),
    )
    op.create_index(
        op.f("ix_red_property_problems_tenant_id_visit_id"),
        "red_property_problems",
        ["tenant_id", "visit_id"],
        unique=False,
    )
    op.create_table(
        "red_property_site_management",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("manager", sa.String(length=16), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=op.f("fk_red_property_site_management_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "site_id"],
            ["sites.tenant_id", "sites.id"],
            name=op.f("fk_red_property_site_management_tenant_id_sites"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_red_property_site_management_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_red_property_site_management")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_red_property_site_management_tenant_id_id")),
        sa.UniqueConstraint(
            "tenant_id", "site_id", name=op.f("uq_red_property_site_management_tenant_id_site_id")
        ),
    )
    op.create_table(
        "red_property_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("community_party", sa.String(length=200), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=op.f("fk_red_property_agreements_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_red_property_agreements_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_red_property_agreements")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_red_property_agreements_tenant_id_id")),
    )
    op.create_index(
        op.f("ix_red_property_agreements_tenant_id_community_id"),
        "red_property_agreements",
        ["tenant_id", "community_id"],
        unique=False,
    )
    op.create_table(
        "red_property_agreement_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "agreement_id"],
            ["red_property_agreements.tenant_id", "red_property_agreements.id"],
            name="fk_red_property_agreement_sites_agreement",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "site_id"],
            ["sites.tenant_id", "sites.id"],
            name=op.f("fk_red_property_agreement_sites_tenant_id_sites"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_red_property_agreement_sites_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_red_property_agreement_sites")),
        sa.UniqueConstraint(
            "tenant_id",
            "agreement_id",
            "site_id",
            name=op.f("uq_red_property_agreement_sites_tenant_id_agreement_id_site_id"),
        ),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_red_property_agreement_sites_tenant_id_id")),
    )
    op.create_index(
        op.f("ix_red_property_agreement_sites_tenant_id_site_id"),
        "red_property_agreement_sites",
        ["tenant_id", "site_id"],
        unique=False,
    )
    op.create_table(
        "red_property_dual_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("person_name", sa.String(length=100), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=True),
        sa.Column("community_post", sa.String(length=100), nullable=False),
        sa.Column("property_post", sa.String(length=100), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=op.f("fk_red_property_dual_posts_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "staff_user_id"],
            ["staff_users.tenant_id", "staff_users.id"],
            name=op.f("fk_red_property_dual_posts_tenant_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_red_property_dual_posts_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_red_property_dual_posts")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_red_property_dual_posts_tenant_id_id")),
    )
    op.create_index(
        op.f("ix_red_property_dual_posts_tenant_id_community_id"),
        "red_property_dual_posts",
        ["tenant_id", "community_id"],
        unique=False,
    )
    op.create_table(
        "red_property_shared_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=op.f("fk_red_property_shared_services_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_red_property_shared_services_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_red_property_shared_services")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_red_property_shared_services_tenant_id_id")),
    )
    op.create_index(
        op.f("ix_red_property_shared_services_tenant_id_community_id"),
        "red_property_shared_services",
        ["tenant_id", "community_id"],
        unique=False,
    )
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade():
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
