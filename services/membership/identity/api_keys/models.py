"""The `api_keys` table: keys of an organization or an alliance (`cjk_…`), stored as SHA-256 (keys are
high-entropy; argon2 is for passwords), with scopes, expiry, revocation and last-used time.

Synced by transaction id (`chanjiao/sync.py`): the table also has `txid xid8`, written only by its trigger
(`migrations/membership/versions/20261203_sync_identity_3e6b8d0f2a4c.py`) and so not declared here."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from services.membership.db import Base
from services.membership.identity.columns import timestamp


class ApiKey(Base, table=True):
    """A key of exactly one organization or one alliance; `prefix` (e.g. `cjk_Ab12Cd34`) is shown for
    recognition, the key itself only once at creation."""

    __tablename__ = "api_keys"
    __table_args__ = (
        sa.CheckConstraint("(org_id is null) <> (alliance_id is null)", name="owner"),
        sa.CheckConstraint("cardinality(scopes) >= 1", name="scopes"),
        sa.UniqueConstraint("key_hash"),
        sa.Index("ix_api_keys_org", "org_id", "id"),
        sa.Index("ix_api_keys_alliance", "alliance_id", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    org_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("organizations.id"), nullable=True)
    )
    alliance_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("alliances.id"), nullable=True)
    )
    scopes: list[str] = Field(sa_column=sa.Column(ARRAY(sa.Text), nullable=False))
    key_hash: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    prefix: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_by: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = Field(sa_column=timestamp(False))
    expires_at: datetime | None = Field(default=None, sa_column=timestamp())
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp())
    revoked_by: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    last_used_at: datetime | None = Field(default=None, sa_column=timestamp())
    # The last change of the record (creation, revocation, `last_used_at`), for `updated_since` pulls.
    updated_at: datetime = Field(sa_column=timestamp(False, now=True))
