"""Sessions: logins start a refresh-token family (the access token's `sid`); refreshing it (rotation, the
reuse grace window, reuse detection); logout. A password change or reset and disabling a user end a user's
sessions (`revoke_sessions`). An access token already issued stays valid until it expires
(`access_token_ttl_seconds`, 15 minutes).

Each refresh marks the presented token rotated and issues the next one in its family (the session),
valid `refresh_token_ttl_days` from then. The rotated row keeps the id of its successor and the whole
answer that carried it, encrypted (AES-256-GCM, `chanjiao/crypto.py`, key derived from the internal-token
key for `SEALED_PURPOSE`, bound to the row's id), because tokens are stored only as hashes.

* **Grace window** (`refresh_reuse_grace_seconds`, default 60): presenting the rotated token again within
  it answers that same pair again (`expires_in` counted down), as long as the successor is unused and the
  session lives. This is the retry of an app whose answer was lost, or the second of two parallel
  refreshes: the row lock (`SELECT … FOR UPDATE`) makes the second wait for the first and then answer
  its pair, so both are 200 with one pair and the family stays one chain.
* **Reuse detection** everywhere else: a rotated token after the window, or after its successor was
  used, and a revoked token, end the whole family (someone else may hold a copy) — 401, and every token
  of the session stops working.

The sealed answer is cleared when the successor is rotated (skipping rows another request holds, so two
refreshes never wait on each other's rows) and when the session ends (`revoke_family`,
`revoke_sessions`).
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import SCOPES, scopes_for_roles
from chanjiao.crypto import DecryptionError, FieldCipher, field_cipher
from chanjiao.errors import BadRequest, Unauthorized
from chanjiao.ids import new_id
from services.membership.identity import opaque
from services.membership.identity.common import utcnow
from services.membership.identity.fields import dump
from services.membership.identity.grants import service as grants
from services.membership.identity.runtime import Identity
from services.membership.identity.sessions.models import RefreshToken
from services.membership.identity.sessions.schemas import TokenResponse
from services.membership.identity.users import service as users

SEALED_PURPOSE = "membership.refresh-successor"


class InvalidScope(BadRequest):
    slug = "invalid-scope"
    title_zh, title_en = "权限范围无效", "Invalid scope"


class UnsupportedGrant(BadRequest):
    slug = "unsupported-grant-type"
    title_zh, title_en = "不支持的授权类型", "Unsupported grant type"


class InvalidGrant(Unauthorized):
    """A refresh token that is unknown, spent, revoked or expired (`POST /v1/auth/refresh`: 401)."""

    slug = "invalid-grant"
    title_zh, title_en = "刷新令牌无效或已过期", "Invalid or expired refresh token"


class InvalidGrantRequest(BadRequest):
    """The token endpoint's answer to a wrong password or a dead refresh token: OAuth's `400 invalid_grant`
    (RFC 6749 §5.2), which OAuth client libraries and Swagger UI's Authorize expect."""

    slug = "invalid-grant"
    title_zh, title_en = "授权无效", "Invalid grant"

    @classmethod
    def of(cls, error: Unauthorized) -> InvalidGrantRequest:
        return cls(detail_zh=error.detail_zh, detail_en=error.detail_en, extra=dict(error.extra))


def invalid_grant() -> InvalidGrant:
    description = "The refresh token is invalid, used or expired"
    return InvalidGrant(
        detail_zh="刷新令牌无效、已使用或已过期：请重新登录",
        detail_en=f"{description}: log in again",
        extra={"error": "invalid_grant", "error_description": description},
    )


def _cipher(ident: Identity) -> FieldCipher:
    return field_cipher(ident.settings.internal_token_key.get_secret_value(), SEALED_PURPOSE)


def _context(row: RefreshToken) -> str:
    return f"membership.refresh_tokens.successor_sealed:{row.id}"


async def refresh_grant(session: AsyncSession, ident: Identity, *, refresh_token: str | None) -> TokenResponse:
    """The next pair of the session of `refresh_token`; within the grace window of its rotation, the pair it
    was rotated into. Raises 401 `invalid-grant` (`error: invalid_grant`) otherwise."""
    row = await refresh_row(session, refresh_token)  # locked until commit: parallel refreshes queue here
    invalid = invalid_grant()
    if row is None:
        raise invalid
    if row.rotated_at is not None and row.revoked_at is None:
        again = await _replay(session, ident, row)
        if again is not None:
            return again
    if row.rotated_at is not None or row.revoked_at is not None:
        # Reuse of a spent token: whoever holds the family's current token may be a thief. End it.
        await revoke_family(session, row.family_id)
        await session.commit()
        raise invalid
    if row.expires_at <= utcnow():
        raise invalid
    user = await users.get_user(session, row.user_id)
    if user.disabled_at is not None:
        await revoke_family(session, row.family_id)
        await session.commit()
        raise invalid
    successor_id = new_id()
    tokens = await issue(session, ident, user, family_id=row.family_id, asked=row.scopes, token_id=successor_id)
    # The predecessors' sealed answers name this token, which is now spent: they can never be replayed.
    await session.execute(
        sa.update(RefreshToken)
        .where(
            RefreshToken.id.in_(
                sa.select(RefreshToken.id)
                .where(
                    RefreshToken.family_id == row.family_id,
                    RefreshToken.id != row.id,
                    RefreshToken.successor_sealed.is_not(None),
                )
                .with_for_update(skip_locked=True)
            )
        )
        .values(successor_sealed=None),
        execution_options={"synchronize_session": False},
    )
    row.rotated_at = utcnow()
    row.successor_id = successor_id
    if ident.settings.refresh_reuse_grace_seconds > 0:
        row.successor_sealed = _cipher(ident).encrypt(json.dumps(dump(tokens)), context=_context(row))
    return tokens


async def _replay(session: AsyncSession, ident: Identity, row: RefreshToken) -> TokenResponse | None:
    """The answer `row` was rotated into, when it may be given again; None when this is reuse."""
    grace = ident.settings.refresh_reuse_grace_seconds
    assert row.rotated_at is not None
    elapsed = utcnow() - row.rotated_at
    if row.successor_sealed is None or row.successor_id is None or elapsed > timedelta(seconds=grace):
        return None
    stmt = sa.select(RefreshToken).where(RefreshToken.id == row.successor_id).with_for_update()
    successor = (await session.execute(stmt)).scalar_one_or_none()
    if successor is None or successor.rotated_at is not None or successor.revoked_at is not None:
        return None
    user = await users.get_user(session, row.user_id)
    if user.disabled_at is not None:
        return None  # the family is ended as reuse would be
    try:
        answer = json.loads(_cipher(ident).decrypt(row.successor_sealed, context=_context(row)))
    except DecryptionError:
        return None  # sealed under a key since rotated: no replay, the spent token is reuse
    spent = int(elapsed.total_seconds())
    answer["expires_in"] = max(0, int(answer["expires_in"]) - spent)
    answer["refresh_expires_in"] = max(0, int(answer["refresh_expires_in"]) - spent)
    return TokenResponse(**answer)


# ---- starting and ending sessions ----------------------------------------------------------------
def parse_scope(scope: str | None) -> list[str] | None:
    """`scope` of the token request: space-separated; narrows what the token carries."""
    if scope is None or not scope.strip():
        return None
    asked = scope.split()
    unknown = [s for s in asked if s not in SCOPES]
    if unknown:
        raise InvalidScope(
            detail_zh=f"未知的权限范围，可选：{', '.join(SCOPES)}",
            detail_en=f"Unknown scope; choose from: {', '.join(SCOPES)}",
            extra={"error": "invalid_scope"},
        )
    return [s for s in SCOPES if s in asked]


async def issue(
    session: AsyncSession,
    ident: Identity,
    user: users.User,
    *,
    family_id: uuid.UUID,
    asked: list[str] | None,
    token_id: uuid.UUID | None = None,
) -> TokenResponse:
    """A new access token and a new refresh token (row `token_id`) in the family `family_id`."""
    now = utcnow()
    ttl = timedelta(days=ident.settings.refresh_token_ttl_days)
    secret = opaque.new_secret(opaque.REFRESH)
    session.add(
        RefreshToken(
            id=token_id or new_id(),
            family_id=family_id,
            user_id=user.id,
            token_hash=opaque.digest(secret),
            scopes=asked,
            issued_at=now,
            expires_at=now + ttl,
        )
    )
    alliances = (await grants.live_alliances(session, [user.id]))[user.id]
    roles = users.roles_of(user, alliances)
    scopes = scopes_for_roles(roles)
    if asked is not None:
        scopes = tuple(s for s in scopes if s in asked)
    token, expires_in = ident.issuer.issue(
        user_id=str(user.id),
        session_id=str(family_id),
        org_id=str(user.org_id) if user.org_id else None,
        roles=roles,
        alliances=tuple(str(a) for a in alliances),
        scopes=scopes,
        now=now.timestamp(),
    )
    return TokenResponse(
        access_token=token,
        expires_in=expires_in,
        refresh_token=secret,
        refresh_expires_in=int(ttl.total_seconds()),
        scope=" ".join(scopes),
    )


async def password_grant(
    session: AsyncSession, ident: Identity, *, login: str, password: str, scope: str | None, client: str
) -> TokenResponse:
    asked = parse_scope(scope)
    user = await users.authenticate(session, ident, login, password, client=client)
    return await issue(session, ident, user, family_id=new_id(), asked=asked)


async def revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(
        sa.update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow(), successor_sealed=None)
    )


async def revoke_sessions(session: AsyncSession, user_id: uuid.UUID, *, keep: uuid.UUID | None = None) -> int:
    """End every session of a user (but `keep`); how many were ended."""
    stmt = sa.update(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
    if keep is not None:
        stmt = stmt.where(RefreshToken.family_id != keep)
    rows = await session.execute(
        stmt.values(revoked_at=utcnow(), successor_sealed=None).returning(RefreshToken.family_id),
        execution_options={"synchronize_session": False},
    )
    return len(set(rows.scalars().all()))


async def refresh_row(session: AsyncSession, secret: str | None) -> RefreshToken | None:
    if not opaque.looks_like(secret, opaque.REFRESH):
        return None
    stmt = sa.select(RefreshToken).where(RefreshToken.token_hash == opaque.digest(str(secret))).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def logout(session: AsyncSession, *, refresh_token: str) -> None:
    row = await refresh_row(session, refresh_token)
    if row is not None:
        await revoke_family(session, row.family_id)
