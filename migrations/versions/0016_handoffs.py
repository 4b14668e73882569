"""handoffs: a ticket (or a plugin"s record) handed from one tenant of a service link to the other (#18)

Revision ID: 0016_handoffs
Revises: 0015_service_links
Create Date: 2026-12-04

- `handoffs` and `handoff_steps`: rows both tenants of the hand-off see and write (tenancy/shared.py):
  row-level security `shared_between_tenants` (the current tenant is the sender or the receiver).
  The steps are append-only.
- `tickets.handoff_id`: the live hand-off a ticket is part of (either side), carried in its events so
  that the progress hook skips every other ticket event without a query.
"""
import sqlalchemy as sa
from alembic import op

from wuye_core.tenancy.rls import append_only, drop_append_only
from wuye_core.tenancy.shared import enable_shared_rls

revision = "0016_handoffs"
down_revision = "0015_service_links"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("handoffs",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("link_id", sa.Integer(), nullable=False),
    sa.Column("from_tenant_id", sa.Integer(), nullable=False),
    sa.Column("to_tenant_id", sa.Integer(), nullable=False),
    sa.Column("from_ticket_id", sa.Integer(), nullable=True),
    sa.Column("source", sa.String(length=64), nullable=False),
    sa.Column("source_id", sa.String(length=64), nullable=False),
    sa.Column("from_community_id", sa.Integer(), nullable=True),
    sa.Column("to_site_id", sa.Integer(), nullable=True),
    sa.Column("to_community_id", sa.Integer(), nullable=True),
    sa.Column("to_ticket_id", sa.Integer(), nullable=True),
    sa.Column("state", sa.Enum("sent", "delivered", "returned", "closed", "failed", name="handoff_state", native_enum=False, length=20), nullable=False),
    sa.Column("payload", sa.JSON(), nullable=False),
    sa.Column("to_status", sa.String(length=20), nullable=True),
    sa.Column("to_accepted_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("to_dispatched_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("to_on_site_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("to_resolved_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("to_rating", sa.SmallInteger(), nullable=True),
    sa.Column("to_arrive_due_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("to_resolve_due_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("to_arrive_breached_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("to_resolve_breached_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("from_status", sa.String(length=20), nullable=True),
    sa.Column("from_arrive_due_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("from_resolve_due_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("from_arrive_breached_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("from_resolve_breached_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("note", sa.String(length=500), nullable=True),
    sa.Column("returned_reason", sa.String(length=500), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(length=64), nullable=True),
    sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("last_error", sa.String(length=500), nullable=True),
    sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("announced_step_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["from_tenant_id", "from_ticket_id"], ["tickets.tenant_id", "tickets.id"], name=op.f("fk_handoffs_from_tenant_id_tickets")),
    sa.ForeignKeyConstraint(["from_tenant_id"], ["tenants.id"], name=op.f("fk_handoffs_from_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["link_id"], ["service_links.id"], name=op.f("fk_handoffs_link_id_service_links"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["to_tenant_id", "to_ticket_id"], ["tickets.tenant_id", "tickets.id"], name=op.f("fk_handoffs_to_tenant_id_tickets")),
    sa.ForeignKeyConstraint(["to_tenant_id"], ["tenants.id"], name=op.f("fk_handoffs_to_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_handoffs"))
    )
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handoffs_from_tenant_id_from_ticket_id"), ["from_tenant_id", "from_ticket_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_handoffs_from_tenant_id_state"), ["from_tenant_id", "state"], unique=False)
        batch_op.create_index(batch_op.f("ix_handoffs_to_tenant_id_state"), ["to_tenant_id", "state"], unique=False)
        batch_op.create_index(batch_op.f("ix_handoffs_to_tenant_id_to_ticket_id"), ["to_tenant_id", "to_ticket_id"], unique=False)

    op.create_table("handoff_steps",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("handoff_id", sa.Integer(), nullable=False),
    sa.Column("from_tenant_id", sa.Integer(), nullable=False),
    sa.Column("to_tenant_id", sa.Integer(), nullable=False),
    sa.Column("by_tenant_id", sa.Integer(), nullable=False),
    sa.Column("step", sa.String(length=20), nullable=False),
    sa.Column("note", sa.String(length=500), nullable=True),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(["from_tenant_id"], ["tenants.id"], name=op.f("fk_handoff_steps_from_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"], name=op.f("fk_handoff_steps_handoff_id_handoffs"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["to_tenant_id"], ["tenants.id"], name=op.f("fk_handoff_steps_to_tenant_id_tenants"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_steps"))
    )
    with op.batch_alter_table("handoff_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handoff_steps_handoff_id_id"), ["handoff_id", "id"], unique=False)

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handoff_id", sa.Integer(), nullable=True))

    enable_shared_rls("handoffs", "from_tenant_id", "to_tenant_id")
    enable_shared_rls("handoff_steps", "from_tenant_id", "to_tenant_id")
    append_only("handoff_steps")


def downgrade():
    drop_append_only("handoff_steps")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("handoff_id")

    with op.batch_alter_table("handoff_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handoff_steps_handoff_id_id"))

    op.drop_table("handoff_steps")
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handoffs_to_tenant_id_to_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_handoffs_to_tenant_id_state"))
        batch_op.drop_index(batch_op.f("ix_handoffs_from_tenant_id_state"))
        batch_op.drop_index(batch_op.f("ix_handoffs_from_tenant_id_from_ticket_id"))

    op.drop_table("handoffs")
