"""plugin_deliveries: delivery of each outbox event per plugin (retries, parked deliveries)

Revision ID: 0007_plugin_deliveries
Revises: 0006_tenant_plugins_version
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from wuye_core.tenancy.rls import disable_tenant_rls, enable_tenant_rls

revision = "0007_plugin_deliveries"
down_revision = "0006_tenant_plugins_version"
branch_labels = None
depends_on = None

TENANT_TABLES = ["plugin_deliveries"]


def upgrade():
    op.create_table(
        "plugin_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("plugin", sa.String(length=64), nullable=False),
        sa.Column("state", sa.Enum("pending", "delivered", "parked", "skipped", name="delivery_state",
                                   native_enum=False, length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "outbox_id"],
            ["outbox_events.tenant_id", "outbox_events.id"],
            name=op.f("fk_plugin_deliveries_tenant_id_outbox_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_plugin_deliveries_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plugin_deliveries")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_plugin_deliveries_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "outbox_id", "plugin",
                            name=op.f("uq_plugin_deliveries_tenant_id_outbox_id_plugin")),
    )
    with op.batch_alter_table("plugin_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plugin_deliveries_tenant_id_state_id"), ["tenant_id", "state", "id"], unique=False
        )

    for table in TENANT_TABLES:  # row-level security (PostgreSQL only)
        enable_tenant_rls(table)


def downgrade():
    for table in TENANT_TABLES:
        disable_tenant_rls(table)
    with op.batch_alter_table("plugin_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plugin_deliveries_tenant_id_state_id"))
    op.drop_table("plugin_deliveries")
