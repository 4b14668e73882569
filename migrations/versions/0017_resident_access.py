"""resident_access: residents' accounts, sign-in codes, privacy notices and consents (#19)

Revision ID: 0017_resident_access
Revises: 0016_handoffs
Create Date: 2026-12-04

- `resident_accounts`: one per phone number in a tenant (signing in by one-time code, no password);
- `resident_sign_in_codes`: the codes, as HMACs only, single use, short-lived;
- `privacy_notices`, `resident_consents`: the tenant's privacy notice by version and each resident's
  consent to one, append-only (kept, never changed).
All four are a tenant's data: row-level security `tenant_isolation`.
"""
import sqlalchemy as sa
from alembic import op

from wuye_core.tenancy.rls import append_only, disable_tenant_rls, drop_append_only, enable_tenant_rls

revision = "0017_resident_access"
down_revision = "0016_handoffs"
branch_labels = None
depends_on = None

TABLES = ("privacy_notices", "resident_accounts", "resident_sign_in_codes", "resident_consents")
APPEND_ONLY = ("privacy_notices", "resident_consents")


def upgrade():
    op.create_table("privacy_notices",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("text_zh", sa.Text(), nullable=False),
    sa.Column("text_en", sa.Text(), nullable=True),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("published_by", sa.String(length=100), nullable=True),
    sa.Column("tenant_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_privacy_notices_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_notices")),
    sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_privacy_notices_tenant_id_id")),
    sa.UniqueConstraint("tenant_id", "version", name=op.f("uq_privacy_notices_tenant_id_version"))
    )
    op.create_table("resident_accounts",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("phone", sa.String(length=20), nullable=False),
    sa.Column("token_version", sa.Integer(), server_default="0", nullable=False),
    sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column("consented_version", sa.Integer(), nullable=True),
    sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("tenant_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_resident_accounts_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_accounts")),
    sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_resident_accounts_tenant_id_id")),
    sa.UniqueConstraint("tenant_id", "phone", name=op.f("uq_resident_accounts_tenant_id_phone"))
    )
    op.create_table("resident_sign_in_codes",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("phone", sa.String(length=20), nullable=False),
    sa.Column("code_hash", sa.String(length=64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("failed_attempts", sa.SmallInteger(), server_default="0", nullable=False),
    sa.Column("channel", sa.String(length=10), nullable=False),
    sa.Column("issued_by", sa.String(length=100), nullable=True),
    sa.Column("tenant_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_resident_sign_in_codes_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_sign_in_codes")),
    sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_resident_sign_in_codes_tenant_id_id"))
    )
    with op.batch_alter_table("resident_sign_in_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resident_sign_in_codes_tenant_id_phone_id"), ["tenant_id", "phone", "id"], unique=False)

    op.create_table("resident_consents",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("account_id", sa.Integer(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("address", sa.String(length=64), nullable=True),
    sa.Column("tenant_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["tenant_id", "account_id"], ["resident_accounts.tenant_id", "resident_accounts.id"], name=op.f("fk_resident_consents_tenant_id_resident_accounts")),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_resident_consents_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_consents")),
    sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_resident_consents_tenant_id_id"))
    )
    with op.batch_alter_table("resident_consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resident_consents_tenant_id_account_id"), ["tenant_id", "account_id"], unique=False)

    for table in TABLES:
        enable_tenant_rls(table)
    for table in APPEND_ONLY:
        append_only(table)


def downgrade():
    for table in APPEND_ONLY:
        drop_append_only(table)
    for table in TABLES:
        disable_tenant_rls(table)
    with op.batch_alter_table("resident_consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_consents_tenant_id_account_id"))
    op.drop_table("resident_consents")
    with op.batch_alter_table("resident_sign_in_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_sign_in_codes_tenant_id_phone_id"))
    op.drop_table("resident_sign_in_codes")
    op.drop_table("resident_accounts")
    op.drop_table("privacy_notices")
