"""One-time tokens: invitations (`cji_…`), password resets (`cjp_…`) and the first-start setup token (`cjs_…`).

One table (`one_time_tokens`) for the three kinds, stored as SHA-256 (`opaque.py`), each usable once before it
expires. Invitations are made and redeemed by `invitations/`, resets by `users/`, the setup token by
`bootstrap.py`; this module issues, takes and voids them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field

from chanjiao.errors import Unauthorized
from chanjiao.ids import new_id
from services.membership.db import Base
from services.membership.identity import opaque
from services.membership.identity.columns import OrgRole, check_in, timestamp
from services.membership.identity.common import utcnow


class OneTimeKind(StrEnum):
    invitation = "invitation"  # 邀请
    password_reset = "password_reset"  # 重置密码
    setup = "setup"  # 首次启动


class OneTimeToken(Base, table=True):
    """An invitation (org + role, or alliance), a password reset (user) or the setup token.

    `first_admin_only`: an invitation made by an alliance admin — claimable only while the
    organization still has no active org_admin."""

    __tablename__ = "one_time_tokens"
    __table_args__ = (
        check_in("kind", OneTimeKind),
        check_in("org_role", OrgRole, nullable=True),
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
    created_at: datetime = Field(sa_column=timestamp(False))
    expires_at: datetime = Field(sa_column=timestamp(False))
    used_at: datetime | None = Field(default=None, sa_column=timestamp())
    used_by: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp())


class InvalidToken(Unauthorized):
    slug = "invalid-token"
    title_zh, title_en = "令牌无效或已过期", "Invalid or expired token"


def invalid_token(what_zh: str = "令牌", what_en: str = "token") -> InvalidToken:
    return InvalidToken(
        detail_zh=f"{what_zh}无效、已使用或已过期",
        detail_en=f"The {what_en} is invalid, used or expired",
        extra={"error": "invalid_grant"},
    )


async def issue(
    session: AsyncSession, *, kind: OneTimeKind, prefix: str, ttl: timedelta, actor: str, **fields: Any
) -> tuple[OneTimeToken, str]:
    """A new token of `kind`: its row and the secret (answered once, never stored)."""
    secret = opaque.new_secret(prefix)
    now = utcnow()
    row = OneTimeToken(
        id=new_id(),
        kind=kind.value,
        token_hash=opaque.digest(secret),
        created_by=actor,
        created_at=now,
        expires_at=now + ttl,
        **fields,
    )
    session.add(row)
    await session.flush()
    return row, secret


async def take(session: AsyncSession, secret: str, kind: OneTimeKind, prefix: str) -> OneTimeToken:
    """The live one-time token (locked), else 401."""
    what = {
        OneTimeKind.invitation: ("邀请令牌", "invitation token"),
        OneTimeKind.password_reset: ("重置令牌", "reset token"),
        OneTimeKind.setup: ("初始化令牌", "setup token"),
    }[kind]
    if not opaque.looks_like(secret, prefix):
        raise invalid_token(*what)
    stmt = (
        sa.select(OneTimeToken)
        .where(OneTimeToken.token_hash == opaque.digest(secret), OneTimeToken.kind == kind.value)
        .with_for_update()
    )
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None or row.used_at is not None or row.revoked_at is not None or row.expires_at <= utcnow():
        raise invalid_token(*what)
    return row


async def void_resets(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Unredeemed reset tokens of the user stop working."""
    await session.execute(
        sa.update(OneTimeToken)
        .where(
            OneTimeToken.user_id == user_id,
            OneTimeToken.kind == OneTimeKind.password_reset.value,
            OneTimeToken.used_at.is_(None),
            OneTimeToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )


async def void_setup_tokens(session: AsyncSession) -> None:
    """Every unredeemed setup token stops working (a platform admin now exists)."""
    await session.execute(
        sa.update(OneTimeToken)
        .where(
            OneTimeToken.kind == OneTimeKind.setup.value,
            OneTimeToken.used_at.is_(None),
            OneTimeToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
