"""import jobs (household ledger imports), households.members, an index of a resident's tags

Revision ID: 0005_import_jobs
Revises: 0004_notifications
Create Date: 2026-11-25 14:00:00
"""

import sqlalchemy as sa
from alembic import op

from wuye_core.tenancy.rls import disable_tenant_rls, enable_tenant_rls

revision = "0005_import_jobs"
down_revision = "0004_notifications"
branch_labels = None
depends_on = None

TENANT_TABLES = ["import_jobs"]


def upgrade():
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.add_column(sa.Column("members", sa.Integer(), nullable=True))
    with op.batch_alter_table("resident_tags", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resident_tags_tenant_id_resident_id"), ["tenant_id", "resident_id"], unique=False
        )

    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("status", sa.Enum("queued", "running", "done", "failed", name="import_status",
                                    native_enum=False, length=20), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=True),
        sa.Column("storage_key", sa.String(length=300), nullable=True),
        sa.Column("total_rows", sa.Integer(), nullable=True),
        sa.Column("processed_rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=300), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=op.f("fk_import_jobs_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_import_jobs_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_import_jobs_tenant_id_id")),
    )
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_jobs_tenant_id_community_id_id"), ["tenant_id", "community_id", "id"], unique=False
        )

    for table in TENANT_TABLES:  # row-level security (PostgreSQL only)
        enable_tenant_rls(table)


def downgrade():
    for table in TENANT_TABLES:
        disable_tenant_rls(table)
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_jobs_tenant_id_community_id_id"))
    op.drop_table("import_jobs")
    with op.batch_alter_table("resident_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_tags_tenant_id_resident_id"))
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_column("members")
