"""idempotency_keys, platform_idempotency_keys: the first answer to a POST sent with an Idempotency-Key

Revision ID: 0009_idempotency_keys
Revises: 0008_delivery_leases
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from wuye_core.tenancy.rls import disable_tenant_rls, enable_tenant_rls

revision = "0009_idempotency_keys"
down_revision = "0008_delivery_leases"
branch_labels = None
depends_on = None

TENANT_TABLES = ["idempotency_keys"]


def _answer_columns():
    return [
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
    ]


def upgrade():
    op.create_table(
        "idempotency_keys",
        *_answer_columns(),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"], ["staff_users.tenant_id", "staff_users.id"],
            name=op.f("fk_idempotency_keys_tenant_id_staff_users"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_idempotency_keys_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_idempotency_keys_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "user_id", "key", name=op.f("uq_idempotency_keys_tenant_id_user_id_key")),
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idempotency_keys_tenant_id_expires_at"), ["tenant_id", "expires_at"],
                              unique=False)

    op.create_table(
        "platform_idempotency_keys",
        *_answer_columns(),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["platform_operators.id"],
            name=op.f("fk_platform_idempotency_keys_operator_id_platform_operators"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_idempotency_keys")),
        sa.UniqueConstraint("operator_id", "key", name=op.f("uq_platform_idempotency_keys_operator_id_key")),
    )
    with op.batch_alter_table("platform_idempotency_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_platform_idempotency_keys_expires_at"), ["expires_at"], unique=False)

    for table in TENANT_TABLES:  # row-level security (PostgreSQL only)
        enable_tenant_rls(table)


def downgrade():
    for table in TENANT_TABLES:
        disable_tenant_rls(table)
    with op.batch_alter_table("platform_idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_idempotency_keys_expires_at"))
    op.drop_table("platform_idempotency_keys")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_keys_tenant_id_expires_at"))
    op.drop_table("idempotency_keys")
