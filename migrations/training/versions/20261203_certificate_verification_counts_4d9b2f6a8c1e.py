"""Certificate verification counts: how many public verifications each certificate had per day, written in batches
from the service's memory (services/training/certificates/counts.py)

Revision ID: 4d9b2f6a8c1e
Revises: 4d6f8a0c2e1b
Create Date: 2026-12-03 13:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "4d9b2f6a8c1e"
down_revision = "4d6f8a0c2e1b"
branch_labels = None
depends_on = None

SCHEMA = "training"


def upgrade() -> None:
    op.create_table(
        "certificate_verification_counts",
        sa.Column("certificate_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["training.certificates.id"],
            name=op.f("fk_certificate_verification_counts_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("certificate_id", "day", name=op.f("pk_certificate_verification_counts")),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("certificate_verification_counts", schema=SCHEMA)
