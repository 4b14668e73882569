"""notices: notices to residents (公告), the households chosen for one, read receipts, texts (#19)

Revision ID: 0019_notices
Revises: 0018_resident_idempotency_keys
Create Date: 2026-12-04

- `notices`: a notice and its audience as a rule (community / site / building / chosen households),
  resolved against the register when read; never rewritten once published, only withdrawn;
- `notice_households`: the households chosen for a notice (append-only);
- `notice_reads`: a read receipt per notice, household and resident account (append-only);
- `notice_texts`: an urgent notice's text message per phone, claimed before it is sent (once per phone).
All four are a tenant's data: row-level security `tenant_isolation`.
"""
import sqlalchemy as sa
from alembic import op

from wuye_core.tenancy.rls import append_only, disable_tenant_rls, drop_append_only, enable_tenant_rls

revision = "0019_notices"
down_revision = "0018_resident_idempotency_keys"
branch_labels = None
depends_on = None

TABLES = ("notices", "notice_texts", "notice_households", "notice_reads")
APPEND_ONLY = ("notice_households", "notice_reads")


def upgrade():
    op.create_table("notices",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("community_id", sa.Integer(), nullable=False),
    sa.Column("audience", sa.String(length=20), nullable=False),
    sa.Column("site_id", sa.Integer(), nullable=True),
    sa.Column("building_id", sa.Integer(), nullable=True),
    sa.Column("title", sa.String(length=100), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("kind", sa.String(length=20), nullable=False),
    sa.Column("category", sa.String(length=20), nullable=True),
    sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
    sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("published_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("published_by", sa.String(length=64), nullable=True),
    sa.Column("replaces_id", sa.Integer(), nullable=True),
    sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("withdrawn_by", sa.String(length=64), nullable=True),
    sa.Column("withdrawn_reason", sa.String(length=500), nullable=True),
    sa.Column("texts_done_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("tenant_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["tenant_id", "community_id"], ["communities.tenant_id", "communities.id"], name=op.f("fk_notices_tenant_id_communities")),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_notices_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_notices_tenant_id_id"))
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notices_tenant_id_community_id_id"), ["tenant_id", "community_id", "id"], unique=False)

    op.create_table("notice_texts",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("notice_id", sa.Integer(), nullable=False),
    sa.Column("phone", sa.String(length=20), nullable=False),
    sa.Column("state", sa.String(length=10), nullable=False),
    sa.Column("via", sa.String(length=64), nullable=True),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("tenant_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["tenant_id", "notice_id"], ["notices.tenant_id", "notices.id"], name=op.f("fk_notice_texts_tenant_id_notices")),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_notice_texts_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_texts")),
    sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_notice_texts_tenant_id_id")),
    sa.UniqueConstraint("tenant_id", "notice_id", "phone", name=op.f("uq_notice_texts_tenant_id_notice_id_phone"))
    )
    op.create_table("notice_households",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("notice_id", sa.Integer(), nullable=False),
    sa.Column("household_id", sa.Integer(), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("tenant_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["tenant_id", "household_id"], ["households.tenant_id", "households.id"], name=op.f("fk_notice_households_tenant_id_households")),
    sa.ForeignKeyConstraint(["tenant_id", "notice_id"], ["notices.tenant_id", "notices.id"], name=op.f("fk_notice_households_tenant_id_notices")),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_notice_households_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_households")),
    sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_notice_households_tenant_id_id")),
    sa.UniqueConstraint("tenant_id", "notice_id", "household_id", name=op.f("uq_notice_households_tenant_id_notice_id_household_id"))
    )
    with op.batch_alter_table("notice_households", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_households_tenant_id_household_id"), ["tenant_id", "household_id"], unique=False)

    op.create_table("notice_reads",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("notice_id", sa.Integer(), nullable=False),
    sa.Column("household_id", sa.Integer(), nullable=False),
    sa.Column("account_id", sa.Integer(), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("tenant_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["tenant_id", "account_id"], ["resident_accounts.tenant_id", "resident_accounts.id"], name=op.f("fk_notice_reads_tenant_id_resident_accounts")),
    sa.ForeignKeyConstraint(["tenant_id", "household_id"], ["households.tenant_id", "households.id"], name=op.f("fk_notice_reads_tenant_id_households")),
    sa.ForeignKeyConstraint(["tenant_id", "notice_id"], ["notices.tenant_id", "notices.id"], name=op.f("fk_notice_reads_tenant_id_notices")),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_notice_reads_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_reads")),
    sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_notice_reads_tenant_id_id")),
    sa.UniqueConstraint("tenant_id", "notice_id", "household_id", "account_id", name=op.f("uq_notice_reads_tenant_id_notice_id_household_id_account_id"))
    )
    for table in TABLES:
        enable_tenant_rls(table)
    for table in APPEND_ONLY:
        append_only(table)


def downgrade():
    for table in APPEND_ONLY:
        drop_append_only(table)
    for table in TABLES:
        disable_tenant_rls(table)
    op.drop_table("notice_reads")
    with op.batch_alter_table("notice_households", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_households_tenant_id_household_id"))

    op.drop_table("notice_households")
    op.drop_table("notice_texts")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notices_tenant_id_community_id_id"))

    op.drop_table("notices")
