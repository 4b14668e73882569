"""care_visits: the care register, plans, visits, referrals, photos, access log, briefs

Revision ID: care_visits_0001
Revises:
Create Date: 2026-11-25

Free texts, ID numbers, contacts, photos and brief files are Fernet ciphertext (the models'
EncryptedString): plain Text/String columns here, never plain text in them.
"""

import sqlalchemy as sa
from alembic import op

from wuye_core.plugins import disable_tenant_rls, enable_tenant_rls

revision = "care_visits_0001"
down_revision = None
branch_labels = ("care_visits",)
depends_on = "0001_core"


def upgrade():
    op.create_table(
        "care_visits_access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("object_type", sa.String(length=20), nullable=True),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=("fk_care_visits_access_log_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=("pk_care_visits_access_log")),
        sa.UniqueConstraint("tenant_id", "id", name=("uq_care_visits_access_log_tenant_id_id")),
    )
    op.create_index(
        ("ix_care_visits_access_log_tenant_id_community_id_at"),
        "care_visits_access_log",
        ["tenant_id", "community_id", "at"],
        unique=False,
    )
    op.create_index(
        ("ix_care_visits_access_log_tenant_id_person_id"),
        "care_visits_access_log",
        ["tenant_id", "person_id"],
        unique=False,
    )
    op.create_table(
        "care_visits_briefs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=True),
        sa.Column("docx", sa.Text(), nullable=True),
        sa.Column("xlsx", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=("fk_care_visits_briefs_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=("fk_care_visits_briefs_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=("pk_care_visits_briefs")),
        sa.UniqueConstraint("tenant_id", "id", name=("uq_care_visits_briefs_tenant_id_id")),
    )
    op.create_index(
        ("ix_care_visits_briefs_tenant_id_community_id_id"),
        "care_visits_briefs",
        ["tenant_id", "community_id", "id"],
        unique=False,
    )
    op.create_table(
        "care_visits_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("difficulty_flags", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=1), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("health_details", sa.Text(), nullable=True),
        sa.Column("hardship_details", sa.Text(), nullable=True),
        sa.Column("id_number", sa.String(length=255), nullable=True),
        sa.Column("emergency_contacts", sa.Text(), nullable=True),
        sa.Column("consent_visits", sa.Boolean(), nullable=False),
        sa.Column("consent_photos", sa.Boolean(), nullable=False),
        sa.Column("consent_sharing", sa.JSON(), nullable=False),
        sa.Column("consent_recorded_on", sa.Date(), nullable=True),
        sa.Column("last_visit_on", sa.Date(), nullable=True),
        sa.Column("next_due_on", sa.Date(), nullable=True),
        sa.Column("high_risk", sa.Boolean(), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=("fk_care_visits_people_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "resident_id"],
            ["residents.tenant_id", "residents.id"],
            name=("fk_care_visits_people_tenant_id_residents"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=("fk_care_visits_people_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=("pk_care_visits_people")),
        sa.UniqueConstraint("tenant_id", "id", name=("uq_care_visits_people_tenant_id_id")),
    )
    op.create_index(
        ("ix_care_visits_people_tenant_id_community_id_id"),
        "care_visits_people",
        ["tenant_id", "community_id", "id"],
        unique=False,
    )
    op.create_index(
        ("ix_care_visits_people_tenant_id_resident_id"),
        "care_visits_people",
        ["tenant_id", "resident_id"],
        unique=True,
    )
    op.create_table(
        "care_visits_plan_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=("fk_care_visits_plan_items_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "person_id"],
            ["care_visits_people.tenant_id", "care_visits_people.id"],
            name=("fk_care_visits_plan_items_tenant_id_care_visits_people"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=("fk_care_visits_plan_items_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=("pk_care_visits_plan_items")),
        sa.UniqueConstraint("tenant_id", "id", name=("uq_care_visits_plan_items_tenant_id_id")),
    )
    op.create_index(
        ("ix_care_visits_plan_items_tenant_id_community_id_due_on"),
        "care_visits_plan_items",
        ["tenant_id", "community_id", "due_on"],
        unique=False,
    )
    op.create_index(
        ("ix_care_visits_plan_items_tenant_id_person_id_period_kind"),
        "care_visits_plan_items",
        ["tenant_id", "person_id", "period", "kind"],
        unique=True,
    )
    op.create_table(
        "care_visits_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("visitors", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("need_flags", sa.Integer(), nullable=False),
        sa.Column("help_flags", sa.Integer(), nullable=False),
        sa.Column("main_needs", sa.Text(), nullable=True),
        sa.Column("living_conditions", sa.Text(), nullable=True),
        sa.Column("mental_state", sa.Text(), nullable=True),
        sa.Column("hazards", sa.Text(), nullable=True),
        sa.Column("special_notes", sa.Text(), nullable=True),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.Column("help_given", sa.Text(), nullable=True),
        sa.Column("recommendation", sa.Text(), nullable=True),
        sa.Column("risk_health", sa.String(length=6), nullable=False),
        sa.Column("risk_safety", sa.String(length=6), nullable=False),
        sa.Column("risk_social", sa.String(length=6), nullable=False),
        sa.Column("followup_plan", sa.Text(), nullable=True),
        sa.Column("next_visit_on", sa.Date(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("ticket_error", sa.String(length=300), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=("fk_care_visits_visits_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "person_id"],
            ["care_visits_people.tenant_id", "care_visits_people.id"],
            name=("fk_care_visits_visits_tenant_id_care_visits_people"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=("fk_care_visits_visits_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=("pk_care_visits_visits")),
        sa.UniqueConstraint("tenant_id", "id", name=("uq_care_visits_visits_tenant_id_id")),
    )
    op.create_index(
        ("ix_care_visits_visits_tenant_id_community_id_visited_on"),
        "care_visits_visits",
        ["tenant_id", "community_id", "visited_on"],
        unique=False,
    )
    op.create_index(
        ("ix_care_visits_visits_tenant_id_person_id_visited_on"),
        "care_visits_visits",
        ["tenant_id", "person_id", "visited_on"],
        unique=False,
    )
    op.create_index(
        ("ix_care_visits_visits_tenant_id_ticket_id"),
        "care_visits_visits",
        ["tenant_id", "ticket_id"],
        unique=False,
    )
    op.create_table(
        "care_visits_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=50), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=("fk_care_visits_photos_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "visit_id"],
            ["care_visits_visits.tenant_id", "care_visits_visits.id"],
            name=("fk_care_visits_photos_tenant_id_care_visits_visits"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=("fk_care_visits_photos_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=("pk_care_visits_photos")),
        sa.UniqueConstraint("tenant_id", "id", name=("uq_care_visits_photos_tenant_id_id")),
    )
    op.create_index(
        ("ix_care_visits_photos_tenant_id_visit_id"),
        "care_visits_photos",
        ["tenant_id", "visit_id"],
        unique=False,
    )
    op.create_table(
        "care_visits_referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=("fk_care_visits_referrals_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "person_id"],
            ["care_visits_people.tenant_id", "care_visits_people.id"],
            name=("fk_care_visits_referrals_tenant_id_care_visits_people"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "visit_id"],
            ["care_visits_visits.tenant_id", "care_visits_visits.id"],
            name=("fk_care_visits_referrals_tenant_id_care_visits_visits"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=("fk_care_visits_referrals_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=("pk_care_visits_referrals")),
        sa.UniqueConstraint("tenant_id", "id", name=("uq_care_visits_referrals_tenant_id_id")),
    )
    op.create_index(
        ("ix_care_visits_referrals_tenant_id_community_id_status"),
        "care_visits_referrals",
        ["tenant_id", "community_id", "status"],
        unique=False,
    )
    op.create_index(
        ("ix_care_visits_referrals_tenant_id_visit_id"),
        "care_visits_referrals",
        ["tenant_id", "visit_id"],
        unique=False,
    )
    enable_tenant_rls("care_visits_access_log")
    enable_tenant_rls("care_visits_briefs")
    enable_tenant_rls("care_visits_people")
    enable_tenant_rls("care_visits_plan_items")
    enable_tenant_rls("care_visits_visits")
    enable_tenant_rls("care_visits_photos")
    enable_tenant_rls("care_visits_referrals")


def downgrade():
    disable_tenant_rls("care_visits_referrals")
    op.drop_table("care_visits_referrals")
    disable_tenant_rls("care_visits_photos")
    op.drop_table("care_visits_photos")
    disable_tenant_rls("care_visits_visits")
    op.drop_table("care_visits_visits")
    disable_tenant_rls("care_visits_plan_items")
    op.drop_table("care_visits_plan_items")
    disable_tenant_rls("care_visits_people")
    op.drop_table("care_visits_people")
    disable_tenant_rls("care_visits_briefs")
    op.drop_table("care_visits_briefs")
    disable_tenant_rls("care_visits_access_log")
    op.drop_table("care_visits_access_log")
