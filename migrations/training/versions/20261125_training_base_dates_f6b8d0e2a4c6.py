"""Training bases get dates: `established_on` and `closed_on`

The bases figure of `/v1/training-stats` counted every base on record, whatever the period; with these dates
it counts the bases open on `period_end` (established on or before it — or of unknown date —, not yet closed).
Both optional: existing bases keep counting as before.

Revision ID: f6b8d0e2a4c6
Revises: e5a7c9e1f3b5
Create Date: 2026-11-25 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f6b8d0e2a4c6"
down_revision = "e5a7c9e1f3b5"
branch_labels = None
depends_on = None

SCHEMA = "training"


def upgrade() -> None:
    op.add_column("training_bases", sa.Column("established_on", sa.Date(), nullable=True), schema=SCHEMA)
    op.add_column("training_bases", sa.Column("closed_on", sa.Date(), nullable=True), schema=SCHEMA)
    op.create_check_constraint(
        op.f("ck_training_bases_dates"),
        "training_bases",
        "closed_on is null or established_on is null or closed_on > established_on",
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_training_bases_dates"), "training_bases", schema=SCHEMA, type_="check")
    op.drop_column("training_bases", "closed_on", schema=SCHEMA)
    op.drop_column("training_bases", "established_on", schema=SCHEMA)
