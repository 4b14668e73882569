"""delivery_leases: an outbox event is claimed with an expiry, not marked by a counter

`outbox_events.lease_until`: no delivery may take the event before this instant. A deliverer
sets it to now + WUYE_EVENT_LEASE_SECONDS when it claims the event (in a committed transaction
of its own), and clears it when it delivered the event; when a plugin's retry is pending it is
that retry's time. A deliverer that died leaves an expired lease, and the sweep takes the event
back. `leased_by` names the claimer (host:pid) for `wuye jobs failed`.

A partial index over the undelivered rows only (PostgreSQL and SQLite both have them): the
claim reads a tenant's undelivered events in id order and the sweep finds the tenants that have
any; delivered rows, nearly all of the table, are not in it.

Revision ID: 0008_delivery_leases
Revises: 0007_plugin_deliveries
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_delivery_leases"
down_revision = "0007_plugin_deliveries"
branch_labels = None
depends_on = None

WHERE = sa.text("delivered_at IS NULL")


def upgrade():
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("leased_by", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_outbox_events_undelivered", ["tenant_id", "id"], unique=False,
                              postgresql_where=WHERE, sqlite_where=WHERE)


def downgrade():
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_events_undelivered")
        batch_op.drop_column("leased_by")
        batch_op.drop_column("lease_until")
