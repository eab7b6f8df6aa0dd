"""The job runner's table (chanjiao/db.py `jobs_table`, chanjiao/jobs.py) and the certificates' reminder ledger
(services/training/certificates/reminders.py)

Revision ID: 4d6f8a0c2e1b
Revises: 519ecadf0217
Create Date: 2026-12-03 14:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "4d6f8a0c2e1b"
down_revision = "519ecadf0217"
branch_labels = None
depends_on = None

SCHEMA = "training"


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.Text(), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status in ('pending', 'running', 'done', 'failed')", name=op.f("ck_jobs_status")),
        sa.CheckConstraint("status <> 'running' or claimed_until is not null", name=op.f("ck_jobs_claim")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("name", "key", name=op.f("uq_jobs_name_key")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_jobs_due",
        "jobs",
        ["run_at", "id"],
        unique=False,
        schema=SCHEMA,
        postgresql_where=sa.text("status in ('pending', 'running')"),
    )
    op.create_table(
        "certificate_reminders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("certificate_id", sa.Uuid(), nullable=False),
        sa.Column("holder_org_id", sa.Uuid(), nullable=False),
        sa.Column("due_kind", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("offset_days", sa.Integer(), nullable=False),
        sa.Column("remind_on", sa.Date(), nullable=False),
        sa.Column("superseded", sa.Boolean(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("due_kind in ('expiry', 'review')", name=op.f("ck_certificate_reminders_due_kind")),
        sa.CheckConstraint("remind_on = due_on + offset_days", name=op.f("ck_certificate_reminders_remind_on")),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["training.certificates.id"],
            name=op.f("fk_certificate_reminders_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_reminders")),
        sa.UniqueConstraint(
            "certificate_id",
            "due_kind",
            "due_on",
            "offset_days",
            name=op.f("uq_certificate_reminders_slot"),
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_certificate_reminders_holder_org_id",
        "certificate_reminders",
        ["holder_org_id", "remind_on"],
        unique=False,
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("certificate_reminders", schema=SCHEMA)
    op.drop_table("jobs", schema=SCHEMA)
