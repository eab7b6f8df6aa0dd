"""The `alliance_grants` table: a user administers an alliance (its secretariat)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from services.membership.db import Base
from services.membership.identity.columns import timestamp


class AllianceGrant(Base, table=True):
    """A user administers an alliance. A revoked grant is kept (`revoked_at`); one live grant per pair."""

    __tablename__ = "alliance_grants"
    __table_args__ = (
        sa.Index(
            "uq_alliance_grants_live",
            "user_id",
            "alliance_id",
            unique=True,
            postgresql_where=sa.text("revoked_at is null"),
        ),
        sa.Index("ix_alliance_grants_alliance", "alliance_id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    user_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("users.id"), nullable=False))
    alliance_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("alliances.id"), nullable=False))
    granted_at: datetime = Field(sa_column=timestamp(False))
    granted_by: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp())
    revoked_by: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
