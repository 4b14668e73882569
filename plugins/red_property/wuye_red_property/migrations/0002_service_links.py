"""red_property: agreements, site managers and resolutions name the company by a service link

Revision ID: red_property_0002
Revises: red_property_0001
Create Date: 2026-12-04

The core's service links (`service_links`, API 1.8) say which company serves which site of the
community. From now on a co-building agreement, a site's "manager = company" record and a
resolution owned by the property side refer to the company by the link
(`service_link_id`, no foreign key: the link is the core's row, read through the plugin facade
`service_links()`; a link that has ended is simply no longer in force). The company's name shown
is the link's partner name, looked up when read.

`company_name` stays, nullable, as history: for the rows made before this revision it is the name
typed then (agreements and site managers; the coverage view flags such a site "未建立服务关系");
for new rows it keeps the partner's name as it was when recorded, shown once the link has ended.
`red_property_agreements.company_name` was NOT NULL: it becomes nullable. Nothing is rewritten.

`red_property_resolutions.handoff_id` (nullable, unused until the core's hand-offs land, #18 item
4): the hand-off a resolution assigned to a company becomes, so that its state can be read back.
"""

import sqlalchemy as sa
from alembic import op

revision = "red_property_0002"
down_revision = "red_property_0001"
branch_labels = None
depends_on = ("0015_service_links",)

LINKED = ("red_property_agreements", "red_property_site_management", "red_property_resolutions")


def _agreement_sites_kept(conn):
    """SQLite changes a column's nullability by copying the table and dropping the old one; with
    foreign keys on (the app's connections turn them on) the drop deletes the old table's rows
    first, and ON DELETE CASCADE would take every agreement's sites with them. Keep them aside
    and put them back (PostgreSQL alters the column in place: nothing to do)."""
    if conn.dialect.name != "sqlite":
        return None
    return [dict(row._mapping) for row in conn.execute(sa.text("SELECT * FROM red_property_agreement_sites"))]


def _put_back(conn, rows) -> None:
    if not rows:
        return
    table = sa.table("red_property_agreement_sites", *(sa.column(name) for name in rows[0]))
    kept = {row["id"] for row in rows}
    present = {value for (value,) in conn.execute(sa.text("SELECT id FROM red_property_agreement_sites"))}
    missing = [row for row in rows if row["id"] in kept - present]
    if missing:
        conn.execute(sa.insert(table), missing)


def upgrade():
    for table in LINKED:
        op.add_column(table, sa.Column("service_link_id", sa.Integer(), nullable=True))
    op.add_column("red_property_resolutions", sa.Column("company_name", sa.String(length=200), nullable=True))
    op.add_column("red_property_resolutions", sa.Column("handoff_id", sa.Integer(), nullable=True))
    conn = op.get_bind()
    rows = _agreement_sites_kept(conn)
    with op.batch_alter_table("red_property_agreements", schema=None) as batch_op:
        batch_op.alter_column("company_name", existing_type=sa.String(length=200), nullable=True)
    _put_back(conn, rows)


def downgrade():
    conn = op.get_bind()
    conn.execute(sa.text(
        "UPDATE red_property_agreements SET company_name = '' WHERE company_name IS NULL"))
    rows = _agreement_sites_kept(conn)
    with op.batch_alter_table("red_property_agreements", schema=None) as batch_op:
        batch_op.alter_column("company_name", existing_type=sa.String(length=200), nullable=False)
    _put_back(conn, rows)
    # plain DROP COLUMN (SQLite ≥ 3.35 too): no copy of the tables, whose children cascade
    op.drop_column("red_property_resolutions", "handoff_id")
    op.drop_column("red_property_resolutions", "company_name")
    for table in reversed(LINKED):
        op.drop_column(table, "service_link_id")
