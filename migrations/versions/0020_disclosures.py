"""disclosures: public disclosures (公示) with versions and files (#19 item 5)

Revision ID: 0020_disclosures
Revises: 0019_notices
Create Date: 2026-12-04

- `disclosures`: one per disclosure, where it stands now (the current version's title, periods and
  number; its withdrawal): changed by a correction or a withdrawal, never deleted;
- `disclosure_versions`: each published version (a correction's reason), append-only;
- `disclosure_files`: the uploaded documents (a key into the storage), append-only;
- `disclosure_version_files`: which files each version carries, append-only.
All four are a tenant's data: row-level security `tenant_isolation`.
"""
import sqlalchemy as sa
from alembic import op

from wuye_core.tenancy.rls import append_only, disable_tenant_rls, drop_append_only, enable_tenant_rls

revision = "0020_disclosures"
down_revision = "0019_notices"
branch_labels = None
depends_on = None

TABLES = ("disclosures", "disclosure_versions", "disclosure_files", "disclosure_version_files")
APPEND_ONLY = ("disclosure_versions", "disclosure_files", "disclosure_version_files")


def upgrade():
    op.create_table("disclosure_files",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("filename", sa.String(length=200), nullable=False),
    sa.Column("content_type", sa.String(length=100), nullable=False),
    sa.Column("size", sa.Integer(), nullable=False),
    sa.Column("storage_key", sa.String(length=300), nullable=False),
    sa.Column("uploaded_by", sa.String(length=100), nullable=True),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("tenant_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_disclosure_files_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_files")),
    sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_disclosure_files_tenant_id_id"))
    )
    op.create_table("disclosures",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("community_id", sa.Integer(), nullable=False),
    sa.Column("site_id", sa.Integer(), nullable=True),
    sa.Column("kind", sa.Enum("income_spending", "public_income", "maintenance_fund", "other", name="disclosure_kind", native_enum=False, length=20), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("title", sa.String(length=200), nullable=False),
    sa.Column("period_start", sa.Date(), nullable=False),
    sa.Column("period_end", sa.Date(), nullable=False),
    sa.Column("publish_from", sa.Date(), nullable=False),
    sa.Column("publish_until", sa.Date(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("created_by", sa.String(length=100), nullable=True),
    sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("withdrawn_by", sa.String(length=100), nullable=True),
    sa.Column("withdraw_reason", sa.String(length=500), nullable=True),
    sa.Column("tenant_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["tenant_id", "community_id"], ["communities.tenant_id", "communities.id"], name=op.f("fk_disclosures_tenant_id_communities")),
    sa.ForeignKeyConstraint(["tenant_id", "site_id"], ["sites.tenant_id", "sites.id"], name=op.f("fk_disclosures_tenant_id_sites")),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_disclosures_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosures")),
    sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_disclosures_tenant_id_id"))
    )
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disclosures_tenant_id_community_id_publish_until"), ["tenant_id", "community_id", "publish_until"], unique=False)

    op.create_table("disclosure_versions",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("disclosure_id", sa.Integer(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("title", sa.String(length=200), nullable=False),
    sa.Column("summary", sa.Text(), nullable=True),
    sa.Column("period_start", sa.Date(), nullable=False),
    sa.Column("period_end", sa.Date(), nullable=False),
    sa.Column("publish_from", sa.Date(), nullable=False),
    sa.Column("publish_until", sa.Date(), nullable=False),
    sa.Column("reason", sa.String(length=500), nullable=True),
    sa.Column("published_by", sa.String(length=100), nullable=True),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("tenant_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["tenant_id", "disclosure_id"], ["disclosures.tenant_id", "disclosures.id"], name=op.f("fk_disclosure_versions_tenant_id_disclosures")),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_disclosure_versions_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_versions")),
    sa.UniqueConstraint("tenant_id", "disclosure_id", "version", name=op.f("uq_disclosure_versions_tenant_id_disclosure_id_version")),
    sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_disclosure_versions_tenant_id_id"))
    )
    op.create_table("disclosure_version_files",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("version_id", sa.Integer(), nullable=False),
    sa.Column("file_id", sa.Integer(), nullable=False),
    sa.Column("position", sa.SmallInteger(), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("tenant_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["tenant_id", "file_id"], ["disclosure_files.tenant_id", "disclosure_files.id"], name=op.f("fk_disclosure_version_files_tenant_id_disclosure_files")),
    sa.ForeignKeyConstraint(["tenant_id", "version_id"], ["disclosure_versions.tenant_id", "disclosure_versions.id"], name=op.f("fk_disclosure_version_files_tenant_id_disclosure_versions")),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_disclosure_version_files_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_version_files")),
    sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_disclosure_version_files_tenant_id_id")),
    sa.UniqueConstraint("tenant_id", "version_id", "file_id", name=op.f("uq_disclosure_version_files_tenant_id_version_id_file_id"))
    )
    with op.batch_alter_table("disclosure_version_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disclosure_version_files_tenant_id_file_id"), ["tenant_id", "file_id"], unique=False)

    for table in TABLES:
        enable_tenant_rls(table)
    for table in APPEND_ONLY:
        append_only(table)


def downgrade():
    for table in APPEND_ONLY:
        drop_append_only(table)
    for table in TABLES:
        disable_tenant_rls(table)
    with op.batch_alter_table("disclosure_version_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosure_version_files_tenant_id_file_id"))
    op.drop_table("disclosure_version_files")
    op.drop_table("disclosure_versions")
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosures_tenant_id_community_id_publish_until"))
    op.drop_table("disclosures")
    op.drop_table("disclosure_files")
