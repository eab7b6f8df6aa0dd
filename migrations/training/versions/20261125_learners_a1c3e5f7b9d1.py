"""Learners: personal data encrypted, keyed hash for de-duplication, org links

Revision ID: a1c3e5f7b9d1
Revises: b7fed8936242
Create Date: 2026-11-25 15:15:00
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "a1c3e5f7b9d1"
down_revision = "b7fed8936242"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
