"""Programmes and enrolments (capacity, transitions)

Revision ID: b2d4f6a8c0e2
Revises: a1c3e5f7b9d1
Create Date: 2026-11-25 15:15:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "b2d4f6a8c0e2"
down_revision = "a1c3e5f7b9d1"
branch_labels = None
depends_on = None

SCHEMA = "training"
KINDS = (
    "pre_job",
    "on_job",
    "upskilling",
    "reskilling",
    "special_operations",
    "continuing_education",
    "order_class",
    "modern_apprenticeship",
    "enterprise_apprenticeship",
    "teacher_training",
    "social_training",
    "other",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} in ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "programmes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("provider_org_id", sa.Uuid(), nullable=False),
        sa.Column("alliance_id", sa.Uuid(), nullable=True),
        sa.Column("partner_org_ids", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False),
        sa.Column("occupation_code", sa.Text(), nullable=True),
        sa.Column("major_code", sa.Text(), nullable=True),
        # training_bases is created by the next migration (practice records), which adds the foreign key.
        sa.Column("training_base_id", sa.Uuid(), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("planned_hours", sa.Numeric(8, 1), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("delivery", sa.Text(), nullable=False),
        sa.Column("enrolled_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_in("kind", KINDS), name=op.f("ck_programmes_kind")),
        sa.CheckConstraint(_in("delivery", ("online", "offline", "blended")), name=op.f("ck_programmes_delivery")),
        sa.CheckConstraint("end_on >= start_on", name=op.f("ck_programmes_period")),
        sa.CheckConstraint("capacity is null or capacity >= 1", name=op.f("ck_programmes_capacity")),
        sa.CheckConstraint(
            "enrolled_count >= 0 and (capacity is null or enrolled_count <= capacity)",
            name=op.f("ck_programmes_enrolled_count"),
        ),
        sa.CheckConstraint("planned_hours is null or planned_hours >= 0", name=op.f("ck_programmes_planned_hours")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programmes")),
        schema=SCHEMA,
    )
    op.create_index("ix_programmes_provider_org_id", "programmes", ["provider_org_id", "id"], schema=SCHEMA)
    op.create_index("ix_programmes_alliance_id", "programmes", ["alliance_id", "end_on"], schema=SCHEMA)
    op.create_index("ix_programmes_end_on", "programmes", ["end_on"], schema=SCHEMA)
    op.create_index(
        "ix_programmes_partner_org_ids", "programmes", ["partner_org_ids"], postgresql_using="gin", schema=SCHEMA
    )
    op.create_index("ix_programmes_training_base_id", "programmes", ["training_base_id"], schema=SCHEMA)
    op.create_index("ix_programmes_updated_at", "programmes", ["updated_at", "id"], schema=SCHEMA)

    op.create_table(
        "enrolments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("enrolled_on", sa.Date(), nullable=False),
        sa.Column("status_changed_on", sa.Date(), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("days_attended", sa.Numeric(7, 1), nullable=True),
        sa.Column("hours_attended", sa.Numeric(8, 1), nullable=True),
        sa.Column("score", sa.Numeric(5, 2), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            _in("status", ("enrolled", "completed", "dropped", "failed")), name=op.f("ck_enrolments_status")
        ),
        sa.CheckConstraint("days_attended is null or days_attended >= 0", name=op.f("ck_enrolments_days_attended")),
        sa.CheckConstraint("hours_attended is null or hours_attended >= 0", name=op.f("ck_enrolments_hours_attended")),
        sa.CheckConstraint("score is null or (score >= 0 and score <= 100)", name=op.f("ck_enrolments_score")),
        sa.ForeignKeyConstraint(
            ["programme_id"], [f"{SCHEMA}.programmes.id"], name=op.f("fk_enrolments_programme_id_programmes")
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], [f"{SCHEMA}.learners.id"], name=op.f("fk_enrolments_learner_id_learners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_enrolments_seated",
        "enrolments",
        ["learner_id", "programme_id"],
        unique=True,
        postgresql_where=sa.text("status <> 'dropped' and deleted_at is null"),
        schema=SCHEMA,
    )
    op.create_index("ix_enrolments_programme_id", "enrolments", ["programme_id", "id"], schema=SCHEMA)
    op.create_index("ix_enrolments_learner_id", "enrolments", ["learner_id", "id"], schema=SCHEMA)
    op.create_index("ix_enrolments_updated_at", "enrolments", ["updated_at", "id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("enrolments", schema=SCHEMA)
    op.drop_table("programmes", schema=SCHEMA)
