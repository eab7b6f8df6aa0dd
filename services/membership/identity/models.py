"""Identity tables: users, alliance grants, refresh tokens, login failures and successes, API keys,
one-time tokens.

Secrets are never stored: passwords as argon2id hashes, tokens and keys as SHA-256 digests."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from services.membership.db import Base


class OrgRole(StrEnum):
    org_admin = "org_admin"  # 单位管理员
    org_staff = "org_staff"  # 单位工作人员


class OneTimeKind(StrEnum):
    invitation = "invitation"  # 邀请
    password_reset = "password_reset"  # 重置密码
    setup = "setup"  # 首次启动


def _in(column: str, enum: type[StrEnum], nullable: bool = False) -> sa.CheckConstraint:
    cond = f"{column} in ({', '.join(repr(v.value) for v in enum)})"
    return sa.CheckConstraint(f"{column} is null or {cond}" if nullable else cond, name=column)


def _ts(nullable: bool = True, *, now: bool = False) -> sa.Column:
    return sa.Column(sa.DateTime(timezone=True), nullable=nullable, server_default=sa.func.now() if now else None)


class User(Base, table=True):
    __tablename__ = "users"
    __table_args__ = (
        _in("org_role", OrgRole, nullable=True),
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
    disabled_at: datetime | None = Field(default=None, sa_column=_ts())
    password_changed_at: datetime = Field(sa_column=_ts(False, now=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False, server_default="1"))
    created_at: datetime = Field(sa_column=_ts(False, now=True))
    updated_at: datetime = Field(sa_column=_ts(False, now=True))


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
    granted_at: datetime = Field(sa_column=_ts(False))
    granted_by: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=_ts())
    revoked_by: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))


class RefreshToken(Base, table=True):
    """One refresh token; `family_id` is the session. `scopes` is the narrowing asked for at login
    (null: every scope of the user's roles), carried through rotation. A rotated token names the token
    that replaced it (`successor_id`) and keeps the answer that carried it encrypted (`successor_sealed`)
    for the reuse grace window (`sessions.py`)."""

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
    issued_at: datetime = Field(sa_column=_ts(False))
    expires_at: datetime = Field(sa_column=_ts(False))
    rotated_at: datetime | None = Field(default=None, sa_column=_ts())
    revoked_at: datetime | None = Field(default=None, sa_column=_ts())
    successor_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    successor_sealed: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))


class LoginFailure(Base, table=True):
    """One failed login for a login name (known or not) from one client address: `login_key` = SHA-256
    of the lower-cased login, `client_key` = keyed hash of the address (`throttle.py`). `route`:
    `login` (token, claim) or `password_change` (a wrong current password; counts for its address only)."""

    __tablename__ = "login_failures"
    __table_args__ = (
        sa.CheckConstraint("route in ('login', 'password_change')", name="route"),
        sa.Index("ix_login_failures_key", "login_key", "failed_at"),
        sa.Index("ix_login_failures_client", "login_key", "client_key", "failed_at"),
        sa.Index("ix_login_failures_failed_at", "failed_at"),
    )

    id: uuid.UUID = Field(primary_key=True)
    login_key: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    client_key: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    route: str = Field(default="login", sa_column=sa.Column(sa.Text, nullable=False, server_default="login"))
    failed_at: datetime = Field(sa_column=_ts(False))


class LoginSuccess(Base, table=True):
    """The last successful login (or password change, or reset) of a login name from a client address."""

    __tablename__ = "login_successes"

    login_key: bytes = Field(sa_column=sa.Column(sa.LargeBinary, primary_key=True))
    client_key: bytes = Field(sa_column=sa.Column(sa.LargeBinary, primary_key=True))
    succeeded_at: datetime = Field(sa_column=_ts(False))


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
    created_at: datetime = Field(sa_column=_ts(False))
    expires_at: datetime | None = Field(default=None, sa_column=_ts())
    revoked_at: datetime | None = Field(default=None, sa_column=_ts())
    revoked_by: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    last_used_at: datetime | None = Field(default=None, sa_column=_ts())


class OneTimeToken(Base, table=True):
    """An invitation (org + role, or alliance), a password reset (user) or the setup token.

    `first_admin_only`: an invitation made by an alliance admin — claimable only while the
    organization still has no active org_admin."""

    __tablename__ = "one_time_tokens"
    __table_args__ = (
        _in("kind", OneTimeKind),
        _in("org_role", OrgRole, nullable=True),
        sa.UniqueConstraint("token_hash"),
        sa.Index("ix_one_time_tokens_user", "user_id", postgresql_where=sa.text("user_id is not null")),
    )

    id: uuid.UUID = Field(primary_key=True)
    kind: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    token_hash: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    org_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("organizations.id"), nullable=True)
    )
    org_role: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    alliance_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("alliances.id"), nullable=True)
    )
    user_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("users.id"), nullable=True)
    )
    display_name: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    first_admin_only: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    created_by: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = Field(sa_column=_ts(False))
    expires_at: datetime = Field(sa_column=_ts(False))
    used_at: datetime | None = Field(default=None, sa_column=_ts())
    used_by: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_ts())
