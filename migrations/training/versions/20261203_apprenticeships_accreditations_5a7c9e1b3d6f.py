"""Modern apprenticeships 现代学徒制 (an apprentice with a school and an enterprise mentor, the 招工 date and the
contract), the accreditation register (鉴定站, 认定机构, 考点, 1+X 考核站点) and the 1+X pilot registrations of schools
(services/training/apprenticeships/models.py, services/training/accreditations/models.py). New tables only: no
existing row changes.

Revision ID: 5a7c9e1b3d6f
Revises: 4d6f8a0c2e5b
Create Date: 2026-12-03 19:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "5a7c9e1b3d6f"
down_revision = "4d6f8a0c2e5b"
branch_labels = None
depends_on = None

SCHEMA = "training"
TABLES = ("apprenticeships", "accreditations", "pilot_registrations")


def _bookkeeping() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "apprenticeships",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("school_org_id", sa.Uuid(), nullable=False),
        sa.Column("enterprise_org_id", sa.Uuid(), nullable=False),
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("school_mentor_person_id", sa.Uuid(), nullable=False),
        sa.Column("school_mentor_name", sa.Text(), nullable=False),
        sa.Column("enterprise_mentor_person_id", sa.Uuid(), nullable=True),
        sa.Column("enterprise_mentor_name", sa.Text(), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("recruited_on", sa.Date(), nullable=True),
        sa.Column("contract_kind", sa.Text(), nullable=True),
        sa.Column("contract_number", sa.Text(), nullable=True),
        sa.Column("contract_signed_on", sa.Date(), nullable=True),
        sa.Column("contract_parties", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        *_bookkeeping(),
        sa.CheckConstraint("status in ('active', 'completed', 'ended_early')", name=op.f("ck_apprenticeships_status")),
        sa.CheckConstraint(
            "contract_kind is null or contract_kind in ('tripartite', 'labour', 'apprenticeship')",
            name=op.f("ck_apprenticeships_contract"),
        ),
        sa.CheckConstraint(
            "(contract_kind is null) = (contract_signed_on is null)", name=op.f("ck_apprenticeships_contract_signed")
        ),
        sa.CheckConstraint("(status = 'active') = (ended_on is null)", name=op.f("ck_apprenticeships_ended")),
        sa.CheckConstraint("ended_on is null or ended_on >= start_on", name=op.f("ck_apprenticeships_period")),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["training.learners.id"], name=op.f("fk_apprenticeships_learner_id_learners")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["training.programmes.id"], name=op.f("fk_apprenticeships_programme_id_programmes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apprenticeships")),
        schema=SCHEMA,
    )
    for name, columns in (
        ("ix_apprenticeships_school_org_id", ["school_org_id", "id"]),
        ("ix_apprenticeships_enterprise_org_id", ["enterprise_org_id", "id"]),
        ("ix_apprenticeships_programme_id", ["programme_id"]),
        ("ix_apprenticeships_learner_id", ["learner_id"]),
        ("ix_apprenticeships_updated_at", ["updated_at", "id"]),
    ):
        op.create_index(name, "apprenticeships", columns, unique=False, schema=SCHEMA)
    op.create_table(
        "accreditations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("granting_body", sa.Text(), nullable=False),
        sa.Column("certificate_number", sa.Text(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("occupations", postgresql.JSONB(), nullable=False),
        *_bookkeeping(),
        sa.CheckConstraint(
            "kind in ('appraisal_station', 'recognition_org', 'exam_site', 'x_exam_site')",
            name=op.f("ck_accreditations_kind"),
        ),
        sa.CheckConstraint("valid_until is null or valid_until >= valid_from", name=op.f("ck_accreditations_validity")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accreditations")),
        schema=SCHEMA,
    )
    op.create_index("ix_accreditations_org_id", "accreditations", ["org_id", "id"], unique=False, schema=SCHEMA)
    op.create_index("ix_accreditations_updated_at", "accreditations", ["updated_at", "id"], unique=False, schema=SCHEMA)
    op.create_table(
        "pilot_registrations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_org_id", sa.Uuid(), nullable=False),
        sa.Column("certificate_name", sa.Text(), nullable=False),
        sa.Column("certificate_key", sa.Text(), nullable=False),
        sa.Column("evaluation_org_name", sa.Text(), nullable=True),
        sa.Column("batch", sa.Integer(), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("levels", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        *_bookkeeping(),
        sa.CheckConstraint("batch is null or batch between 1 and 20", name=op.f("ck_pilot_registrations_batch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilot_registrations")),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_pilot_registrations_certificate",
        "pilot_registrations",
        ["school_org_id", "certificate_key"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("deleted_at is null"),
    )
    op.create_index(
        "ix_pilot_registrations_updated_at", "pilot_registrations", ["updated_at", "id"], unique=False, schema=SCHEMA
    )
    # Listed tables sync by transaction id (chanjiao/sync.py).
    for table in TABLES:
        op.execute(f"ALTER TABLE {SCHEMA}.{table} ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()")
        op.execute(f"CREATE INDEX ix_{table}_txid ON {SCHEMA}.{table} (txid, id)")
        op.execute(
            f"CREATE TRIGGER {table}_txid BEFORE INSERT OR UPDATE ON {SCHEMA}.{table} "
            f"FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.set_txid()"
        )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table, schema=SCHEMA)
