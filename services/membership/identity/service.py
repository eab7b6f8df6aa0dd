"""Identity rules: logins, sessions, lockout, accounts, invitations, resets, grants, first start.
Knows nothing of HTTP; every write leaves an audit row (never a hash, token or key) in the caller's
transaction.

Throttling of failed logins (per login and client address, with a per-login ceiling): `throttle.py`.
Every password check (login, claim with an existing login, change of password) asks it first, before
any hashing; unknown and disabled logins verify against a dummy hash of the same cost and get the same
401, so logins cannot be enumerated.

Sessions: a login starts a refresh-token family (the access token's `sid`); refreshing it (rotation,
the reuse grace window, reuse detection) is `sessions.py`. Logout, a password change or reset and
disabling a user revoke families. An access token already issued stays valid until it expires
(`access_token_ttl_seconds`, 15 minutes).
"""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.audit import record_change
from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, PLATFORM_ADMIN, ROLES, SCOPES, Principal, scopes_for_roles
from chanjiao.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    field_error,
)
from chanjiao.ids import new_id
from chanjiao.pagination import keyset, page_of
from services.membership.alliances.models import Alliance
from services.membership.db import kernel
from services.membership.identity import opaque, throttle
from services.membership.identity.ceiling import ensure_within
from services.membership.identity.models import (
    AllianceGrant,
    OneTimeKind,
    OneTimeToken,
    RefreshToken,
    User,
)
from services.membership.identity.passwords import check_password
from services.membership.identity.runtime import Identity
from services.membership.identity.schemas import (
    ClaimRequest,
    InvitationCreate,
    Me,
    OrgRef,
    PasswordChange,
    PasswordChanged,
    SetupRequest,
    TokenResponse,
    UserPublic,
)
from services.membership.organizations.models import Organization

SETUP_TTL = timedelta(hours=24)
# Serialises first-start decisions across replicas (pg_advisory_xact_lock key).
BOOTSTRAP_LOCK = 0x63_6A_69_64  # "cjid"
AUDITED = ("login", "display_name", "org_id", "org_role", "is_platform_admin", "disabled_at")


# ---- errors -----------------------------------------------------------------------------------
class InvalidCredentials(Unauthorized):
    slug = "invalid-credentials"
    title_zh, title_en = "登录名或密码错误", "Wrong login or password"


class InvalidToken(Unauthorized):
    slug = "invalid-token"
    title_zh, title_en = "令牌无效或已过期", "Invalid or expired token"


class UnsupportedGrant(BadRequest):
    slug = "unsupported-grant-type"
    title_zh, title_en = "不支持的授权类型", "Unsupported grant type"


class InvalidScope(BadRequest):
    slug = "invalid-scope"
    title_zh, title_en = "权限范围无效", "Invalid scope"


class UserNotFound(NotFound):
    slug = "user-not-found"
    title_zh, title_en = "用户不存在", "User not found"


class LoginTaken(Conflict):
    slug = "login-taken"
    title_zh, title_en = "登录名已被使用", "Login already taken"


class AlreadyInOrganization(Conflict):
    slug = "already-in-organization"
    title_zh, title_en = "用户已属于一个单位", "User already belongs to an organization"


class OrganizationClaimed(Forbidden):
    slug = "organization-claimed"
    title_zh, title_en = "该单位已有管理员", "The organization already has an admin"


class OrganizationClaimedMeanwhile(Conflict):
    slug = "organization-claimed"
    title_zh, title_en = "该单位已有管理员", "The organization already has an admin"


class CannotDisableSelf(Conflict):
    slug = "cannot-disable-self"
    title_zh, title_en = "不能停用自己的账号", "You cannot disable yourself"


class ResetNeedsPlatformAdmin(Forbidden):
    slug = "reset-needs-platform-admin"
    title_zh, title_en = "需要平台管理员", "Needs a platform admin"


class WrongPassword(Forbidden):
    slug = "wrong-password"
    title_zh, title_en = "当前密码错误", "Wrong current password"


class PlatformAdminExists(Conflict):
    slug = "platform-admin-exists"
    title_zh, title_en = "平台管理员已存在", "A platform admin already exists"


class GrantExists(Conflict):
    slug = "grant-exists"
    title_zh, title_en = "已授权", "Already granted"


class GrantNotFound(NotFound):
    slug = "grant-not-found"
    title_zh, title_en = "没有该授权", "No such grant"


class NotAUser(Unauthorized):
    slug = "user-required"
    title_zh, title_en = "需要用户登录", "A user login is needed"


def _invalid_credentials() -> InvalidCredentials:
    return InvalidCredentials(
        detail_zh="登录名或密码错误",
        detail_en="Wrong login or password",
        extra={"error": "invalid_grant", "error_description": "Wrong login or password"},
    )


def _invalid_token(what_zh: str = "令牌", what_en: str = "token") -> InvalidToken:
    return InvalidToken(
        detail_zh=f"{what_zh}无效、已使用或已过期",
        detail_en=f"The {what_en} is invalid, used or expired",
        extra={"error": "invalid_grant"},
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


# ---- users ------------------------------------------------------------------------------------
def _snapshot(user: User) -> dict[str, Any]:
    return {k: getattr(user, k) for k in AUDITED}


async def _audit(
    session: AsyncSession,
    *,
    entity: str,
    entity_id: uuid.UUID,
    action: str,
    actor: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Audit row + outbox event; callers pass only non-secret fields."""
    await record_change(
        session,
        kernel,
        entity=entity,
        entity_id=entity_id,
        action=action,
        actor=actor,
        before=before,
        after=after,
        payload=dict(after or {}),
    )


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


async def live_alliances(session: AsyncSession, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    out: dict[uuid.UUID, list[uuid.UUID]] = {u: [] for u in user_ids}
    if not user_ids:
        return out
    rows = await session.execute(
        sa.select(AllianceGrant.user_id, AllianceGrant.alliance_id)
        .where(AllianceGrant.user_id.in_(user_ids), AllianceGrant.revoked_at.is_(None))
        .order_by(AllianceGrant.alliance_id)
    )
    for uid, aid in rows:
        out[uid].append(aid)
    return out


def roles_of(user: User, alliances: list[uuid.UUID]) -> tuple[str, ...]:
    have = set()
    if user.is_platform_admin:
        have.add(PLATFORM_ADMIN)
    if alliances:
        have.add(ALLIANCE_ADMIN)
    if user.org_role:
        have.add(user.org_role)
    return tuple(r for r in ROLES if r in have)


async def render(session: AsyncSession, users: list[User]) -> list[UserPublic]:
    grants = await live_alliances(session, [u.id for u in users])
    return [
        UserPublic(
            id=u.id,
            login=u.login,
            display_name=u.display_name,
            org_id=u.org_id,
            org_role=u.org_role,  # type: ignore[arg-type]
            is_platform_admin=u.is_platform_admin,
            alliances=grants[u.id],
            disabled_at=u.disabled_at,
            version=u.version,
            created_at=u.created_at,
            updated_at=u.updated_at,
        )
        for u in users
    ]


def as_uuids(values: Any) -> list[uuid.UUID]:
    """The ids among a principal's claims (anything else cannot match a row)."""
    out = []
    for v in values:
        try:
            out.append(uuid.UUID(str(v)))
        except ValueError:
            continue
    return out


def require_user(principal: Principal) -> None:
    """Routes for people (`kinds=("user",)`) also refuse anonymous callers in development."""
    if principal.kind != "user":
        raise NotAUser(detail_zh="此操作需要用户登录", detail_en="This needs a user login")


async def current_user(session: AsyncSession, principal: Principal, *, for_update: bool = False) -> User:
    require_user(principal)
    try:
        return await get_user(session, principal.subject, for_update=for_update)
    except UserNotFound:
        raise NotAUser(detail_zh="该账号不存在", detail_en="This account does not exist") from None


async def me(session: AsyncSession, principal: Principal) -> Me:
    user = await current_user(session, principal)
    alliances = (await live_alliances(session, [user.id]))[user.id]
    roles = roles_of(user, alliances)
    org = None
    if user.org_id is not None:
        name = (await session.execute(sa.select(Organization.name).where(Organization.id == user.org_id))).scalar()
        org = OrgRef(id=user.org_id, name=name or "")
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
    session: AsyncSession, principal: Principal, *, org_id: uuid.UUID | None, cursor: str | None, limit: int
) -> tuple[list[User], str | None]:
    require_user(principal)
    stmt = sa.select(User)
    if not principal.is_platform_admin:
        own = as_uuids([principal.org_id] if ORG_ADMIN in principal.roles else [])
        if not own or (org_id is not None and org_id != own[0]):
            raise Forbidden(detail_zh="只能查看本单位的用户", detail_en="You may only list your organization's users")
        org_id = own[0]
    if org_id is not None:
        stmt = stmt.where(User.org_id == org_id)
    rows = (await session.execute(keyset(stmt, [User.id], cursor, limit))).scalars().all()
    return page_of(list(rows), limit, lambda u: (u.id,))


async def _manageable(session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> User:
    """A user `principal` may reset or disable: platform admins any; an org_admin the users of its
    own organization except platform admins. Another organization's user → 403."""
    require_user(principal)
    user = await get_user(session, user_id, for_update=True)
    if principal.is_platform_admin:
        return user
    if user.is_platform_admin or user.org_id is None or not principal.acts_for_org(user.org_id, (ORG_ADMIN,)):
        raise Forbidden(detail_zh="只能管理本单位的用户", detail_en="You may only manage your own organization's users")
    return user


# ---- passwords ----------------------------------------------------------------------------------
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
        raise _invalid_credentials()
    await throttle.record_success(session, ident, attempt)
    if ident.passwords.needs_rehash(user.password_hash):
        user.password_hash = await ident.passwords.hash(password)
    return user


# ---- sessions ---------------------------------------------------------------------------------
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
    user: User,
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
    alliances = (await live_alliances(session, [user.id]))[user.id]
    roles = roles_of(user, alliances)
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
    user = await authenticate(session, ident, login, password, client=client)
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


# ---- one-time tokens --------------------------------------------------------------------------
async def _new_one_time(
    session: AsyncSession, *, kind: OneTimeKind, prefix: str, ttl: timedelta, actor: str, **fields: Any
) -> tuple[OneTimeToken, str]:
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


async def _take(session: AsyncSession, secret: str, kind: OneTimeKind, prefix: str) -> OneTimeToken:
    """The live one-time token (locked), else 401."""
    what = {
        OneTimeKind.invitation: ("邀请令牌", "invitation token"),
        OneTimeKind.password_reset: ("重置令牌", "reset token"),
        OneTimeKind.setup: ("初始化令牌", "setup token"),
    }[kind]
    if not opaque.looks_like(secret, prefix):
        raise _invalid_token(*what)
    stmt = (
        sa.select(OneTimeToken)
        .where(OneTimeToken.token_hash == opaque.digest(secret), OneTimeToken.kind == kind.value)
        .with_for_update()
    )
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None or row.used_at is not None or row.revoked_at is not None or row.expires_at <= utcnow():
        raise _invalid_token(*what)
    return row


async def _live_org(session: AsyncSession, org_id: uuid.UUID, field: str) -> Organization:
    org = (
        await session.execute(
            sa.select(Organization)
            .where(Organization.id == org_id, Organization.deleted_at.is_(None))
            .with_for_update(read=True)
        )
    ).scalar_one_or_none()
    if org is None:
        raise field_error(
            ["body", field], "org_not_found", "没有该单位，或已被删除", "No such organization, or it was deleted"
        )
    return org


async def live_alliance(session: AsyncSession, alliance_id: uuid.UUID, field: str) -> Alliance:
    alliance = (
        await session.execute(
            sa.select(Alliance)
            .where(Alliance.id == alliance_id, Alliance.deleted_at.is_(None))
            .with_for_update(read=True)
        )
    ).scalar_one_or_none()
    if alliance is None:
        raise field_error(
            ["body", field], "alliance_not_found", "没有该联盟，或已被删除", "No such alliance, or it was deleted"
        )
    return alliance


async def org_has_active_admin(session: AsyncSession, org_id: uuid.UUID) -> bool:
    stmt = sa.select(sa.exists().where(User.org_id == org_id, User.org_role == ORG_ADMIN, User.disabled_at.is_(None)))
    return bool((await session.execute(stmt)).scalar())


async def create_invitation(
    session: AsyncSession, ident: Identity, principal: Principal, data: InvitationCreate
) -> tuple[OneTimeToken, str]:
    """Who may invite whom:

    - a platform admin: anyone, to any organization or as any alliance's admin;
    - an org_admin: org_admin or org_staff of its own organization;
    - an alliance admin: the *first* org_admin of an organization one of its alliances registered
      (`registered_by_alliance_id`), only while that organization has no active org_admin — a membership,
      even an accepted one, gives no such right.
    Alliance-admin invitations (`alliance_id`) are for platform admins only."""
    require_user(principal)
    first_admin_only = False
    if data.alliance_id is not None:
        if not principal.is_platform_admin:
            raise Forbidden(
                detail_zh="只有平台管理员可以邀请联盟管理员", detail_en="Only platform admins invite alliance admins"
            )
        await live_alliance(session, data.alliance_id, "alliance_id")
    else:
        assert data.org_id is not None and data.role is not None
        await _live_org(session, data.org_id, "org_id")
        if principal.is_platform_admin or principal.acts_for_org(data.org_id, (ORG_ADMIN,)):
            pass
        elif ALLIANCE_ADMIN in principal.roles and await _registered_by_alliances(
            session, data.org_id, principal.alliances
        ):
            if data.role.value != ORG_ADMIN:
                raise Forbidden(
                    detail_zh="联盟管理员只能邀请单位的首位管理员",
                    detail_en="Alliance admins invite only an organization's first org_admin",
                )
            if await org_has_active_admin(session, data.org_id):
                raise OrganizationClaimed(
                    detail_zh="该单位已有管理员，由其邀请本单位的其他用户",
                    detail_en="The organization already has an org_admin, who invites its other users",
                )
            first_admin_only = True
        else:
            raise Forbidden(
                detail_zh="只能邀请本单位的用户，或本联盟登记的单位的首位管理员",
                detail_en="You may invite your own organization's users, or the first admin of an organization your "
                "alliance registered",
            )
    # The invitee's sessions carry every scope of the role granted: the inviter must hold them all.
    granted = (ALLIANCE_ADMIN,) if data.alliance_id is not None else (data.role.value,)  # type: ignore[union-attr]
    ensure_within(principal, scopes_for_roles(granted), what_zh="邀请", what_en="An invitation")
    row, secret = await _new_one_time(
        session,
        kind=OneTimeKind.invitation,
        prefix=opaque.INVITATION,
        ttl=timedelta(hours=ident.settings.invitation_ttl_hours),
        actor=principal.actor,
        org_id=data.org_id,
        org_role=data.role.value if data.role else None,
        alliance_id=data.alliance_id,
        display_name=data.display_name,
        first_admin_only=first_admin_only,
    )
    after = {
        "org_id": row.org_id,
        "org_role": row.org_role,
        "alliance_id": row.alliance_id,
        "expires_at": row.expires_at,
    }
    await _audit(
        session, entity="invitation", entity_id=row.id, action="create", actor=principal.actor, before=None, after=after
    )
    return row, secret


async def _registered_by_alliances(session: AsyncSession, org_id: uuid.UUID, alliances: tuple[str, ...]) -> bool:
    """True when one of `alliances` registered the organization (organizations.registered_by_alliance_id)."""
    ids = as_uuids(alliances)
    if not ids:
        return False
    stmt = sa.select(sa.exists().where(Organization.id == org_id, Organization.registered_by_alliance_id.in_(ids)))
    return bool((await session.execute(stmt)).scalar())


async def _insert_user(session: AsyncSession, user: User) -> None:
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        raise LoginTaken(detail_zh="该登录名已被使用", detail_en="This login is already taken") from None


def _new_user(login: str, display_name: str, password_hash: str, **fields: Any) -> User:
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


async def _void_resets(session: AsyncSession, user_id: uuid.UUID) -> None:
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


async def _grant(session: AsyncSession, user: User, alliance_id: uuid.UUID, actor: str) -> AllianceGrant:
    # A reset token handed out before the grant would now open the alliance too: it stops working.
    await _void_resets(session, user.id)
    grant = AllianceGrant(id=new_id(), user_id=user.id, alliance_id=alliance_id, granted_at=utcnow(), granted_by=actor)
    session.add(grant)
    await session.flush()
    after = {"user_id": user.id, "alliance_id": alliance_id}
    await _audit(
        session, entity="alliance_grant", entity_id=grant.id, action="create", actor=actor, before=None, after=after
    )
    return grant


async def claim(session: AsyncSession, ident: Identity, data: ClaimRequest, *, client: str) -> User:
    """Redeem an invitation. A new login creates the account (password rules apply); an existing
    login must give its current password and then joins the organization (409 if it already belongs
    to one) or receives the alliance grant."""
    token = await _take(session, data.invitation_token, OneTimeKind.invitation, opaque.INVITATION)
    existing = await find_by_login(session, data.login)
    if existing is not None:
        user = await authenticate(session, ident, data.login, data.password, client=client)
        user = await get_user(session, user.id, for_update=True)
        before: dict[str, Any] | None = _snapshot(user)
    else:
        check_password(data.password, login=data.login)
        name = data.display_name or token.display_name or data.login
        user = _new_user(data.login, name, await ident.passwords.hash(data.password))
        await _insert_user(session, user)
        before = None
    actor = f"user:{user.id}"
    if token.org_id is not None:
        if user.org_id is not None:
            raise AlreadyInOrganization(
                detail_zh="一个用户只能属于一个单位", detail_en="A user belongs to at most one organization"
            )
        await _live_org(session, token.org_id, "invitation_token")
        if token.first_admin_only and await org_has_active_admin(session, token.org_id):
            raise OrganizationClaimedMeanwhile(
                detail_zh="该单位已有管理员，请向其索取邀请",
                detail_en="The organization already has an org_admin; ask them for an invitation",
            )
        user.org_id, user.org_role = token.org_id, token.org_role
        if before is not None:
            user.version += 1
            user.updated_at = utcnow()
        await session.flush()
    elif token.alliance_id is not None:
        live = (await live_alliances(session, [user.id]))[user.id]
        if token.alliance_id not in live:
            await _grant(session, user, token.alliance_id, token.created_by)
    token.used_at, token.used_by = utcnow(), user.id
    await _audit(
        session,
        entity="user",
        entity_id=user.id,
        action="create" if before is None else "update",
        actor=actor,
        before=before,
        after=_snapshot(user),
    )
    return user


async def change_password(
    session: AsyncSession, ident: Identity, principal: Principal, data: PasswordChange, *, client: str
) -> PasswordChanged:
    """A wrong current password counts against the login's throttle for this client address, and for
    this route's own ceiling (`throttle.py`): it never slows the owner's logins elsewhere."""
    user = await current_user(session, principal, for_update=True)
    attempt = throttle.Attempt.of(ident, user.login, client)
    await throttle.check(session, ident, attempt, route="password_change")
    if not await ident.passwords.verify(user.password_hash, data.current_password):
        await throttle.record_failure(session, ident, attempt, route="password_change")
        raise WrongPassword(detail_zh="当前密码错误", detail_en="The current password is wrong")
    check_password(data.new_password, login=user.login, field_name="new_password")
    keep = None
    row = await refresh_row(session, data.refresh_token) if data.refresh_token else None
    if row is not None and row.user_id == user.id and row.revoked_at is None:
        keep = row.family_id
    previous = user.password_changed_at
    await _set_password(session, ident, user, data.new_password)
    ended = await revoke_sessions(session, user.id, keep=keep)
    await throttle.clear_login(session, ident, attempt)
    await _audit(
        session,
        entity="user",
        entity_id=user.id,
        action="update",
        actor=principal.actor,
        before={"password_changed_at": previous},
        after={"password_changed_at": user.password_changed_at, "sessions_ended": ended},
    )
    return PasswordChanged(
        user_id=user.id, login=user.login, password_changed_at=user.password_changed_at, sessions_ended=ended
    )


async def _set_password(session: AsyncSession, ident: Identity, user: User, password: str) -> None:
    user = await get_user(session, user.id, for_update=True)
    user.password_hash = await ident.passwords.hash(password)
    now = utcnow()
    user.password_changed_at = now
    user.updated_at = now
    user.version += 1
    await session.flush()


async def create_reset(
    session: AsyncSession, ident: Identity, principal: Principal, user_id: uuid.UUID
) -> tuple[OneTimeToken, str]:
    """A reset token hands the whole account to whoever redeems it. An org_admin may reset only what its
    organization gave: a user who also holds alliance grants (or is a platform admin, `_manageable`) is
    reset by a platform admin — else the org_admin would inherit the grants (403, nothing written)."""
    user = await _manageable(session, principal, user_id)
    alliances = (await live_alliances(session, [user.id]))[user.id]
    if alliances and not principal.is_platform_admin:
        raise ResetNeedsPlatformAdmin(
            detail_zh="该用户还是联盟管理员，只有平台管理员可以为其重置密码",
            detail_en="This user also administers an alliance; only a platform admin may reset their password",
        )
    # Whoever redeems the token logs in with every scope the user's roles give: the issuer must hold them.
    ensure_within(
        principal, scopes_for_roles(roles_of(user, alliances)), what_zh="重置密码令牌", what_en="A reset token"
    )
    await _void_resets(session, user.id)  # only the latest token handed over is valid
    row, secret = await _new_one_time(
        session,
        kind=OneTimeKind.password_reset,
        prefix=opaque.RESET,
        ttl=timedelta(hours=ident.settings.password_reset_ttl_hours),
        actor=principal.actor,
        user_id=user.id,
    )
    after = {"user_id": user.id, "expires_at": row.expires_at}
    await _audit(
        session,
        entity="password_reset",
        entity_id=row.id,
        action="create",
        actor=principal.actor,
        before=None,
        after=after,
    )
    return row, secret


async def reset_password(
    session: AsyncSession, ident: Identity, *, reset_token: str, new_password: str, client: str
) -> PasswordChanged:
    token = await _take(session, reset_token, OneTimeKind.password_reset, opaque.RESET)
    assert token.user_id is not None
    user = await get_user(session, token.user_id, for_update=True)
    check_password(new_password, login=user.login, field_name="new_password")
    previous = user.password_changed_at
    await _set_password(session, ident, user, new_password)
    ended = await revoke_sessions(session, user.id)
    await throttle.clear_login(session, ident, throttle.Attempt.of(ident, user.login, client))
    token.used_at, token.used_by = utcnow(), user.id
    await _audit(
        session,
        entity="user",
        entity_id=user.id,
        action="update",
        actor=f"user:{user.id}",
        before={"password_changed_at": previous},
        after={"password_changed_at": user.password_changed_at, "sessions_ended": ended, "by_reset_token": token.id},
    )
    return PasswordChanged(
        user_id=user.id, login=user.login, password_changed_at=user.password_changed_at, sessions_ended=ended
    )


async def set_disabled(session: AsyncSession, principal: Principal, user_id: uuid.UUID, *, disabled: bool) -> User:
    user = await _manageable(session, principal, user_id)
    if disabled and principal.subject == str(user.id):
        raise CannotDisableSelf(detail_zh="不能停用自己的账号", detail_en="You cannot disable your own account")
    if (user.disabled_at is not None) == disabled:
        return user
    before = _snapshot(user)
    now = utcnow()
    user.disabled_at = now if disabled else None
    user.updated_at = now
    user.version += 1
    if disabled:
        await revoke_sessions(session, user.id)
    await session.flush()
    await _audit(
        session,
        entity="user",
        entity_id=user.id,
        action="disable" if disabled else "enable",
        actor=principal.actor,
        before=before,
        after=_snapshot(user),
    )
    return user


async def add_grant(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, alliance_id: uuid.UUID
) -> AllianceGrant:
    require_user(principal)
    user = await get_user(session, user_id, for_update=True)
    await live_alliance(session, alliance_id, "alliance_id")
    if alliance_id in (await live_alliances(session, [user.id]))[user.id]:
        raise GrantExists(detail_zh="该用户已是该联盟的管理员", detail_en="The user already administers this alliance")
    return await _grant(session, user, alliance_id, principal.actor)


async def remove_grant(session: AsyncSession, principal: Principal, user_id: uuid.UUID, alliance_id: uuid.UUID) -> None:
    require_user(principal)
    grant = (
        await session.execute(
            sa.select(AllianceGrant)
            .where(
                AllianceGrant.user_id == user_id,
                AllianceGrant.alliance_id == alliance_id,
                AllianceGrant.revoked_at.is_(None),
            )
            .with_for_update()
        )
    ).scalar_one_or_none()
    if grant is None:
        raise GrantNotFound(
            detail_zh="该用户不是该联盟的管理员", detail_en="The user does not administer this alliance"
        )
    grant.revoked_at, grant.revoked_by = utcnow(), principal.actor
    await session.flush()
    await _audit(
        session,
        entity="alliance_grant",
        entity_id=grant.id,
        action="revoke",
        actor=principal.actor,
        before={"user_id": user_id, "alliance_id": alliance_id, "revoked": False},
        after={"user_id": user_id, "alliance_id": alliance_id, "revoked": True},
    )


# ---- first start ------------------------------------------------------------------------------
async def _lock_bootstrap(session: AsyncSession) -> None:
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(BOOTSTRAP_LOCK)))


async def platform_admin_exists(session: AsyncSession) -> bool:
    stmt = sa.select(sa.exists().where(User.is_platform_admin.is_(True), User.disabled_at.is_(None)))
    return bool((await session.execute(stmt)).scalar())


async def _create_platform_admin(
    session: AsyncSession, ident: Identity, *, login: str, password: str, display_name: str, actor: str
) -> User:
    user = _new_user(login, display_name, await ident.passwords.hash(password), is_platform_admin=True)
    await _insert_user(session, user)
    await session.execute(
        sa.update(OneTimeToken)
        .where(
            OneTimeToken.kind == OneTimeKind.setup.value,
            OneTimeToken.used_at.is_(None),
            OneTimeToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    await _audit(
        session, entity="user", entity_id=user.id, action="create", actor=actor, before=None, after=_snapshot(user)
    )
    return user


async def setup(session: AsyncSession, ident: Identity, data: SetupRequest) -> User:
    await _lock_bootstrap(session)
    token = await _take(session, data.setup_token, OneTimeKind.setup, opaque.SETUP)
    if await platform_admin_exists(session):
        raise PlatformAdminExists(
            detail_zh="平台管理员已存在，初始化令牌不再可用", detail_en="A platform admin exists; setup is closed"
        )
    check_password(data.password, login=data.login)
    if await find_by_login(session, data.login) is not None:
        raise LoginTaken(detail_zh="该登录名已被使用", detail_en="This login is already taken")
    user = await _create_platform_admin(
        session, ident, login=data.login, password=data.password, display_name=data.display_name, actor="setup"
    )
    token.used_at, token.used_by = utcnow(), user.id
    return user


class BootstrapError(RuntimeError):
    """CHANJIAO_BOOTSTRAP_ADMIN is unusable; the message never contains the password."""


def parse_bootstrap(value: str) -> tuple[str, str]:
    from services.membership.identity.schemas import _login

    login, sep, password = value.partition(":")
    if not sep or not login or not password:
        raise BootstrapError("CHANJIAO_BOOTSTRAP_ADMIN must be <login>:<password>")
    try:
        login = _login(login)
    except ValueError as exc:
        raise BootstrapError(f"CHANJIAO_BOOTSTRAP_ADMIN: the login is unusable: {exc}") from None
    try:
        check_password(password, login=login)
    except Exception as exc:  # noqa: BLE001 - a ValidationFailed; report the rules, never the value
        rules = ", ".join(e.msg_en for e in getattr(exc, "errors", []))
        raise BootstrapError(f"CHANJIAO_BOOTSTRAP_ADMIN: the password breaks the password rules: {rules}") from None
    return login, password


async def bootstrap(session: AsyncSession, ident: Identity) -> str | None:
    """On start: when no active platform admin exists, create the one of CHANJIAO_BOOTSTRAP_ADMIN, or
    issue a setup token (returned, for the caller to print). Replicas serialise on an advisory lock."""
    await _lock_bootstrap(session)
    if await platform_admin_exists(session):
        return None
    configured = ident.settings.bootstrap_admin
    if configured is not None and configured.get_secret_value():
        login, password = parse_bootstrap(configured.get_secret_value())
        if await find_by_login(session, login) is not None:
            raise BootstrapError(
                f"CHANJIAO_BOOTSTRAP_ADMIN: the login {login!r} belongs to an existing user who is not an active "
                "platform admin; choose another login"
            )
        await _create_platform_admin(
            session, ident, login=login, password=password, display_name=login, actor="bootstrap"
        )
        return None
    _, secret = await _new_one_time(
        session, kind=OneTimeKind.setup, prefix=opaque.SETUP, ttl=SETUP_TTL, actor="bootstrap"
    )
    return secret


def announce_setup_token(secret: str, gateway_url: str) -> None:
    """Printed to stderr, never logged: the JSON logs are shipped elsewhere, this line is for the operator."""
    body = '{"setup_token": "' + secret + '", "login": "<login>", "password": "<password>", "display_name": "<name>"}'
    print(
        "\nChanjiao first start: no platform admin. Create one within 24 h with:\n"
        f"  curl -X POST {gateway_url.rstrip('/')}/v1/auth/setup -H 'Content-Type: application/json' -d '{body}'\n"
        "(or set CHANJIAO_BOOTSTRAP_ADMIN=<login>:<password> and restart)\n",
        file=sys.stderr,
        flush=True,
    )
