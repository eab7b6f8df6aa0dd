"""Internships, teacher practice, part-time teaching, training bases

Revision ID: c3e5a7b9d1f3
Revises: b2d4f6a8c0e2
Create Date: 2026-11-25 15:15:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "c3e5a7b9d1f3"
down_revision = "b2d4f6a8c0e2"
branch_labels = None
depends_on = None

SCHEMA = "training"
TERM_PATTERN = r"^[0-9]{4}-[0-9]{4}-[12]$"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} in ({', '.join(repr(v) for v in values)})"


def _record_columns() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "internships",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("school_org_id", sa.Uuid(), nullable=False),
        sa.Column("host_org_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("position", sa.Text(), nullable=True),
        sa.Column("mentor_name", sa.Text(), nullable=True),
        sa.Column("mentor_person_id", sa.Uuid(), nullable=True),
        sa.Column("insured", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("insurance_policy_no", sa.Text(), nullable=True),
        sa.Column("stipend_monthly_cny", sa.Numeric(12, 2), nullable=True),
        sa.Column("three_months_or_more", sa.Boolean(), nullable=False),
        *_record_columns(),
        sa.CheckConstraint(_in("kind", ("cognitive", "shadow", "post")), name=op.f("ck_internships_kind")),
        sa.CheckConstraint("end_on >= start_on", name=op.f("ck_internships_period")),
        sa.CheckConstraint(
            "stipend_monthly_cny is null or stipend_monthly_cny >= 0", name=op.f("ck_internships_stipend")
        ),
        sa.CheckConstraint(
            "kind <> 'post' or (insured and insurance_policy_no is not null)", name=op.f("ck_internships_post_insured")
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["training.learners.id"], name=op.f("fk_internships_learner_id_learners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_internships")),
        schema=SCHEMA,
    )
    op.create_index("ix_internships_school_org_id", "internships", ["school_org_id", "id"], schema=SCHEMA)
    op.create_index("ix_internships_host_org_id", "internships", ["host_org_id", "id"], schema=SCHEMA)
    op.create_index("ix_internships_learner_id", "internships", ["learner_id"], schema=SCHEMA)
    op.create_index("ix_internships_updated_at", "internships", ["updated_at", "id"], schema=SCHEMA)

    op.create_table(
        "teacher_practices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("school_org_id", sa.Uuid(), nullable=False),
        sa.Column("enterprise_org_id", sa.Uuid(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("post", sa.Text(), nullable=True),
        sa.Column("content", sa.Text(), nullable=True),
        *_record_columns(),
        sa.CheckConstraint("end_on >= start_on", name=op.f("ck_teacher_practices_period")),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["training.learners.id"], name=op.f("fk_teacher_practices_learner_id_learners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teacher_practices")),
        schema=SCHEMA,
    )
    op.create_index("ix_teacher_practices_school_org_id", "teacher_practices", ["school_org_id", "id"], schema=SCHEMA)
    op.create_index(
        "ix_teacher_practices_enterprise_org_id", "teacher_practices", ["enterprise_org_id", "id"], schema=SCHEMA
    )
    op.create_index("ix_teacher_practices_learner_id", "teacher_practices", ["learner_id"], schema=SCHEMA)
    op.create_index("ix_teacher_practices_updated_at", "teacher_practices", ["updated_at", "id"], schema=SCHEMA)

    op.create_table(
        "part_time_teaching",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("staff_name", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("enterprise_org_id", sa.Uuid(), nullable=False),
        sa.Column("school_org_id", sa.Uuid(), nullable=False),
        sa.Column("term", sa.Text(), nullable=False),
        sa.Column("term_start_on", sa.Date(), nullable=False),
        sa.Column("term_end_on", sa.Date(), nullable=False),
        sa.Column("course", sa.Text(), nullable=False),
        sa.Column("class_hours", sa.Numeric(8, 1), nullable=False),
        *_record_columns(),
        sa.CheckConstraint(f"term ~ '{TERM_PATTERN}'", name=op.f("ck_part_time_teaching_term")),
        sa.CheckConstraint("term_end_on >= term_start_on", name=op.f("ck_part_time_teaching_term_period")),
        sa.CheckConstraint("class_hours > 0", name=op.f("ck_part_time_teaching_class_hours")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_part_time_teaching")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_part_time_teaching_enterprise_org_id", "part_time_teaching", ["enterprise_org_id", "id"], schema=SCHEMA
    )
    op.create_index("ix_part_time_teaching_school_org_id", "part_time_teaching", ["school_org_id", "id"], schema=SCHEMA)
    op.create_index("ix_part_time_teaching_updated_at", "part_time_teaching", ["updated_at", "id"], schema=SCHEMA)

    op.create_table(
        "training_bases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_org_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=True),
        sa.Column("stations", sa.Integer(), nullable=True),
        sa.Column("persons_per_day", sa.Integer(), nullable=True),
        sa.Column("major_codes", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("shared", sa.Boolean(), server_default="false", nullable=False),
        *_record_columns(),
        sa.CheckConstraint(
            _in("kind", ("on_campus", "off_campus", "public", "productive", "virtual")),
            name=op.f("ck_training_bases_kind"),
        ),
        sa.CheckConstraint(
            "level is null or " + _in("level", ("national", "provincial", "municipal", "school")),
            name=op.f("ck_training_bases_level"),
        ),
        sa.CheckConstraint("stations is null or stations >= 0", name=op.f("ck_training_bases_stations")),
        sa.CheckConstraint(
            "persons_per_day is null or persons_per_day >= 0", name=op.f("ck_training_bases_persons_per_day")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_bases")),
        schema=SCHEMA,
    )
    op.create_index("ix_training_bases_owner_org_id", "training_bases", ["owner_org_id", "id"], schema=SCHEMA)
    op.create_index("ix_training_bases_updated_at", "training_bases", ["updated_at", "id"], schema=SCHEMA)
    op.create_index(
        "ix_training_bases_major_codes", "training_bases", ["major_codes"], postgresql_using="gin", schema=SCHEMA
    )

    # programmes (previous revision) names its training base; the table exists only from here on.
    op.create_foreign_key(
        op.f("fk_programmes_training_base_id_training_bases"),
        "programmes",
        "training_bases",
        ["training_base_id"],
        ["id"],
        source_schema=SCHEMA,
        referent_schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_programmes_training_base_id_training_bases"), "programmes", type_="foreignkey", schema=SCHEMA
    )
    for table, indexes in (
        (
            "training_bases",
            ("ix_training_bases_major_codes", "ix_training_bases_updated_at", "ix_training_bases_owner_org_id"),
        ),
        (
            "part_time_teaching",
            (
                "ix_part_time_teaching_updated_at",
                "ix_part_time_teaching_school_org_id",
                "ix_part_time_teaching_enterprise_org_id",
            ),
        ),
        (
            "teacher_practices",
            (
                "ix_teacher_practices_updated_at",
                "ix_teacher_practices_learner_id",
                "ix_teacher_practices_enterprise_org_id",
                "ix_teacher_practices_school_org_id",
            ),
        ),
        (
            "internships",
            (
                "ix_internships_updated_at",
                "ix_internships_learner_id",
                "ix_internships_host_org_id",
                "ix_internships_school_org_id",
            ),
        ),
    ):
        for index in indexes:
            op.drop_index(index, table_name=table, schema=SCHEMA)
        op.drop_table(table, schema=SCHEMA)
