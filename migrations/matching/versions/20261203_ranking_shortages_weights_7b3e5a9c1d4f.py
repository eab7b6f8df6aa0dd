"""Shortage occupations 急需紧缺职业 flagged by alliances, and each alliance's override of the ranking weights

Revision ID: 7b3e5a9c1d4f
Revises: 7b3e9d1f5a2c
Create Date: 2026-12-03 17:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "7b3e5a9c1d4f"
down_revision = "7b3e9d1f5a2c"
branch_labels = None
depends_on = None

S = "matching"


def upgrade() -> None:
    op.create_table(
        "shortage_occupations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alliance_id", sa.Uuid(), nullable=False),
        sa.Column("occupation_code", sa.Text(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_shortage_occupations_period")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shortage_occupations")),
        schema=S,
    )
    op.create_index(
        "ix_shortage_occupations_alliance",
        "shortage_occupations",
        ["alliance_id", "occupation_code"],
        unique=False,
        schema=S,
    )
    op.create_table(
        "alliance_weights",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("override", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alliance_weights")),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("alliance_weights", schema=S)
    op.drop_index("ix_shortage_occupations_alliance", table_name="shortage_occupations", schema=S)
    op.drop_table("shortage_occupations", schema=S)
