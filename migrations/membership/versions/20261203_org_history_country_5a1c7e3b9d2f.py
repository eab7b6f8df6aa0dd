"""Organizations carry a dated history of their type and region, and a country

* `organization_changes`: one row per dated change of an organization's type and/or region (from/to,
  `effective_on`, reason, actor), synced by `txid` like `organization_status_events`. Existing organizations get
  no row: an organization without changes had its current type and region since its creation, which is how
  as-of queries read it (services/membership/organizations/history.py).
* `org_type` gains `technical_school` (技工学校, 含高级技工学校); `technician_college` now means 技师学院 only —
  a 技工学校 upgraded to 技师学院 is a change of type.
* `organizations.country_code` (ISO 3166-1 alpha-2, existing rows `CN`); `region_code` becomes optional: required
  in China, absent elsewhere; a credit code only in China. The name unique index reads the region, or the country
  for a foreign unit.

Revision ID: 5a1c7e3b9d2f
Revises: 7a9c1e3f5b8d
Create Date: 2026-12-03 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5a1c7e3b9d2f"
down_revision = "7a9c1e3f5b8d"
branch_labels = None
depends_on = None

S = "membership"
TYPES = (
    "government",
    "enterprise",
    "undergraduate",
    "higher_vocational",
    "secondary_vocational",
    "technical_school",
    "technician_college",
    "industry_association",
    "research_institute",
    "training_company",
    "other",
)
IN_TYPES = ", ".join(f"'{t}'" for t in TYPES)
OLD_IN_TYPES = ", ".join(f"'{t}'" for t in TYPES if t != "technical_school")


def upgrade() -> None:
    op.execute(f"ALTER TABLE {S}.organizations DROP CONSTRAINT ck_organizations_org_type")
    op.execute(
        f"ALTER TABLE {S}.organizations ADD CONSTRAINT ck_organizations_org_type CHECK (org_type in ({IN_TYPES}))"
    )
    op.execute(f"ALTER TABLE {S}.organizations ADD COLUMN country_code varchar(2) NOT NULL DEFAULT 'CN'")
    op.execute(f"ALTER TABLE {S}.organizations ALTER COLUMN region_code DROP NOT NULL")
    op.execute(
        f"ALTER TABLE {S}.organizations ADD CONSTRAINT ck_organizations_country_code CHECK (country_code ~ '^[A-Z]{{2}}$')"
    )
    op.execute(
        f"ALTER TABLE {S}.organizations ADD CONSTRAINT ck_organizations_region_by_country "
        "CHECK ((country_code = 'CN') = (region_code is not null))"
    )
    op.execute(
        f"ALTER TABLE {S}.organizations ADD CONSTRAINT ck_organizations_credit_code_in_china "
        "CHECK (country_code = 'CN' or credit_code is null)"
    )
    op.execute(f"DROP INDEX {S}.uq_organizations_name_region")
    op.execute(
        f"CREATE UNIQUE INDEX uq_organizations_name_region ON {S}.organizations "
        "(name, coalesce(region_code, country_code)) WHERE deleted_at is null and credit_code is null"
    )
    op.create_table(
        "organization_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("from_org_type", sa.Text(), nullable=False),
        sa.Column("to_org_type", sa.Text(), nullable=False),
        sa.Column("from_region_code", sa.String(6), nullable=True),
        sa.Column("to_region_code", sa.String(6), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"from_org_type in ({IN_TYPES})", name=op.f("ck_organization_changes_from_org_type")),
        sa.CheckConstraint(f"to_org_type in ({IN_TYPES})", name=op.f("ck_organization_changes_to_org_type")),
        sa.CheckConstraint(
            "from_org_type <> to_org_type or from_region_code is distinct from to_region_code",
            name=op.f("ck_organization_changes_changes_something"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], [f"{S}.organizations.id"], name=op.f("fk_organization_changes_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_changes")),
        schema=S,
    )
    op.create_index(
        "ix_organization_changes_org_id", "organization_changes", ["org_id", "effective_on", "id"], schema=S
    )
    op.execute(f"ALTER TABLE {S}.organization_changes ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()")
    op.execute(f"CREATE INDEX ix_organization_changes_txid ON {S}.organization_changes (txid, id)")
    op.execute(
        f"CREATE TRIGGER organization_changes_txid BEFORE INSERT OR UPDATE ON {S}.organization_changes "
        f"FOR EACH ROW EXECUTE FUNCTION {S}.set_txid()"
    )


def downgrade() -> None:
    op.drop_table("organization_changes", schema=S)
    # A foreign organization has no region to fall back on: the downgrade stops rather than invent one.
    op.execute(
        f"DO $$ BEGIN IF EXISTS (SELECT 1 FROM {S}.organizations WHERE country_code <> 'CN') THEN "
        "RAISE EXCEPTION 'foreign organizations exist; remove them before downgrading'; END IF; END $$"
    )
    op.execute(f"DROP INDEX {S}.uq_organizations_name_region")
    op.execute(
        f"CREATE UNIQUE INDEX uq_organizations_name_region ON {S}.organizations (name, region_code) "
        "WHERE deleted_at is null and credit_code is null"
    )
    for name in ("credit_code_in_china", "region_by_country", "country_code", "org_type"):
        op.execute(f"ALTER TABLE {S}.organizations DROP CONSTRAINT ck_organizations_{name}")
    op.execute(f"UPDATE {S}.organizations SET org_type = 'technician_college' WHERE org_type = 'technical_school'")
    op.execute(
        f"ALTER TABLE {S}.organizations ADD CONSTRAINT ck_organizations_org_type CHECK (org_type in ({OLD_IN_TYPES}))"
    )
    op.execute(f"ALTER TABLE {S}.organizations ALTER COLUMN region_code SET NOT NULL")
    op.execute(f"ALTER TABLE {S}.organizations DROP COLUMN country_code")
