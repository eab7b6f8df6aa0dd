"""Learners: personal data encrypted, keyed hash for de-duplication, org links

Revision ID: a1c3e5f7b9d1
Revises: b7fed8936242
Create Date: 2026-11-25 15:15:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "a1c3e5f7b9d1"
down_revision = "b7fed8936242"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learners",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_bigrams", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("id_type", sa.Text(), nullable=False),
        sa.Column("id_number_hash", sa.LargeBinary(), nullable=True),
        sa.Column("id_number_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("id_number_masked", sa.Text(), nullable=True),
        sa.Column("gender", sa.Text(), nullable=True),
        sa.Column("birth_year", sa.SmallInteger(), nullable=True),
        sa.Column("phone_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("phone_masked", sa.Text(), nullable=True),
        sa.Column("learner_type", sa.Text(), nullable=False),
        sa.Column("current_org_id", sa.Uuid(), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "id_type in ('resident_id', 'passport', 'hk_macau_permit', 'taiwan_permit', 'foreigner_permanent')",
            name=op.f("ck_learners_id_type"),
        ),
        sa.CheckConstraint(
            "learner_type in ('student', 'employee', 'teacher', 'social')", name=op.f("ck_learners_learner_type")
        ),
        sa.CheckConstraint("gender in ('male', 'female')", name=op.f("ck_learners_gender")),
        sa.CheckConstraint("(phone_ciphertext is null) = (phone_masked is null)", name=op.f("ck_learners_phone_pair")),
        sa.CheckConstraint(
            "erased_at is not null or (id_number_hash is not null and id_number_ciphertext is not null "
            "and id_number_masked is not null)",
            name=op.f("ck_learners_id_number_present"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learners")),
        sa.UniqueConstraint("id_number_hash", name="uq_learners_id_number_hash"),
        schema="training",
    )
    op.create_index("ix_learners_current_org_id", "learners", ["current_org_id", "id"], schema="training")
    op.create_index("ix_learners_updated_at", "learners", ["updated_at", "id"], schema="training")
    op.create_index("ix_learners_name_bigrams", "learners", ["name_bigrams"], schema="training", postgresql_using="gin")
    op.create_table(
        "learner_orgs",
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("via", sa.Text(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["training.learners.id"],
            name=op.f("fk_learner_orgs_learner_id_learners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("learner_id", "org_id", name=op.f("pk_learner_orgs")),
        schema="training",
    )
    op.create_index("ix_learner_orgs_org_id", "learner_orgs", ["org_id", "learner_id"], schema="training")


def downgrade() -> None:
    op.drop_index("ix_learner_orgs_org_id", table_name="learner_orgs", schema="training")
    op.drop_table("learner_orgs", schema="training")
    op.drop_index("ix_learners_name_bigrams", table_name="learners", schema="training")
    op.drop_index("ix_learners_updated_at", table_name="learners", schema="training")
    op.drop_index("ix_learners_current_org_id", table_name="learners", schema="training")
    op.drop_table("learners", schema="training")
