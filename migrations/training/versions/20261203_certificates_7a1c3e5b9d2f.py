"""Certificates: the certificate (issued on the platform or recorded from an outside authority), its reviews (复审),
its status changes and its public verification answer (services/training/certificates/models.py)

Revision ID: 7a1c3e5b9d2f
Revises: c2e4a6b8d0f1
Create Date: 2026-12-03 13:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "7a1c3e5b9d2f"
down_revision = "c2e4a6b8d0f1"
branch_labels = None
depends_on = None

SCHEMA = "training"


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("recorded", sa.Boolean(), nullable=False),
        sa.Column("issuer_authority", sa.Text(), nullable=False),
        sa.Column("issuer_org_id", sa.Uuid(), nullable=True),
        sa.Column("issuer_name", sa.Text(), nullable=False),
        sa.Column("holder_org_id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=True),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("holder_name", sa.Text(), nullable=False),
        sa.Column("occupation_name", sa.Text(), nullable=False),
        sa.Column("occupation_code", sa.Text(), nullable=True),
        sa.Column("level", sa.Text(), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("programme_id", sa.Uuid(), nullable=True),
        sa.Column("appraisal_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("status_changed_on", sa.Date(), nullable=True),
        sa.Column("replaces_id", sa.Uuid(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(status = 'active') = (status_reason is null)", name=op.f("ck_certificates_status_reason")),
        sa.CheckConstraint(
            "issuer_authority in ('platform_org', 'emergency_management', 'market_regulation', 'evaluation_org', 'skill_appraisal_org', 'human_resources', 'competition_organizer', 'other')",
            name=op.f("ck_certificates_issuer_authority"),
        ),
        sa.CheckConstraint(
            "kind in ('skill_level_1x', 'skill_level', 'vocational_qualification', 'special_operations', 'special_equipment', 'completion', 'competition_award', 'other')",
            name=op.f("ck_certificates_kind"),
        ),
        sa.CheckConstraint(
            "recorded or (issuer_authority = 'platform_org' and issuer_org_id = holder_org_id)",
            name=op.f("ck_certificates_issued_by_holder"),
        ),
        sa.CheckConstraint("status in ('active', 'suspended', 'revoked')", name=op.f("ck_certificates_status")),
        sa.CheckConstraint(
            "next_review_on is null or next_review_on >= issued_on", name=op.f("ck_certificates_review_date")
        ),
        sa.CheckConstraint("num_nonnulls(learner_id, person_id) = 1", name=op.f("ck_certificates_holder")),
        sa.CheckConstraint("replaces_id is null or replaces_id <> id", name=op.f("ck_certificates_replaces_other")),
        sa.CheckConstraint("valid_until is null or valid_until >= issued_on", name=op.f("ck_certificates_validity")),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["training.learners.id"], name=op.f("fk_certificates_learner_id_learners")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["training.programmes.id"], name=op.f("fk_certificates_programme_id_programmes")
        ),
        sa.ForeignKeyConstraint(
            ["replaces_id"], ["training.certificates.id"], name=op.f("fk_certificates_replaces_id_certificates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        schema="training",
    )
    op.create_index(
        "ix_certificates_holder_org_id", "certificates", ["holder_org_id", "id"], unique=False, schema="training"
    )
    op.create_index("ix_certificates_learner_id", "certificates", ["learner_id"], unique=False, schema="training")
    op.create_index(
        "ix_certificates_next_review_on", "certificates", ["next_review_on"], unique=False, schema="training"
    )
    op.create_index("ix_certificates_person_id", "certificates", ["person_id"], unique=False, schema="training")
    op.create_index("ix_certificates_updated_at", "certificates", ["updated_at", "id"], unique=False, schema="training")
    op.create_index("ix_certificates_valid_until", "certificates", ["valid_until"], unique=False, schema="training")
    op.create_index(
        "uq_certificates_issuer_number",
        "certificates",
        ["issuer_org_id", "number"],
        unique=True,
        schema="training",
        postgresql_where=sa.text("not recorded"),
    )
    op.create_index(
        "uq_certificates_recorded_number",
        "certificates",
        ["holder_org_id", "issuer_name", "number"],
        unique=True,
        schema="training",
        postgresql_where=sa.text("recorded"),
    )
    op.create_index("uq_certificates_replaces_id", "certificates", ["replaces_id"], unique=True, schema="training")
    op.create_table(
        "certificate_reviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("certificate_id", sa.Uuid(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("next_due_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("result in ('pass', 'fail')", name=op.f("ck_certificate_reviews_result")),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["training.certificates.id"],
            name=op.f("fk_certificate_reviews_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_reviews")),
        schema="training",
    )
    op.create_index(
        "ix_certificate_reviews_certificate_id",
        "certificate_reviews",
        ["certificate_id", "reviewed_on"],
        unique=False,
        schema="training",
    )
    op.create_table(
        "certificate_status_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("certificate_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("from_status", sa.Text(), nullable=False),
        sa.Column("to_status", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "action in ('suspension', 'revocation', 'reinstatement', 'failed_review')",
            name=op.f("ck_certificate_status_changes_action"),
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["training.certificates.id"],
            name=op.f("fk_certificate_status_changes_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_status_changes")),
        schema="training",
    )
    op.create_index(
        "ix_certificate_status_changes_certificate_id",
        "certificate_status_changes",
        ["certificate_id", "created_at"],
        unique=False,
        schema="training",
    )
    op.create_table(
        "certificate_verifications",
        sa.Column("certificate_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.LargeBinary(), nullable=False),
        sa.Column("code_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("signed_status", sa.Text(), nullable=True),
        sa.Column("checked_on", sa.Date(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["training.certificates.id"],
            name=op.f("fk_certificate_verifications_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("certificate_id", name=op.f("pk_certificate_verifications")),
        sa.UniqueConstraint("code_hash", name="uq_certificate_verifications_code_hash"),
        schema="training",
    )
    # Certificates sync by transaction id like every listed table (chanjiao/sync.py).
    op.execute(f"ALTER TABLE {SCHEMA}.certificates ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()")
    op.execute(f"CREATE INDEX ix_certificates_txid ON {SCHEMA}.certificates (txid, id)")
    op.execute(
        f"CREATE TRIGGER certificates_txid BEFORE INSERT OR UPDATE ON {SCHEMA}.certificates "
        f"FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.set_txid()"
    )


def downgrade() -> None:
    for table in ("certificate_verifications", "certificate_status_changes", "certificate_reviews", "certificates"):
        op.drop_table(table, schema=SCHEMA)
