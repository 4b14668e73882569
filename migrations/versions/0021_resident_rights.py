"""resident_rights: residents' deletion requests (#19 item 6, PIPL art. 47)

Revision ID: 0021_resident_rights
Revises: 0020_disclosures
Create Date: 2026-12-04

- `resident_deletion_requests`: a resident's request that the tenant delete their personal
  information, and what became of it (pending → approved or refused with a reason). Not
  append-only: an approval masks the phone and forgets the resident's reason in the row itself;
  every step is in the audit trail (by id, counts only). A tenant's data: `tenant_isolation`.
"""
import sqlalchemy as sa
from alembic import op

from wuye_core.tenancy.rls import disable_tenant_rls, enable_tenant_rls

revision = "0021_resident_rights"
down_revision = "0020_disclosures"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("resident_deletion_requests",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("account_id", sa.Integer(), nullable=False),
    sa.Column("phone", sa.String(length=20), nullable=False),
    sa.Column("reason", sa.String(length=500), nullable=True),
    sa.Column("status", sa.Enum("pending", "approved", "refused", name="deletion_request_status", native_enum=False, length=10), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decided_by", sa.String(length=64), nullable=True),
    sa.Column("refusal_reason", sa.String(length=500), nullable=True),
    sa.Column("outcome", sa.JSON(), nullable=True),
    sa.Column("tenant_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["tenant_id", "account_id"], ["resident_accounts.tenant_id", "resident_accounts.id"], name=op.f("fk_resident_deletion_requests_tenant_id_resident_accounts")),
    sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_resident_deletion_requests_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_deletion_requests")),
    sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_resident_deletion_requests_tenant_id_id"))
    )
    with op.batch_alter_table("resident_deletion_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resident_deletion_requests_tenant_id_account_id_id"), ["tenant_id", "account_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_resident_deletion_requests_tenant_id_status_id"), ["tenant_id", "status", "id"], unique=False)
    enable_tenant_rls("resident_deletion_requests")


def downgrade():
    disable_tenant_rls("resident_deletion_requests")
    with op.batch_alter_table("resident_deletion_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_deletion_requests_tenant_id_status_id"))
        batch_op.drop_index(batch_op.f("ix_resident_deletion_requests_tenant_id_account_id_id"))
    op.drop_table("resident_deletion_requests")
