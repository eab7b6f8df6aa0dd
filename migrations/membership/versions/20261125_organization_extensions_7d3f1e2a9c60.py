"""organization extensions: group structure, sponsor, honours, majors, school stats, status events

Revision ID: 7d3f1e2a9c60
Revises: 3b1c0e7d5a21
Create Date: 2026-11-25 15:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "7d3f1e2a9c60"
down_revision = "3b1c0e7d5a21"
branch_labels = None
depends_on = None

S = "membership"


def upgrade() -> None:
    op.add_column("organizations", sa.Column("parent_id", sa.Uuid(), nullable=True), schema=S)
    op.add_column("organizations", sa.Column("sponsor_org_id", sa.Uuid(), nullable=True), schema=S)
    op.add_column(
        "organizations",
        sa.Column("honours", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        schema=S,
    )
    op.create_foreign_key(
        "fk_organizations_parent_id_organizations",
        "organizations",
        "organizations",
        ["parent_id"],
        ["id"],
        source_schema=S,
        referent_schema=S,
    )
    op.create_foreign_key(
        "fk_organizations_sponsor_org_id_organizations",
        "organizations",
        "organizations",
        ["sponsor_org_id"],
        ["id"],
        source_schema=S,
        referent_schema=S,
    )
    op.create_index("ix_organizations_parent_id", "organizations", ["parent_id", "id"], schema=S)
    op.create_index("ix_organizations_status", "organizations", ["status", "id"], schema=S)
    op.create_index(
        "ix_organizations_sponsor_org_id",
        "organizations",
        ["sponsor_org_id"],
        schema=S,
        postgresql_where=sa.text("sponsor_org_id is not null"),
    )

    op.create_table(
        "organization_majors",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("major_code", sa.String(length=7), nullable=False),
        sa.Column("enrolment", sa.Integer(), nullable=False),
        sa.Column("graduates", sa.Integer(), nullable=False),
        sa.CheckConstraint("enrolment >= 0", name=op.f("ck_organization_majors_enrolment")),
        sa.CheckConstraint("graduates >= 0", name=op.f("ck_organization_majors_graduates")),
        sa.ForeignKeyConstraint(
            ["org_id"], [f"{S}.organizations.id"], name=op.f("fk_organization_majors_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("org_id", "year", "major_code", name=op.f("pk_organization_majors")),
        schema=S,
    )
    op.create_table(
        "organization_school_stats",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("full_time_enrolment", sa.Integer(), nullable=False),
        sa.Column("students", sa.Integer(), nullable=False),
        sa.Column("graduates", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("full_time_enrolment >= 0", name=op.f("ck_organization_school_stats_full_time_enrolment")),
        sa.CheckConstraint("students >= 0", name=op.f("ck_organization_school_stats_students")),
        sa.CheckConstraint("graduates >= 0", name=op.f("ck_organization_school_stats_graduates")),
        sa.ForeignKeyConstraint(
            ["org_id"], [f"{S}.organizations.id"], name=op.f("fk_organization_school_stats_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("org_id", "year", name=op.f("pk_organization_school_stats")),
        schema=S,
    )
    op.create_table(
        "organization_status_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.Text(), nullable=False),
        sa.Column("to_status", sa.Text(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "from_status in ('active', 'inactive')", name=op.f("ck_organization_status_events_from_status")
        ),
        sa.CheckConstraint("to_status in ('active', 'inactive')", name=op.f("ck_organization_status_events_to_status")),
        sa.ForeignKeyConstraint(
            ["org_id"], [f"{S}.organizations.id"], name=op.f("fk_organization_status_events_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_status_events")),
        schema=S,
    )
    op.create_index("ix_organization_status_events_org_id", "organization_status_events", ["org_id", "id"], schema=S)


def downgrade() -> None:
    op.drop_index("ix_organization_status_events_org_id", table_name="organization_status_events", schema=S)
    op.drop_table("organization_status_events", schema=S)
    op.drop_table("organization_school_stats", schema=S)
    op.drop_table("organization_majors", schema=S)
    op.drop_index(
        "ix_organizations_sponsor_org_id",
        table_name="organizations",
        schema=S,
        postgresql_where=sa.text("sponsor_org_id is not null"),
    )
    op.drop_index("ix_organizations_status", table_name="organizations", schema=S)
    op.drop_index("ix_organizations_parent_id", table_name="organizations", schema=S)
    op.drop_constraint("fk_organizations_sponsor_org_id_organizations", "organizations", schema=S, type_="foreignkey")
    op.drop_constraint("fk_organizations_parent_id_organizations", "organizations", schema=S, type_="foreignkey")
    op.drop_column("organizations", "honours", schema=S)
    op.drop_column("organizations", "sponsor_org_id", schema=S)
    op.drop_column("organizations", "parent_id", schema=S)
