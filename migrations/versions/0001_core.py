"""core: tenants, housing register, staff users, plugin enablement

Revision ID: 0001_core
Revises:
Create Date: 2026-11-25 12:48:38.300835
"""

import sqlalchemy as sa
from alembic import op

from wuye_core.tenancy.rls import disable_tenant_rls, enable_tenant_rls

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None

TENANT_TABLES = [
    "communities",
    "staff_users",
    "tenant_plugins",
    "community_plugins",
    "config_revisions",
    "role_grants",
    "sites",
    "buildings",
    "units",
    "households",
    "residents",
    "resident_tags",
]


def upgrade():
    op.create_table(
        "platform_operators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_operators")),
        sa.UniqueConstraint("username", name=op.f("uq_platform_operators_username")),
    )
    op.create_table(
        "tenants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("company", "subdistrict", name="tenant_kind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("slug", name=op.f("uq_tenants_slug")),
    )
    op.create_table(
        "communities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("config_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_communities_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communities")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_communities_tenant_id_code")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_communities_tenant_id_id")),
    )
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_staff_users_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_staff_users_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "username", name=op.f("uq_staff_users_tenant_id_username")),
    )
    op.create_table(
        "tenant_plugins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plugin", sa.String(length=40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_tenant_plugins_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_plugins")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_tenant_plugins_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "plugin", name=op.f("uq_tenant_plugins_tenant_id_plugin")),
    )
    op.create_table(
        "community_plugins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("plugin", sa.String(length=40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=op.f("fk_community_plugins_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_community_plugins_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_plugins")),
        sa.UniqueConstraint(
            "tenant_id",
            "community_id",
            "plugin",
            name=op.f("uq_community_plugins_tenant_id_community_id_plugin"),
        ),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_community_plugins_tenant_id_id")),
    )
    op.create_table(
        "config_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=True),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=op.f("fk_config_revisions_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_config_revisions_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_revisions")),
        sa.UniqueConstraint(
            "tenant_id",
            "community_id",
            "scope",
            "version",
            name=op.f("uq_config_revisions_tenant_id_community_id_scope_version"),
        ),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_config_revisions_tenant_id_id")),
    )
    op.create_table(
        "role_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=op.f("fk_role_grants_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["staff_users.tenant_id", "staff_users.id"],
            name=op.f("fk_role_grants_tenant_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_role_grants_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grants")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_role_grants_tenant_id_id")),
        sa.UniqueConstraint(
            "tenant_id",
            "user_id",
            "role",
            "community_id",
            name=op.f("uq_role_grants_tenant_id_user_id_role_community_id"),
        ),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "compound",
                "resettlement",
                "old",
                "abandoned",
                "village",
                "other",
                name="site_kind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("area_m2", sa.Numeric(precision=12, scale=2, asdecimal=False), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=op.f("fk_sites_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_sites_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_sites_tenant_id_id")),
    )
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sites_tenant_id_community_id_id"),
            ["tenant_id", "community_id", "id"],
            unique=False,
        )

    op.create_table(
        "buildings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("floors", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=op.f("fk_buildings_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "site_id"],
            ["sites.tenant_id", "sites.id"],
            name=op.f("fk_buildings_tenant_id_sites"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_buildings_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buildings")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_buildings_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "site_id", "name", name=op.f("uq_buildings_tenant_id_site_id_name")),
    )
    with op.batch_alter_table("buildings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_buildings_tenant_id_community_id_id"),
            ["tenant_id", "community_id", "id"],
            unique=False,
        )

    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("entrance", sa.String(length=20), nullable=False),
        sa.Column("floor", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("area_m2", sa.Numeric(precision=10, scale=2, asdecimal=False), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "building_id"],
            ["buildings.tenant_id", "buildings.id"],
            name=op.f("fk_units_tenant_id_buildings"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=op.f("fk_units_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_units_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint(
            "tenant_id",
            "building_id",
            "entrance",
            "number",
            name=op.f("uq_units_tenant_id_building_id_entrance_number"),
        ),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_units_tenant_id_id")),
    )
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_units_tenant_id_community_id_id"),
            ["tenant_id", "community_id", "id"],
            unique=False,
        )

    op.create_table(
        "households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("owner", "renter", "vacant", name="household_kind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("moved_in_on", sa.Date(), nullable=True),
        sa.Column("moved_out_on", sa.Date(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=op.f("fk_households_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "unit_id"],
            ["units.tenant_id", "units.id"],
            name=op.f("fk_households_tenant_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_households_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_households_tenant_id_id")),
    )
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_households_tenant_id_community_id_id"),
            ["tenant_id", "community_id", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_households_tenant_id_site_id_building_id"),
            ["tenant_id", "site_id", "building_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_households_tenant_id_unit_id"), ["tenant_id", "unit_id"], unique=False
        )

    op.create_table(
        "residents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("gender", sa.String(length=10), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("id_card", sa.String(length=255), nullable=True),  # Fernet ciphertext (EncryptedString)
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "community_id"],
            ["communities.tenant_id", "communities.id"],
            name=op.f("fk_residents_tenant_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "household_id"],
            ["households.tenant_id", "households.id"],
            name=op.f("fk_residents_tenant_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_residents_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_residents_tenant_id_id")),
    )
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_residents_tenant_id_community_id_id"),
            ["tenant_id", "community_id", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_residents_tenant_id_household_id"), ["tenant_id", "household_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_residents_tenant_id_phone"), ["tenant_id", "phone"], unique=False
        )

    op.create_table(
        "resident_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=20), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "resident_id"],
            ["residents.tenant_id", "residents.id"],
            name=op.f("fk_resident_tags_tenant_id_residents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_resident_tags_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_tags")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_resident_tags_tenant_id_id")),
        sa.UniqueConstraint(
            "tenant_id", "tag", "resident_id", name=op.f("uq_resident_tags_tenant_id_tag_resident_id")
        ),
    )

    # Row-level security: the second wall behind ORM tenant scoping (PostgreSQL only).
    for table in TENANT_TABLES:
        enable_tenant_rls(table)


def downgrade():
    for table in TENANT_TABLES:
        disable_tenant_rls(table)
    op.drop_table("resident_tags")
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_residents_tenant_id_phone"))
        batch_op.drop_index(batch_op.f("ix_residents_tenant_id_household_id"))
        batch_op.drop_index(batch_op.f("ix_residents_tenant_id_community_id_id"))

    op.drop_table("residents")
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_households_tenant_id_unit_id"))
        batch_op.drop_index(batch_op.f("ix_households_tenant_id_site_id_building_id"))
        batch_op.drop_index(batch_op.f("ix_households_tenant_id_community_id_id"))

    op.drop_table("households")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_units_tenant_id_community_id_id"))

    op.drop_table("units")
    with op.batch_alter_table("buildings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_buildings_tenant_id_community_id_id"))

    op.drop_table("buildings")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sites_tenant_id_community_id_id"))

    op.drop_table("sites")
    op.drop_table("role_grants")
    op.drop_table("config_revisions")
    op.drop_table("community_plugins")
    op.drop_table("tenant_plugins")
    op.drop_table("staff_users")
    op.drop_table("communities")
    op.drop_table("tenants")
    op.drop_table("platform_operators")
