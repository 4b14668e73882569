"""tickets

Revision ID: 0002_tickets
Revises: 0001_core
Create Date: 2026-11-25 13:09:16.966651
"""

import sqlalchemy as sa
from alembic import op

from wuye_core.tenancy.rls import disable_tenant_rls, enable_tenant_rls

revision = "0002_tickets"
down_revision = "0001_core"
branch_labels = None
depends_on = None

TENANT_TABLES = ["tickets", "ticket_attachments", "ticket_transitions"]


def upgrade():
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("reporter_resident_id", sa.Integer(), nullable=True),
        sa.Column("reporter_name", sa.String(length=50), nullable=True),
        sa.Column("reporter_phone", sa.String(length=20), nullable=True),
        sa.Column(
            "channel",
            sa.Enum(
                "window",
                "phone",
                "app",
                "wechat",
                "walk_in",
                "liaison_visit",
                name="ticket_channel",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "repair",
                "complaint",
                "inquiry",
                "suggestion",
                "dispute",
                name="ticket_kind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "priority",
            sa.Enum(
                "normal", "urgent", "major", "complex", name="ticket_priority", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "accepted",
                "dispatched",
                "on_site",
                "resolved",
                "closed",
                "reopened",
                "cancelled",
                name="ticket_status",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("team", sa.String(length=50), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("on_site_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopened_count", sa.Integer(), nullable=False),
        sa.Column("arrive_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolve_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sla_policy", sa.String(length=40), nullable=True),
        sa.Column("arrive_breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolve_breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("rating_comment", sa.String(length=500), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=op.f("fk_tickets_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "site_id"], ["sites.tenant_id", "sites.id"], name=op.f("fk_tickets_tenant_id_sites")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_tickets_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_tickets_tenant_id_id")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tickets_tenant_id_assignee_id_status"),
            ["tenant_id", "assignee_id", "status"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_tickets_tenant_id_community_id_created_at"),
            ["tenant_id", "community_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_tickets_tenant_id_status_resolve_due_at"),
            ["tenant_id", "status", "resolve_due_at"],
            unique=False,
        )

    op.create_table(
        "ticket_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "ticket_id"],
            ["tickets.tenant_id", "tickets.id"],
            name=op.f("fk_ticket_attachments_tenant_id_tickets"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_ticket_attachments_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_attachments")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_ticket_attachments_tenant_id_id")),
    )
    with op.batch_alter_table("ticket_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_attachments_tenant_id_ticket_id"), ["tenant_id", "ticket_id"], unique=False
        )

    op.create_table(
        "ticket_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "ticket_id"],
            ["tickets.tenant_id", "tickets.id"],
            name=op.f("fk_ticket_transitions_tenant_id_tickets"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_ticket_transitions_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_transitions")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_ticket_transitions_tenant_id_id")),
    )
    with op.batch_alter_table("ticket_transitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_transitions_tenant_id_ticket_id_id"),
            ["tenant_id", "ticket_id", "id"],
            unique=False,
        )

    for table in TENANT_TABLES:  # row-level security (PostgreSQL only)
        enable_tenant_rls(table)


def downgrade():
    for table in TENANT_TABLES:
        disable_tenant_rls(table)
    with op.batch_alter_table("ticket_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_transitions_tenant_id_ticket_id_id"))

    op.drop_table("ticket_transitions")
    with op.batch_alter_table("ticket_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_attachments_tenant_id_ticket_id"))

    op.drop_table("ticket_attachments")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_tenant_id_status_resolve_due_at"))
        batch_op.drop_index(batch_op.f("ix_tickets_tenant_id_community_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_tickets_tenant_id_assignee_id_status"))

    op.drop_table("tickets")
