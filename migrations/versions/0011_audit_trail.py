"""audit_events, platform_audit_events: the audit trail of security-relevant actions

Revision ID: 0011_audit_trail
Revises: 0010_resident_natural_key
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from wuye_core.tenancy.rls import disable_tenant_rls, enable_tenant_rls

revision = "0011_audit_trail"
down_revision = "0010_resident_natural_key"
branch_labels = None
depends_on = None

TENANT_TABLES = ["audit_events"]


def _columns():
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=40), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
    ]


def upgrade():
    op.create_table(
        "audit_events",
        *_columns(),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_audit_events_tenant_id_tenants"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_audit_events_tenant_id_id")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_tenant_id_at"), ["tenant_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_tenant_id_action_at"), ["tenant_id", "action", "at"],
                              unique=False)
    op.create_table(
        "platform_audit_events",
        *_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_audit_events")),
    )
    with op.batch_alter_table("platform_audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_platform_audit_events_at"), ["at"], unique=False)
    for table in TENANT_TABLES:  # row-level security (PostgreSQL only)
        enable_tenant_rls(table)


def downgrade():
    for table in TENANT_TABLES:
        disable_tenant_rls(table)
    op.drop_table("platform_audit_events")
    op.drop_table("audit_events")
