"""care_visits: issued briefs (简报 第 N 期), their typical cases, the issue-number counters

Revision ID: care_visits_0004
Revises: care_visits_0002
Create Date: 2026-12-04

A brief is issued once by the care lead: it then carries its issue number (per issuing office
and year, from `care_visits_brief_numbers`, never reused), the office, the date, the title and
the lead's follow-up notes (Fernet ciphertext: free text). Typical cases (典型案例) are visits
the lead chose for a brief, with a short case text (ciphertext). The unique index on the issue
number is the second wall behind the counter's row lock.
"""

import sqlalchemy as sa
from alembic import op

from wuye_core.plugins import disable_tenant_rls, enable_tenant_rls

revision = "care_visits_0004"
down_revision = "care_visits_0003"
branch_labels = None
depends_on = None

_BRIEF_COLUMNS = (
    ("locale", sa.String(length=10)),
    ("issue_year", sa.Integer()),
    ("issue_number", sa.Integer()),
    ("issuing_office", sa.String(length=100)),
    ("issued_on", sa.Date()),
    ("issued_by", sa.String(length=80)),
    ("title", sa.String(length=200)),
    ("followup_notes", sa.Text()),
)


def upgrade():
    with op.batch_alter_table("care_visits_briefs") as batch:
        for name, type_ in _BRIEF_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    op.create_index(
        "ix_care_visits_briefs_issue_number",
        "care_visits_briefs",
        ["tenant_id", "issuing_office", "issue_year", "issue_number"],
        unique=True,
    )
    op.create_table(
        "care_visits_brief_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name="fk_care_visits_brief_numbers_tenant_id_tenants",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_care_visits_brief_numbers"),
        sa.UniqueConstraint("tenant_id", "id", name="uq_care_visits_brief_numbers_tenant_id_id"),
    )
    op.create_index(
        "ix_care_visits_brief_numbers_tenant_id_office_year",
        "care_visits_brief_numbers",
        ["tenant_id", "office", "year"],
        unique=True,
    )
    op.create_table(
        "care_visits_brief_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brief_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "brief_id"],
            ["care_visits_briefs.tenant_id", "care_visits_briefs.id"],
            name="fk_care_visits_brief_cases_tenant_id_care_visits_briefs",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name="fk_care_visits_brief_cases_tenant_id_communities",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "visit_id"],
            ["care_visits_visits.tenant_id", "care_visits_visits.id"],
            name="fk_care_visits_brief_cases_tenant_id_care_visits_visits",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "person_id"],
            ["care_visits_people.tenant_id", "care_visits_people.id"],
            name="fk_care_visits_brief_cases_tenant_id_care_visits_people",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name="fk_care_visits_brief_cases_tenant_id_tenants",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_care_visits_brief_cases"),
        sa.UniqueConstraint("tenant_id", "id", name="uq_care_visits_brief_cases_tenant_id_id"),
    )
    op.create_index(
        "ix_care_visits_brief_cases_tenant_id_brief_id_visit_id",
        "care_visits_brief_cases",
        ["tenant_id", "brief_id", "visit_id"],
        unique=True,
    )
    op.create_index(
        "ix_care_visits_brief_cases_tenant_id_person_id",
        "care_visits_brief_cases",
        ["tenant_id", "person_id"],
        unique=False,
    )
    enable_tenant_rls("care_visits_brief_numbers")
    enable_tenant_rls("care_visits_brief_cases")


def downgrade():
    disable_tenant_rls("care_visits_brief_cases")
    op.drop_table("care_visits_brief_cases")
    disable_tenant_rls("care_visits_brief_numbers")
    op.drop_table("care_visits_brief_numbers")
    op.drop_index("ix_care_visits_briefs_issue_number",
                  table_name="care_visits_briefs")
    with op.batch_alter_table("care_visits_briefs") as batch:
        for name, _ in reversed(_BRIEF_COLUMNS):
            batch.drop_column(name)
