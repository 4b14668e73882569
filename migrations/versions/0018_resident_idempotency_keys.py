"""resident_idempotency_keys: a resident's Idempotency-Keys (#19)

Revision ID: 0018_resident_idempotency_keys
Revises: 0017_resident_access
Create Date: 2026-12-04

A resident reporting a repair over a weak phone network sends the POST again when no answer came:
with the same key it gets the first answer and no second ticket. Their own table (as the staff's
and the operators' have theirs): a resident's account id is not a staff user's id. A tenant's
data: row-level security `tenant_isolation`; an account's keys go with the account.
"""
import sqlalchemy as sa
from alembic import op

from wuye_core.tenancy.rls import disable_tenant_rls, enable_tenant_rls

revision = "0018_resident_idempotency_keys"
down_revision = "0017_resident_access"
branch_labels = None
depends_on = None

TABLE = "resident_idempotency_keys"


def upgrade():
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.String(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "account_id"], ["resident_accounts.tenant_id", "resident_accounts.id"],
            name=op.f("fk_resident_idempotency_keys_tenant_id_resident_accounts"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_resident_idempotency_keys_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_idempotency_keys")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_resident_idempotency_keys_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "account_id", "key",
                            name=op.f("uq_resident_idempotency_keys_tenant_id_account_id_key")),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resident_idempotency_keys_tenant_id_expires_at"),
                              ["tenant_id", "expires_at"], unique=False)
    enable_tenant_rls(TABLE)


def downgrade():
    disable_tenant_rls(TABLE)
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_idempotency_keys_tenant_id_expires_at"))
    op.drop_table(TABLE)
