"""legacy: notes table

Revision ID: legacy_0001
Revises:
Create Date: (scaffold)
"""

import sqlalchemy as sa
from alembic import op

from wuye_core.tenancy.rls import disable_tenant_rls, enable_tenant_rls

revision = "legacy_0001"
down_revision = None
branch_labels = ("legacy",)
depends_on = "0001_core"


def upgrade():
    op.create_table(
        "legacy_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("source_event", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_legacy_notes_tenant_id_tenants",
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["tenant_id", "community_id"], ["communities.tenant_id", "communities.id"],
                                name="fk_legacy_notes_tenant_id_communities"),
        sa.PrimaryKeyConstraint("id", name="pk_legacy_notes"),
        sa.UniqueConstraint("tenant_id", "id", name="uq_legacy_notes_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "source_event", name="uq_legacy_notes_tenant_id_source_event"),
    )
    op.create_index("ix_legacy_notes_tenant_id_community_id_id", "legacy_notes",
                    ["tenant_id", "community_id", "id"])
    enable_tenant_rls("legacy_notes")


def downgrade():
    disable_tenant_rls("legacy_notes")
    op.drop_index("ix_legacy_notes_tenant_id_community_id_id", table_name="legacy_notes")
    op.drop_table("legacy_notes")
