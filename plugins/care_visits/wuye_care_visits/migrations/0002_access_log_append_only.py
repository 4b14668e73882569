"""care_visits: the access log is append-only in the database (PIPL art. 56: the record is kept)

Revision ID: care_visits_0002
Revises: care_visits_0001
Create Date: 2026-12-03

A trigger refuses UPDATE, DELETE and TRUNCATE for every role, the owner included, except the
DELETE of rows older than the retention (3 years); the app's role may only read and insert
(grant_app_role) and purges through `purge_expired` (retention.py).
"""

from wuye_core.plugins import append_only, drop_append_only

revision = "care_visits_0002"
down_revision = "care_visits_0001"
branch_labels = None
depends_on = None

RETENTION_YEARS = 3  # retention.MIN_YEARS when this was written (a migration is frozen)


def upgrade():
    append_only("care_visits_access_log", retention_years=RETENTION_YEARS)


def downgrade():
    drop_append_only("care_visits_access_log")
