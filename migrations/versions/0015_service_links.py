"""service_links: one tenant serves a site of another; supervised reads through them (#18)

Revision ID: 0015_service_links
Revises: 0014_workers_ratings
Create Date: 2026-12-04

- `service_links`: a row both tenants of the link see (tenancy/shared.py): row-level security
  `shared_between_tenants` (the current tenant is the provider or the client).
- Supervision (supervision/): the client of an accepted link reads the provider's tickets of the
  linked site, their history and ratings. Policy `supervised_read` on tickets (FOR SELECT): the
  row's tenant provides the row's site to the current tenant through an accepted link; on
  ticket_transitions and ticket_ratings: their ticket is readable. Permissive policies are OR-ed
  with `tenant_isolation`, so a tenant's own rows are read as before; only SELECT is widened.
- `partner_audit` on audit_events (FOR INSERT): a tenant may add a row to the trail of a tenant it
  has (or had) a service link with: the link's changes in both trails, supervised reads in the
  trail of the tenant read.
"""

import sqlalchemy as sa
from alembic import op

from wuye_core.tenancy.rls import CURRENT_TENANT_SQL
from wuye_core.tenancy.shared import enable_shared_rls

revision = "0015_service_links"
down_revision = "0014_workers_ratings"
branch_labels = None
depends_on = None

CURRENT = CURRENT_TENANT_SQL
LIVE = "state IN ('proposed', 'accepted')"

SUPERVISED_TICKET = (
    "EXISTS (SELECT 1 FROM service_links l WHERE l.state = 'accepted' AND l.provider_tenant_id = tickets.tenant_id "
    f"AND l.provider_site_id = tickets.site_id AND l.client_tenant_id = {CURRENT})"
)


def _readable_ticket(table: str) -> str:
    # the ticket's own policies (its tenant's, or supervised_read) decide
    return f"EXISTS (SELECT 1 FROM tickets t WHERE t.tenant_id = {table}.tenant_id AND t.id = {table}.ticket_id)"


PARTNER = (
    "EXISTS (SELECT 1 FROM service_links l WHERE "
    f"(l.provider_tenant_id = audit_events.tenant_id AND l.client_tenant_id = {CURRENT}) OR "
    f"(l.client_tenant_id = audit_events.tenant_id AND l.provider_tenant_id = {CURRENT}))"
)


def upgrade():
    side = sa.Enum("provider", "client", name="link_side", native_enum=False, length=20)
    op.create_table(
        "service_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_tenant_id", sa.Integer(), nullable=False),
        sa.Column("provider_site_id", sa.Integer(), nullable=True),
        sa.Column("provider_site_name", sa.String(length=100), nullable=True),
        sa.Column("client_tenant_id", sa.Integer(), nullable=False),
        sa.Column("client_site_id", sa.Integer(), nullable=True),
        sa.Column("client_community_id", sa.Integer(), nullable=True),
        sa.Column("client_site_name", sa.String(length=100), nullable=True),
        sa.Column("state", sa.Enum("proposed", "accepted", "declined", "revoked", name="link_state",
                                   native_enum=False, length=20), nullable=False),
        sa.Column("proposed_by", side, nullable=False),
        sa.Column("share_contact", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("proposed_by_user", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_user", sa.String(length=64), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", side, nullable=True),
        sa.Column("ended_by_user", sa.String(length=64), nullable=True),
        sa.Column("end_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["provider_tenant_id"], ["tenants.id"], ondelete="RESTRICT",
                                name=op.f("fk_service_links_provider_tenant_id_tenants")),
        sa.ForeignKeyConstraint(["client_tenant_id"], ["tenants.id"], ondelete="RESTRICT",
                                name=op.f("fk_service_links_client_tenant_id_tenants")),
        sa.ForeignKeyConstraint(["provider_tenant_id", "provider_site_id"], ["sites.tenant_id", "sites.id"],
                                name=op.f("fk_service_links_provider_tenant_id_sites")),
        sa.ForeignKeyConstraint(["client_tenant_id", "client_site_id"], ["sites.tenant_id", "sites.id"],
                                name=op.f("fk_service_links_client_tenant_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_links")),
    )
    op.create_index("ux_service_links_live_provider_site", "service_links", ["provider_tenant_id", "provider_site_id"],
                    unique=True, postgresql_where=sa.text(LIVE), sqlite_where=sa.text(LIVE))
    op.create_index("ux_service_links_live_client_site", "service_links", ["client_tenant_id", "client_site_id"],
                    unique=True, postgresql_where=sa.text(LIVE), sqlite_where=sa.text(LIVE))
    op.create_index(op.f("ix_service_links_client_tenant_id_state"), "service_links", ["client_tenant_id", "state"])
    op.create_index(op.f("ix_service_links_provider_tenant_id_state"), "service_links",
                    ["provider_tenant_id", "state"])
    enable_shared_rls("service_links", "provider_tenant_id", "client_tenant_id")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE POLICY supervised_read ON tickets FOR SELECT USING ({SUPERVISED_TICKET})")
    for table in ("ticket_transitions", "ticket_ratings"):
        op.execute(f"CREATE POLICY supervised_read ON {table} FOR SELECT USING ({_readable_ticket(table)})")
    op.execute(f"CREATE POLICY partner_audit ON audit_events FOR INSERT WITH CHECK ({PARTNER})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS partner_audit ON audit_events")
        for table in ("tickets", "ticket_transitions", "ticket_ratings"):
            op.execute(f"DROP POLICY IF EXISTS supervised_read ON {table}")
    op.drop_table("service_links")
