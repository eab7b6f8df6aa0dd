"""The `users` table: a login (unique case-insensitively), display name, argon2id password hash, at most one
organization with `org_role` `org_admin`|`org_staff`, `is_platform_admin`, `disabled_at`.

Synced by transaction id (`chanjiao/sync.py`): the table also has `txid xid8`, written only by its trigger
(`migrations/membership/versions/20261203_sync_identity_3e6b8d0f2a4c.py`) and so not declared here."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from services.membership.db import Base
from services.membership.identity.columns import OrgRole, check_in, timestamp


class User(Base, table=True):
    __tablename__ = "users"
    __table_args__ = (
        check_in("org_role", OrgRole, nullable=True),
        sa.CheckConstraint("(org_id is null) = (org_role is null)", name="org_pair"),
        sa.Index("uq_users_login", sa.text("lower(login)"), unique=True),
        sa.Index("ix_users_org_id", "org_id", "id"),
        sa.Index("ix_users_platform_admin", "id", postgresql_where=sa.text("is_platform_admin")),
    )

    id: uuid.UUID = Field(primary_key=True)
    login: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    display_name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    password_hash: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    org_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("organizations.id"), nullable=True)
    )
    org_role: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    is_platform_admin: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    disabled_at: datetime | None = Field(default=None, sa_column=timestamp())
    password_changed_at: datetime = Field(sa_column=timestamp(False, now=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False, server_default="1"))
    created_at: datetime = Field(sa_column=timestamp(False, now=True))
    updated_at: datetime = Field(sa_column=timestamp(False, now=True))
