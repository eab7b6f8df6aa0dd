"""An organization's application 申报 for a seat on a committee (`committee_applications`), decided by the
alliance's admins; accepting it gives the seat

Revision ID: 7c1e3a5b9d2f
Revises: 4a7c9e1b3d5f
Create Date: 2026-12-03 19:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "7c1e3a5b9d2f"
down_revision = "4a7c9e1b3d5f"
branch_labels = None
depends_on = None

S = "membership"
RANKS = ("director_unit", "deputy_director_unit", "secretariat_unit", "member_unit", "participant_unit")
CATEGORIES = (
    "school",
    "training_company",
    "industry_support",
    "project_tech_support",
    "pilot_unit",
    "textbook_department",
    "cooperation_department",
    "integration_enterprise",
    "employer",
    "master_studio",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} in ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "committee_applications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("committee_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("rank", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("seat_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            _in("status", ("pending", "accepted", "declined")), name=op.f("ck_committee_applications_status")
        ),
        sa.CheckConstraint(_in("rank", RANKS), name=op.f("ck_committee_applications_rank")),
        sa.CheckConstraint(
            f"category is null or {_in('category', CATEGORIES)}", name=op.f("ck_committee_applications_category")
        ),
        sa.ForeignKeyConstraint(
            ["committee_id"], [f"{S}.committees.id"], name=op.f("fk_committee_applications_committee_id_committees")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], [f"{S}.organizations.id"], name=op.f("fk_committee_applications_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["seat_id"], [f"{S}.committee_seats.id"], name=op.f("fk_committee_applications_seat_id_committee_seats")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_applications")),
        schema=S,
    )
    op.create_index(
        "uq_committee_applications_pending",
        "committee_applications",
        ["committee_id", "org_id"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_committee_applications_committee",
        "committee_applications",
        ["committee_id", "applied_on", "id"],
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("committee_applications", schema=S)
