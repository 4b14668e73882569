"""care_visits: the ticket text a care worker chooses (隐患描述), and amendments of visits (更正记录)

Revision ID: care_visits_0003
Revises: care_visits_0002
Create Date: 2026-12-08

`care_visits_visits.ticket_text`: what a ticket opened from the visit says (Fernet ciphertext,
like every free text of a visit). `care_visits_visit_amendments`: one row per amendment — the
changed fields' names, their values before and after (encrypted JSON), the reason (encrypted),
who and when. Not `append_only`: the erasure of a person on request must empty the before/after
texts (they quote the visit); the tamper-proof record of every amendment is the access log
(append-only since care_visits_0002) and the core's audit trail (`care_visits.amended`).
"""

import sqlalchemy as sa
from alembic import op

from wuye_core.plugins import disable_tenant_rls, enable_tenant_rls

revision = "care_visits_0003"
down_revision = "care_visits_0002"
branch_labels = None
depends_on = None

TABLE = "care_visits_visit_amendments"


def upgrade():
    op.add_column("care_visits_visits", sa.Column("ticket_text", sa.Text(), nullable=True))
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("changed_fields", sa.JSON(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("amended_by", sa.String(length=80), nullable=False),
        sa.Column("amended_by_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name="fk_care_visits_visit_amendments_tenant_id_communities",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "visit_id"],
            ["care_visits_visits.tenant_id", "care_visits_visits.id"],
            name="fk_care_visits_visit_amendments_tenant_id_care_visits_visits",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name="fk_care_visits_visit_amendments_tenant_id_tenants",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_care_visits_visit_amendments"),
        sa.UniqueConstraint("tenant_id", "id", name="uq_care_visits_visit_amendments_tenant_id_id"),
    )
    op.create_index(
        "ix_care_visits_visit_amendments_tenant_id_visit_id_id",
        TABLE,
        ["tenant_id", "visit_id", "id"],
        unique=False,
    )
    enable_tenant_rls(TABLE)


def downgrade():
    disable_tenant_rls(TABLE)
    op.drop_table(TABLE)
    op.drop_column("care_visits_visits", "ticket_text")
