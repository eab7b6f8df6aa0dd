"""Account operations that reach past the `users` table: the caller's account (`/users/me`, with its
alliances and organization), password changes and resets (which end sessions), disabling (which ends
sessions), and the public form of users (with their live alliance grants).

They use the other identity nouns only through their services (`sessions.service`, `grants.service`) and
the organization through `organizations.service`."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import SCOPES, Principal, scopes_for_roles
from chanjiao.errors import Conflict, Forbidden
from chanjiao.resources import Audit
from services.membership.db import kernel
from services.membership.identity import one_time, opaque, throttle
from services.membership.identity.ceiling import ensure_within
from services.membership.identity.common import utcnow
from services.membership.identity.grants import service as grants
from services.membership.identity.passwords import check_password
from services.membership.identity.runtime import Identity
from services.membership.identity.sessions import service as sessions
from services.membership.identity.users import service as users
from services.membership.identity.users.schemas import Me, OrgRef, PasswordChange, PasswordChanged, UserPublic
from services.membership.organizations import service as organizations

# A password reset's audit row and event (`password_reset.created`): for whom, by whom, until when; never its token.
RESET_AUDIT = Audit(kernel, "password_reset")


class CannotDisableSelf(Conflict):
    slug = "cannot-disable-self"
    title_zh, title_en = "不能停用自己的账号", "You cannot disable yourself"


class ResetNeedsPlatformAdmin(Forbidden):
    slug = "reset-needs-platform-admin"
    title_zh, title_en = "需要平台管理员", "Needs a platform admin"


class WrongPassword(Forbidden):
    slug = "wrong-password"
    title_zh, title_en = "当前密码错误", "Wrong current password"


async def render(session: AsyncSession, rows: list[users.User]) -> list[UserPublic]:
    return users.render(rows, await grants.live_alliances(session, [u.id for u in rows]))


async def me(session: AsyncSession, principal: Principal) -> Me:
    user = await users.current_user(session, principal)
    alliances = (await grants.live_alliances(session, [user.id]))[user.id]
    roles = users.roles_of(user, alliances)
    org = None
    if user.org_id is not None:
        org = OrgRef(id=user.org_id, name=await organizations.name_of(session, user.org_id) or "")
    return Me(
        id=user.id,
        login=user.login,
        display_name=user.display_name,
        org=org,
        org_role=user.org_role,  # type: ignore[arg-type]
        roles=list(roles),
        alliances=alliances,
        scopes=[s for s in SCOPES if s in principal.scopes],
        is_platform_admin=user.is_platform_admin,
    )


async def change_password(
    session: AsyncSession, ident: Identity, principal: Principal, data: PasswordChange, *, client: str
) -> PasswordChanged:
    """A wrong current password counts against the login's throttle for this client address, and for
    this route's own ceiling (`throttle.py`): it never slows the owner's logins elsewhere."""
    user = await users.current_user(session, principal, for_update=True)
    attempt = throttle.Attempt.of(ident, user.login, client)
    await throttle.check(session, ident, attempt, route="password_change")
    if not await ident.passwords.verify(user.password_hash, data.current_password):
        await throttle.record_failure(session, ident, attempt, route="password_change")
        raise WrongPassword(detail_zh="当前密码错误", detail_en="The current password is wrong")
    check_password(data.new_password, login=user.login, field_name="new_password")
    keep = None
    row = await sessions.refresh_row(session, data.refresh_token) if data.refresh_token else None
    if row is not None and row.user_id == user.id and row.revoked_at is None:
        keep = row.family_id
    previous = user.password_changed_at
    await users.set_password(session, ident, user, data.new_password)
    ended = await sessions.revoke_sessions(session, user.id, keep=keep)
    await throttle.clear_login(session, ident, attempt)
    after = {"password_changed_at": user.password_changed_at, "sessions_ended": ended}
    await users.AUDIT.record(
        session,
        user,
        action="update",
        actor=principal.actor,
        before={"password_changed_at": previous},
        after=after,
        payload=dict(after),
    )
    return PasswordChanged(
        user_id=user.id, login=user.login, password_changed_at=user.password_changed_at, sessions_ended=ended
    )


async def create_reset(
    session: AsyncSession, ident: Identity, principal: Principal, user_id: uuid.UUID
) -> tuple[one_time.OneTimeToken, str]:
    """A reset token hands the whole account to whoever redeems it. An org_admin may reset only what its
    organization gave: a user who also holds alliance grants (or is a platform admin, `users.manageable`) is
    reset by a platform admin — else the org_admin would inherit the grants (403, nothing written)."""
    user = await users.manageable(session, principal, user_id)
    alliances = (await grants.live_alliances(session, [user.id]))[user.id]
    if alliances and not principal.is_platform_admin:
        raise ResetNeedsPlatformAdmin(
            detail_zh="该用户还是联盟管理员，只有平台管理员可以为其重置密码",
            detail_en="This user also administers an alliance; only a platform admin may reset their password",
        )
    # Whoever redeems the token logs in with every scope the user's roles give: the issuer must hold them.
    ensure_within(
        principal, scopes_for_roles(users.roles_of(user, alliances)), what_zh="重置密码令牌", what_en="A reset token"
    )
    await one_time.void_resets(session, user.id)  # only the latest token handed over is valid
    row, secret = await one_time.issue(
        session,
        kind=one_time.OneTimeKind.password_reset,
        prefix=opaque.RESET,
        ttl=timedelta(hours=ident.settings.password_reset_ttl_hours),
        actor=principal.actor,
        user_id=user.id,
    )
    after = {"user_id": user.id, "expires_at": row.expires_at}
    await RESET_AUDIT.record(
        session, row, action="create", actor=principal.actor, before=None, after=after, payload=dict(after)
    )
    return row, secret


async def reset_password(
    session: AsyncSession, ident: Identity, *, reset_token: str, new_password: str, client: str
) -> PasswordChanged:
    token = await one_time.take(session, reset_token, one_time.OneTimeKind.password_reset, opaque.RESET)
    assert token.user_id is not None
    user = await users.get_user(session, token.user_id, for_update=True)
    check_password(new_password, login=user.login, field_name="new_password")
    previous = user.password_changed_at
    await users.set_password(session, ident, user, new_password)
    ended = await sessions.revoke_sessions(session, user.id)
    await throttle.clear_login(session, ident, throttle.Attempt.of(ident, user.login, client))
    token.used_at, token.used_by = utcnow(), user.id
    after = {"password_changed_at": user.password_changed_at, "sessions_ended": ended, "by_reset_token": token.id}
    await users.AUDIT.record(
        session,
        user,
        action="update",
        actor=f"user:{user.id}",
        before={"password_changed_at": previous},
        after=after,
        payload=dict(after),
    )
    return PasswordChanged(
        user_id=user.id, login=user.login, password_changed_at=user.password_changed_at, sessions_ended=ended
    )


async def set_disabled(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, *, disabled: bool
) -> users.User:
    user = await users.manageable(session, principal, user_id)
    if disabled and principal.subject == str(user.id):
        raise CannotDisableSelf(detail_zh="不能停用自己的账号", detail_en="You cannot disable your own account")
    if (user.disabled_at is not None) == disabled:
        return user
    before = users.AUDIT.snapshot(user)
    now = utcnow()
    user.disabled_at = now if disabled else None
    user.updated_at = now
    user.version += 1
    if disabled:
        await sessions.revoke_sessions(session, user.id)
    await session.flush()
    after = users.AUDIT.snapshot(user)
    await users.AUDIT.record(
        session,
        user,
        action="disable" if disabled else "enable",
        actor=principal.actor,
        before=before,
        after=after,
        payload=dict(after),
    )
    return user
