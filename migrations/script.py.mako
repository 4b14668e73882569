"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}
from ${config.attributes.get("wuye_rls_module", "wuye_core.tenancy.rls")} import disable_tenant_rls, enable_tenant_rls  # noqa: F401

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    ${upgrades if upgrades else "pass"}
    # Every new table with a tenant_id column: enable_tenant_rls("table_name")


def downgrade():
    ${downgrades if downgrades else "pass"}
