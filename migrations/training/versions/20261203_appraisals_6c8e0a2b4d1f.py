"""Skill appraisal batches 技能鉴定: the batch (its counts by result, for the figures) and its candidates, each
passing one naming the certificate issued with the batch (services/training/appraisals/models.py)

Revision ID: 6c8e0a2b4d1f
Revises: 4d9b2f6a8c1e
Create Date: 2026-12-03 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "6c8e0a2b4d1f"
down_revision = "4d9b2f6a8c1e"
branch_labels = None
depends_on = None

SCHEMA = "training"


def upgrade() -> None:
    op.create_table(
        "appraisals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("certificate_kind", sa.Text(), nullable=False),
        sa.Column("occupation_name", sa.Text(), nullable=False),
        sa.Column("occupation_code", sa.Text(), nullable=True),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("appraised_on", sa.Date(), nullable=False),
        sa.Column("programme_id", sa.Uuid(), nullable=True),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("absent", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "certificate_kind in ('skill_level', 'skill_level_1x')", name=op.f("ck_appraisals_certificate_kind")
        ),
        sa.CheckConstraint("passed >= 0 and failed >= 0 and absent >= 0", name=op.f("ck_appraisals_counts")),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["training.programmes.id"], name=op.f("fk_appraisals_programme_id_programmes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisals")),
        schema=SCHEMA,
    )
    op.create_index("ix_appraisals_org_id", "appraisals", ["org_id", "appraised_on"], unique=False, schema=SCHEMA)
    op.create_index("ix_appraisals_updated_at", "appraisals", ["updated_at", "id"], unique=False, schema=SCHEMA)
    op.create_table(
        "appraisal_candidates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("appraisal_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("score", sa.Numeric(5, 2), nullable=True),
        sa.Column("certificate_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint("result in ('pass', 'fail', 'absent')", name=op.f("ck_appraisal_candidates_result")),
        sa.CheckConstraint(
            "(result = 'pass') = (certificate_id is not null)", name=op.f("ck_appraisal_candidates_certificate")
        ),
        sa.CheckConstraint("result <> 'absent' or score is null", name=op.f("ck_appraisal_candidates_absent_score")),
        sa.CheckConstraint(
            "score is null or (score >= 0 and score <= 100)", name=op.f("ck_appraisal_candidates_score")
        ),
        sa.ForeignKeyConstraint(
            ["appraisal_id"], ["training.appraisals.id"], name=op.f("fk_appraisal_candidates_appraisal_id_appraisals")
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["training.learners.id"], name=op.f("fk_appraisal_candidates_learner_id_learners")
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["training.certificates.id"],
            name=op.f("fk_appraisal_candidates_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisal_candidates")),
        sa.UniqueConstraint("appraisal_id", "learner_id", name="uq_appraisal_candidates_learner"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_appraisal_candidates_learner_id", "appraisal_candidates", ["learner_id"], unique=False, schema=SCHEMA
    )
    # Appraisals sync by transaction id like every listed table (chanjiao/sync.py).
    op.execute(f"ALTER TABLE {SCHEMA}.appraisals ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()")
    op.execute(f"CREATE INDEX ix_appraisals_txid ON {SCHEMA}.appraisals (txid, id)")
    op.execute(
        f"CREATE TRIGGER appraisals_txid BEFORE INSERT OR UPDATE ON {SCHEMA}.appraisals "
        f"FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.set_txid()"
    )


def downgrade() -> None:
    op.drop_table("appraisal_candidates", schema=SCHEMA)
    op.drop_table("appraisals", schema=SCHEMA)
