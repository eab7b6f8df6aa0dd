"""refresh tokens: the successor of a rotated token, sealed for the reuse grace window

A rotated refresh token keeps the id of the token that replaced it (`successor_id`) and the answer
that carried it, encrypted (`successor_sealed`, AES-GCM, `services/membership/identity/sessions/service.py`),
so presenting the rotated token again within the grace window answers the same pair instead of
ending the session. The sealed answer is cleared when the successor is used or the session ends.

Revision ID: a7c3e915d2f4
Revises: d4f2a6c8e0b1
Create Date: 2026-12-03 08:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a7c3e915d2f4"
down_revision = "d4f2a6c8e0b1"
branch_labels = None
depends_on = None

S = "membership"


def upgrade() -> None:
    op.add_column("refresh_tokens", sa.Column("successor_id", sa.Uuid(), nullable=True), schema=S)
    op.add_column("refresh_tokens", sa.Column("successor_sealed", sa.LargeBinary(), nullable=True), schema=S)


def downgrade() -> None:
    op.drop_column("refresh_tokens", "successor_sealed", schema=S)
    op.drop_column("refresh_tokens", "successor_id", schema=S)
