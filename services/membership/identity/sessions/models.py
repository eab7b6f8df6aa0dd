"""The `refresh_tokens` table: opaque rotating refresh tokens (`cjr_…`), stored as SHA-256; each belongs to a
family (= one login session, the access token's `sid`)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from services.membership.db import Base
from services.membership.identity.columns import timestamp


class RefreshToken(Base, table=True):
    """One refresh token; `family_id` is the session. `scopes` is the narrowing asked for at login
    (null: every scope of the user's roles), carried through rotation. A rotated token names the token
    that replaced it (`successor_id`) and keeps the answer that carried it encrypted (`successor_sealed`)
    for the reuse grace window (`sessions/service.py`)."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (
        sa.UniqueConstraint("token_hash"),
        sa.Index("ix_refresh_tokens_family", "family_id"),
        sa.Index("ix_refresh_tokens_user_live", "user_id", postgresql_where=sa.text("revoked_at is null")),
    )

    id: uuid.UUID = Field(primary_key=True)
    family_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    user_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("users.id"), nullable=False))
    token_hash: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    scopes: list[str] | None = Field(default=None, sa_column=sa.Column(ARRAY(sa.Text), nullable=True))
    issued_at: datetime = Field(sa_column=timestamp(False))
    expires_at: datetime = Field(sa_column=timestamp(False))
    rotated_at: datetime | None = Field(default=None, sa_column=timestamp())
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp())
    successor_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    successor_sealed: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
