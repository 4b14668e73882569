"""Append-only in the database: the ticket history and the audit trail

Revision ID: 0013_append_only
Revises: 0011_audit_trail  (to be relinked onto 0012_account_security)
Create Date: 2026-12-03

Triggers refuse UPDATE, DELETE and TRUNCATE for every role, the owner included; the app's role is
granted SELECT and INSERT only on these tables (grant_app_role, migrations/env.py). The audit
trail is kept `RETENTION_YEARS` (3): older rows may be purged (`wuye audit purge`), younger ones
never; the ticket history is kept for ever. See wuye_core/tenancy/rls.py.
"""

from wuye_core.tenancy.rls import append_only, drop_append_only

revision = "0013_append_only"
down_revision = "0011_audit_trail"  # TODO(coordinator): "0012_account_security" once that is merged
branch_labels = None
depends_on = None

AUDIT_RETENTION_YEARS = 3  # wuye_core.audit.RETENTION_YEARS when this was written (a migration is frozen)
KEPT = {"ticket_transitions": None, "audit_events": AUDIT_RETENTION_YEARS,
        "platform_audit_events": AUDIT_RETENTION_YEARS}


def upgrade():
    for table, years in KEPT.items():
        append_only(table, retention_years=years)


def downgrade():
    for table in KEPT:
        drop_append_only(table)
