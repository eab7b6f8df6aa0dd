"""alliances, memberships and membership events

Revision ID: 9a4b6c8d0e12
Revises: 3b1c0e7d5a21
Create Date: 2026-11-25 14:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "9a4b6c8d0e12"
down_revision = "3b1c0e7d5a21"
branch_labels = None
depends_on = None

S = "membership"
STATUSES = "'pending', 'active', 'suspended', 'rejected', 'withdrawn', 'expelled'"
ROLES = "'chair', 'vice_chair', 'standing_director', 'director', 'member'"


def upgrade() -> None:
    op.create_table(
        "alliances",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("founded_on", sa.Date(), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("guiding_body", sa.Text(), nullable=True),
        sa.Column("lead_org_ids", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False),
        sa.Column("charter", sa.Text(), nullable=True),
        sa.Column("membership_rules", sa.Text(), nullable=True),
        sa.Column("industry_focus", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("recognitions", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind in ('vocational_education_group', 'technical_education_alliance', 'industry_community', "
            "'city_consortium', 'other')",
            name=op.f("ck_alliances_kind"),
        ),
        sa.CheckConstraint("level in ('national', 'provincial', 'municipal')", name=op.f("ck_alliances_level")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alliances")),
        schema=S,
    )
    op.create_index(
        "uq_alliances_name",
        "alliances",
        ["name"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("deleted_at is null"),
    )
    op.create_index("ix_alliances_kind", "alliances", ["kind", "id"], schema=S)
    op.create_index("ix_alliances_region_code", "alliances", ["region_code", "id"], schema=S)

    op.create_table(
        "memberships",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alliance_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("latest_effective_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"role in ({ROLES})", name=op.f("ck_memberships_role")),
        sa.CheckConstraint(f"status in ({STATUSES})", name=op.f("ck_memberships_status")),
        sa.ForeignKeyConstraint(
            ["alliance_id"], [f"{S}.alliances.id"], name=op.f("fk_memberships_alliance_id_alliances")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], [f"{S}.organizations.id"], name=op.f("fk_memberships_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        schema=S,
    )
    op.create_index(
        "uq_memberships_open",
        "memberships",
        ["org_id", "alliance_id"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("status in ('pending', 'active', 'suspended')"),
    )
    op.create_index(
        "uq_memberships_chair",
        "memberships",
        ["alliance_id"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("role = 'chair' and status in ('active', 'suspended')"),
    )
    op.create_index("ix_memberships_alliance", "memberships", ["alliance_id", "id"], schema=S)
    op.create_index("ix_memberships_alliance_status_role", "memberships", ["alliance_id", "status", "role"], schema=S)
    op.create_index("ix_memberships_alliance_period", "memberships", ["alliance_id", "joined_on", "ended_on"], schema=S)
    op.create_index("ix_memberships_org", "memberships", ["org_id", "id"], schema=S)

    op.create_table(
        "membership_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("membership_id", sa.Uuid(), nullable=False),
        sa.Column("alliance_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.Text(), nullable=True),
        sa.Column("to_status", sa.Text(), nullable=False),
        sa.Column("from_role", sa.Text(), nullable=True),
        sa.Column("to_role", sa.Text(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            f"from_status is null or from_status in ({STATUSES})", name=op.f("ck_membership_events_from_status")
        ),
        sa.CheckConstraint(f"to_status in ({STATUSES})", name=op.f("ck_membership_events_to_status")),
        sa.ForeignKeyConstraint(
            ["membership_id"], [f"{S}.memberships.id"], name=op.f("fk_membership_events_membership_id_memberships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_events")),
        sa.UniqueConstraint("membership_id", "seq", name=op.f("uq_membership_events_membership_id_seq")),
        schema=S,
    )
    op.create_index(
        "ix_membership_events_asof", "membership_events", ["membership_id", "effective_on", "seq"], schema=S
    )
    op.create_index("ix_membership_events_alliance_day", "membership_events", ["alliance_id", "effective_on"], schema=S)


def downgrade() -> None:
    op.drop_table("membership_events", schema=S)
    op.drop_table("memberships", schema=S)
    op.drop_table("alliances", schema=S)
