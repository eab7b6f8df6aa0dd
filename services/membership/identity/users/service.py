"""Users: finding, reading and listing accounts, checking a login's password, creating an account.

Knows nothing of HTTP; every write leaves an audit row (never a hash, token or key) in the caller's
transaction. Account changes that also end sessions or read alliance grants (password change and reset,
disabling, `/users/me`) are `accounts.py`.

Throttling of failed logins (per login and client address, with a per-login ceiling): `../throttle.py`.
Every password check (login, claim with an existing login, change of password) asks it first, before
any hashing; unknown and disabled logins verify against a dummy hash of the same cost and get the same
401, so logins cannot be enumerated.

Published to the rest of the service: `org_is_claimed` (an organization's own admin keeps it,
`services/membership/tenancy.py`)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, PLATFORM_ADMIN, ROLES, Principal
from chanjiao.errors import Conflict, Forbidden, NotFound, Unauthorized
from chanjiao.ids import new_id
from chanjiao.resources import Audit
from chanjiao.sync import Since, SyncPage, sync_page
from services.membership.db import kernel
from services.membership.identity import throttle
from services.membership.identity.common import NotAUser, as_uuids, require_user, utcnow
from services.membership.identity.runtime import Identity
from services.membership.identity.users.models import User
from services.membership.identity.users.schemas import UserPublic

# Audited: the account's columns, never its password hash nor when the password changed.
AUDIT = Audit(kernel, "user", exclude=frozenset({"password_hash", "password_changed_at"}))


class InvalidCredentials(Unauthorized):
    slug = "invalid-credentials"
    title_zh, title_en = "登录名或密码错误", "Wrong login or password"


class UserNotFound(NotFound):
    slug = "user-not-found"
    title_zh, title_en = "用户不存在", "User not found"


class LoginTaken(Conflict):
    slug = "login-taken"
    title_zh, title_en = "登录名已被使用", "Login already taken"


def invalid_credentials() -> InvalidCredentials:
    return InvalidCredentials(
        detail_zh="登录名或密码错误",
        detail_en="Wrong login or password",
        extra={"error": "invalid_grant", "error_description": "Wrong login or password"},
    )


# ---- published ------------------------------------------------------------------------------------
async def org_is_claimed(session: AsyncSession, org_id: uuid.UUID | str) -> bool:
    """True when an enabled org_admin user of the organization exists: its own admins now keep it."""
    stmt = sa.select(
        sa.exists().where(User.org_id == uuid.UUID(str(org_id)), User.org_role == ORG_ADMIN, User.disabled_at.is_(None))
    )
    return bool((await session.execute(stmt)).scalar())


async def touch(session: AsyncSession, user_id: uuid.UUID) -> None:
    """The user's public record changed outside its row (its alliance grants): a new version, `updated_at` and
    transaction id, so lists that sync see it again."""
    user = await get_user(session, user_id, for_update=True)
    user.version += 1
    user.updated_at = utcnow()
    await session.flush()


# ---- reading ----------------------------------------------------------------------------------
async def find_by_login(session: AsyncSession, login: str, *, for_update: bool = False) -> User | None:
    stmt = sa.select(User).where(sa.func.lower(User.login) == login.strip().lower())
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_user(session: AsyncSession, user_id: uuid.UUID | str, *, for_update: bool = False) -> User:
    try:
        uid = user_id if isinstance(user_id, uuid.UUID) else uuid.UUID(str(user_id))
    except ValueError:
        uid = None
    user = None
    if uid is not None:
        stmt = sa.select(User).where(User.id == uid)
        if for_update:
            stmt = stmt.with_for_update()
        user = (await session.execute(stmt)).scalar_one_or_none()
    if user is None:
        raise UserNotFound(detail_zh="没有该用户", detail_en="No such user")
    return user


def roles_of(user: User, alliances: list[uuid.UUID]) -> tuple[str, ...]:
    """The roles a user's token carries, given the alliances the user administers (live grants)."""
    have = set()
    if user.is_platform_admin:
        have.add(PLATFORM_ADMIN)
    if alliances:
        have.add(ALLIANCE_ADMIN)
    if user.org_role:
        have.add(user.org_role)
    return tuple(r for r in ROLES if r in have)


def render(users: list[User], alliances: dict[uuid.UUID, list[uuid.UUID]]) -> list[UserPublic]:
    """The public form of `users`, given each one's administered alliances."""
    return [
        UserPublic(
            id=u.id,
            login=u.login,
            display_name=u.display_name,
            org_id=u.org_id,
            org_role=u.org_role,  # type: ignore[arg-type]
            is_platform_admin=u.is_platform_admin,
            alliances=alliances.get(u.id, []),
            disabled_at=u.disabled_at,
            version=u.version,
            created_at=u.created_at,
            updated_at=u.updated_at,
        )
        for u in users
    ]


async def current_user(session: AsyncSession, principal: Principal, *, for_update: bool = False) -> User:
    require_user(principal)
    try:
        return await get_user(session, principal.subject, for_update=for_update)
    except UserNotFound:
        raise NotAUser(detail_zh="该账号不存在", detail_en="This account does not exist") from None


def _visible(principal: Principal, user: User) -> bool:
    if principal.is_platform_admin or principal.subject == str(user.id):
        return True
    return user.org_id is not None and principal.acts_for_org(user.org_id, (ORG_ADMIN,))


async def read_user(session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> User:
    require_user(principal)
    user = await get_user(session, user_id)
    if not _visible(principal, user):
        raise UserNotFound(detail_zh="没有该用户", detail_en="No such user")
    return user


async def list_users(
    session: AsyncSession,
    principal: Principal,
    *,
    org_id: uuid.UUID | None,
    since: Since,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    """Users are never deleted: a disabled user stays in the list with its `disabled_at` (a changed row to a
    sync), and so does a user whose alliance grants changed (`touch`)."""
    require_user(principal)
    stmt = sa.select(User)
    if not principal.is_platform_admin:
        own = as_uuids([principal.org_id] if ORG_ADMIN in principal.roles else [])
        if not own or (org_id is not None and org_id != own[0]):
            raise Forbidden(detail_zh="只能查看本单位的用户", detail_en="You may only list your organization's users")
        org_id = own[0]
    if org_id is not None:
        stmt = stmt.where(User.org_id == org_id)
    return await sync_page(session, stmt, User, since=since, cursor=cursor, limit=limit)


async def manageable(session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> User:
    """A user `principal` may reset or disable: platform admins any; an org_admin the users of its
    own organization except platform admins. Another organization's user → 403."""
    require_user(principal)
    user = await get_user(session, user_id, for_update=True)
    if principal.is_platform_admin:
        return user
    if user.is_platform_admin or user.org_id is None or not principal.acts_for_org(user.org_id, (ORG_ADMIN,)):
        raise Forbidden(detail_zh="只能管理本单位的用户", detail_en="You may only manage your own organization's users")
    return user


async def platform_admin_exists(session: AsyncSession) -> bool:
    stmt = sa.select(sa.exists().where(User.is_platform_admin.is_(True), User.disabled_at.is_(None)))
    return bool((await session.execute(stmt)).scalar())


# ---- passwords --------------------------------------------------------------------------------
async def authenticate(session: AsyncSession, ident: Identity, login: str, password: str, *, client: str) -> User:
    """The active user with this login and password, tried from the client address `client`; 429 when
    throttled (before hashing), 401 otherwise (unknown, disabled and wrong password alike). Rehashes an
    outdated hash."""
    attempt = throttle.Attempt.of(ident, login, client)
    await throttle.check(session, ident, attempt)
    user = await find_by_login(session, login)
    usable = user is not None and user.disabled_at is None
    ok = await ident.passwords.verify(user.password_hash if usable and user else None, password)
    if not ok or user is None:
        await throttle.record_failure(session, ident, attempt)
        raise invalid_credentials()
    await throttle.record_success(session, ident, attempt)
    if ident.passwords.needs_rehash(user.password_hash):
        user.password_hash = await ident.passwords.hash(password)
    return user


async def set_password(session: AsyncSession, ident: Identity, user: User, password: str) -> None:
    user = await get_user(session, user.id, for_update=True)
    user.password_hash = await ident.passwords.hash(password)
    now = utcnow()
    user.password_changed_at = now
    user.updated_at = now
    user.version += 1
    await session.flush()


# ---- creating -----------------------------------------------------------------------------------
def new_user(login: str, display_name: str, password_hash: str, **fields: Any) -> User:
    now = utcnow()
    return User(
        id=new_id(),
        login=login,
        display_name=display_name,
        password_hash=password_hash,
        password_changed_at=now,
        version=1,
        created_at=now,
        updated_at=now,
        **fields,
    )


async def insert_user(session: AsyncSession, user: User) -> None:
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        raise LoginTaken(detail_zh="该登录名已被使用", detail_en="This login is already taken") from None
