"""staff_users, platform_operators: token_version, must_change_password, password_changed_at,
password_reset_by (account security, #15)

token_version is bumped by every change that must end the tokens issued before it (password
changed or reset, deactivation, reactivation, role change, logout); a token carries the version
it was issued with ("ver"). must_change_password: the password was set by someone else (an admin)
and must be changed before anything else. password_reset_by: who set it, shown to the user.

Revision ID: 0012_account_security
Revises: 0011_audit_trail
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_account_security"
down_revision = "0011_audit_trail"
branch_labels = None
depends_on = None

TABLES = ("staff_users", "platform_operators")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("token_version", sa.Integer(), server_default="0", nullable=False))
            batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(),
                                          nullable=False))
            batch_op.add_column(sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column("password_reset_by", sa.String(length=100), nullable=True))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("password_reset_by")
            batch_op.drop_column("password_changed_at")
            batch_op.drop_column("must_change_password")
            batch_op.drop_column("token_version")
