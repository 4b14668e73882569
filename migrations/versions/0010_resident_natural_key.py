"""residents: a natural key (tenant, household, name), unique; earlier duplicates kept and marked

Revision ID: 0010_resident_natural_key
Revises: 0009_idempotency_keys
Create Date: 2026-12-03

A household ledger names its people; an import matches a head of household by name within the
household, and the API now refuses a second resident of the same name there (409 on `name`).
The unique index makes that hold under concurrent writers too (#14: two imports of the same
file at once made 300 duplicate residents).

Rows that already share (tenant, household, name) are not merged and not deleted: tickets,
plugins' records (care visits …) and events may point at any of them, and which one is "right"
is for a person to say. The oldest (lowest id) stays the resident the key names; each later one
gets `duplicate_of` = the oldest's id, and the index is partial (`WHERE duplicate_of IS NULL`),
so it is built over the data as it is. Find them with
`SELECT * FROM residents WHERE duplicate_of IS NOT NULL` (or the API's `duplicate_of`).

PostgreSQL: the marking UPDATE runs as the owner with FORCE ROW LEVEL SECURITY lifted for the
statement (it must see every tenant's rows), restored in the same transaction. CREATE INDEX
blocks writes to `residents` while it builds (seconds for a million rows).
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_resident_natural_key"
down_revision = "0009_idempotency_keys"
branch_labels = None
depends_on = None

INDEX = "uq_residents_tenant_id_household_id_name"
NOT_A_DUPLICATE = sa.text("duplicate_of IS NULL")

_SAME_KEY = ("o.tenant_id = residents.tenant_id AND o.household_id = residents.household_id "
             "AND o.name = residents.name")
MARK_DUPLICATES = (
    f"UPDATE residents SET duplicate_of = (SELECT min(o.id) FROM residents AS o WHERE {_SAME_KEY}) "
    f"WHERE EXISTS (SELECT 1 FROM residents AS o WHERE {_SAME_KEY} AND o.id < residents.id)"
)


def upgrade():
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duplicate_of", sa.Integer(), nullable=True))
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute('ALTER TABLE "residents" NO FORCE ROW LEVEL SECURITY')
    op.execute(MARK_DUPLICATES)
    if postgresql:
        op.execute('ALTER TABLE "residents" FORCE ROW LEVEL SECURITY')
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.create_index(INDEX, ["tenant_id", "household_id", "name"], unique=True,
                              postgresql_where=NOT_A_DUPLICATE, sqlite_where=NOT_A_DUPLICATE)


def downgrade():
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.drop_column("duplicate_of")
