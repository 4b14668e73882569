"""tenants.plugins_version: a counter bumped on every plugin enablement change

Revision ID: 0006_tenant_plugins_version
Revises: 0005_import_jobs
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_tenant_plugins_version"
down_revision = "0005_import_jobs"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plugins_version", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("plugins_version")
