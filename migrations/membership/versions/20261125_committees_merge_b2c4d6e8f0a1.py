"""committees, seats and positions; joins the three branches of 2026-11-25

Revision ID: b2c4d6e8f0a1
Revises: 5e0c9a7b2d14, 7d3f1e2a9c60, 9a4b6c8d0e12
Create Date: 2026-11-25 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b2c4d6e8f0a1"
down_revision = ("5e0c9a7b2d14", "7d3f1e2a9c60", "9a4b6c8d0e12")
branch_labels = None
depends_on = None

S = "membership"


def upgrade() -> None:
    op.create_table(
        "committees",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alliance_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("body_type", sa.Text(), nullable=False),
        sa.Column("domain", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("established_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "body_type in ('council', 'standing_council', 'secretariat', 'working_committee', "
            "'specialized_committee', 'expert_panel')",
            name=op.f("ck_committees_body_type"),
        ),
        sa.ForeignKeyConstraint(
            ["alliance_id"], [f"{S}.alliances.id"], name=op.f("fk_committees_alliance_id_alliances")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committees")),
        schema=S,
    )
    op.create_index(
        "uq_committees_name",
        "committees",
        ["alliance_id", "name"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("deleted_at is null"),
    )
    op.create_index("ix_committees_alliance", "committees", ["alliance_id", "body_type", "id"], schema=S)
    op.create_table(
        "committee_seats",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("committee_id", sa.Uuid(), nullable=False),
        sa.Column("alliance_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("seat_role", sa.Text(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "seat_role in ('director_unit', 'deputy_director_unit', 'member_unit', 'training_company_unit', "
            "'industry_support_unit')",
            name=op.f("ck_committee_seats_seat_role"),
        ),
        sa.CheckConstraint("end_on is null or end_on >= start_on", name=op.f("ck_committee_seats_period")),
        sa.ForeignKeyConstraint(
            ["committee_id"], [f"{S}.committees.id"], name=op.f("fk_committee_seats_committee_id_committees")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], [f"{S}.organizations.id"], name=op.f("fk_committee_seats_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_seats")),
        schema=S,
    )
    op.create_index("ix_committee_seats_committee", "committee_seats", ["committee_id", "start_on", "id"], schema=S)
    op.create_index("ix_committee_seats_org", "committee_seats", ["org_id", "end_on"], schema=S)
    op.create_table(
        "committee_positions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("committee_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("end_on is null or end_on >= start_on", name=op.f("ck_committee_positions_period")),
        sa.ForeignKeyConstraint(
            ["committee_id"], [f"{S}.committees.id"], name=op.f("fk_committee_positions_committee_id_committees")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], [f"{S}.people.id"], name=op.f("fk_committee_positions_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_positions")),
        schema=S,
    )
    op.create_index(
        "ix_committee_positions_committee", "committee_positions", ["committee_id", "start_on", "id"], schema=S
    )


def downgrade() -> None:
    op.drop_table("committee_positions", schema=S)
    op.drop_table("committee_seats", schema=S)
    op.drop_table("committees", schema=S)
