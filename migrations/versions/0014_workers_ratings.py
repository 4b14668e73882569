"""staff_users.team; ticket_transitions.rating; ticket_ratings: repair workers and the ratings' history (#16)

Revision ID: 0014_workers_ratings
Revises: 0013_append_only
Create Date: 2026-12-05

- `staff_users.team`: the team (班组) a staff user works in; a ticket dispatched to that team
  (`tickets.team`, the same text) is theirs — what the new `worker` role sees (tickets/access.py).
- `ticket_transitions.rating`: the rating given, on the history rows "rate" and
  "correct_rating" (a rating is recorded once per resolution; a correction needs a reason).
  Added with a plain ALTER TABLE (no batch copy on SQLite, which would drop the append-only
  triggers of 0013).
- `ticket_ratings`: every rating and correction of a ticket, append-only like the history, with
  row-level security like every tenant table. Filled here with the current rating of each ticket
  already rated (resolution = reopened_count + 1, actor unknown); the ratings erased by a
  reopening before this revision are gone and are not invented.

PostgreSQL: the filling INSERT … SELECT runs as the owner with FORCE ROW LEVEL SECURITY lifted
on the two tables for the statement (it must see every tenant's rows), restored in the same
transaction (as 0010 does).
"""

import sqlalchemy as sa
from alembic import op

from wuye_core.tenancy.rls import append_only, disable_tenant_rls, drop_append_only, enable_tenant_rls

revision = "0014_workers_ratings"
down_revision = "0013_append_only"
branch_labels = None
depends_on = None

TENANT_TABLES = ["ticket_ratings"]

FILL_RATINGS = (
    "INSERT INTO ticket_ratings (tenant_id, ticket_id, resolution, rating, comment, actor, at) "
    "SELECT tenant_id, id, reopened_count + 1, rating, rating_comment, NULL, rated_at FROM tickets "
    "WHERE rating IS NOT NULL AND rated_at IS NOT NULL ORDER BY tenant_id, rated_at, id"
)


def upgrade():
    op.add_column("staff_users", sa.Column("team", sa.String(length=50), nullable=True))
    op.add_column("ticket_transitions", sa.Column("rating", sa.SmallInteger(), nullable=True))
    op.create_table(
        "ticket_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("resolution", sa.Integer(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.Column("previous_rating", sa.SmallInteger(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "ticket_id"],
            ["tickets.tenant_id", "tickets.id"],
            name=op.f("fk_ticket_ratings_tenant_id_tickets"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_ticket_ratings_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_ratings")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_ticket_ratings_tenant_id_id")),
    )
    with op.batch_alter_table("ticket_ratings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_ratings_tenant_id_ticket_id_id"), ["tenant_id", "ticket_id", "id"], unique=False
        )
    for table in TENANT_TABLES:  # row-level security (PostgreSQL only)
        enable_tenant_rls(table)

    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute('ALTER TABLE "tickets" NO FORCE ROW LEVEL SECURITY')
        op.execute('ALTER TABLE "ticket_ratings" NO FORCE ROW LEVEL SECURITY')
    op.execute(FILL_RATINGS)
    if postgresql:
        op.execute('ALTER TABLE "ticket_ratings" FORCE ROW LEVEL SECURITY')
        op.execute('ALTER TABLE "tickets" FORCE ROW LEVEL SECURITY')
    append_only("ticket_ratings")  # kept for ever, like the history


def downgrade():
    drop_append_only("ticket_ratings")
    for table in TENANT_TABLES:
        disable_tenant_rls(table)
    with op.batch_alter_table("ticket_ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_ratings_tenant_id_ticket_id_id"))
    op.drop_table("ticket_ratings")
    op.drop_column("ticket_transitions", "rating")
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_column("team")
