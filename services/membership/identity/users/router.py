"""`/v1/users/*` — the caller's account and account administration; `/v1/auth/password-reset` (redeeming a
reset token) and `/v1/auth/setup` (the first platform admin).

Thin endpoints: resolve dependencies, call one service function, commit once. Routes that hand out a
one-time token do not take `Idempotency-Key`: a replay would have to store the token. Invitations are
`invitations/router.py`, alliance grants `grants/router.py`."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from chanjiao.app import SessionDep
from chanjiao.auth import ORG_ADMIN, PrincipalDep, allow
from chanjiao.dates import AwareDatetime
from chanjiao.errors import problem_responses
from chanjiao.etag import IfNoneMatch, revalidated_json
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.sync import Since, SinceTokenQuery
from services.membership.identity import bootstrap
from services.membership.identity.fields import PASSWORD_RULES, dump
from services.membership.identity.runtime import IdentityDep
from services.membership.identity.throttle import client_address
from services.membership.identity.users import accounts, service
from services.membership.identity.users.schemas import (
    PASSWORD_CHANGED_EXAMPLE,
    USER_EXAMPLE,
    Me,
    PasswordChange,
    PasswordChanged,
    PasswordResetRequest,
    ResetCreated,
    SetupRequest,
    UserPage,
    UserPublic,
)

# The caller's own account (`me_routes`), account administration (`router`) and the public /v1/auth routes of
# users (`auth_routes`): services/membership/main.py includes them where the OpenAPI document lists them.
me_routes = APIRouter(prefix="/v1/users", tags=["users"])
router = APIRouter(prefix="/v1/users", tags=["users"])
auth_routes = APIRouter(prefix="/v1/auth", tags=["auth"])

# The caller's own account needs no scope: any token may ask who it is, and changing the password
# needs the current one (which opens every scope anyway). Everything else declares its scope.
SELF = allow(kinds=("user",), tenant="self")
WRITE = ("membership:write",)
READ = ("membership:read",)
ORG_ADMINS = allow(kinds=("user",), roles=(ORG_ADMIN,), scopes=WRITE, tenant="organization")
ORG_ADMINS_READ = allow(kinds=("user",), roles=(ORG_ADMIN,), scopes=READ, tenant="organization")
NO_STORE = {"Cache-Control": "no-store"}
PUBLIC = allow(public=True)

ME_EXAMPLE = {
    "id": "019abf40-2b3c-7d4e-8f50-6172839a4b5c",
    "login": "wang.jianhua",
    "display_name": "王建华",
    "org": {"id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b", "name": "淄博市技师学院"},
    "org_role": "org_admin",
    "roles": ["org_admin"],
    "alliances": [],
    "scopes": [
        "membership:read",
        "membership:write",
        "training:read",
        "training:write",
        "training:reveal",
        "matching:read",
        "matching:write",
    ],
    "is_platform_admin": False,
}


async def _one(session: SessionDep, user: service.User, status_code: int = 200) -> JSONResponse:
    public = (await accounts.render(session, [user]))[0]
    return JSONResponse(dump(public), status_code=status_code)


@me_routes.get(
    "/me",
    response_model=Me,
    dependencies=[SELF],
    summary="当前用户 Who am I",
    description="调用者当前的账号：所属单位、角色、管理的联盟、新访问令牌将带的角色，"
    "以及本次调用令牌的权限范围 `scopes`；移动端登录后从这里开始。"
    "可把 `ETag` 作为 `If-None-Match` 发回，未变化时返回 304。\n\n"
    "The calling user's account as it is now (organization, role, alliances administered, the roles "
    "a new access token would carry) and `scopes`: the scopes of **the calling token** — what this session may "
    "do (a login narrowed with `scope=` shows only those). Mobile apps start here after logging in. "
    "Revalidate with the answer's `ETag` in `If-None-Match`: 304 while nothing changed "
    "(`Cache-Control: private, no-cache`).",
    responses={
        200: {"content": {"application/json": {"example": ME_EXAMPLE}}},
        304: {"description": "未变化 Unchanged since the ETag in `If-None-Match`"},
        **problem_responses(401, 403),
    },
)
async def get_me(session: SessionDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None) -> Response:
    me = await accounts.me(session, principal)
    return revalidated_json(dump(me), if_none_match)


@me_routes.post(
    "/me/password",
    response_model=PasswordChanged,
    dependencies=[SELF],
    summary="修改密码 Change my password",
    description="修改自己的密码：须提供正确的当前密码（否则 403），输错按本客户端地址计为登录失败并限流（429），"
    "不影响其他地址的登录。修改后该用户的其他会话全部结束；发送本设备的 `refresh_token` 可保留本会话。\n\n"
    "`current_password` must be right (else 403). Wrong current passwords count like failed logins "
    "*from this client address* (after 5, this address waits 1 s, 2 s, 4 s …: 429 with `Retry-After`); they "
    "never slow logins from other addresses. `new_password`: " + PASSWORD_RULES + ". Every other session of the "
    "user is ended; send this device's `refresh_token` to keep its session.",
    responses={
        200: {"content": {"application/json": {"example": PASSWORD_CHANGED_EXAMPLE}}},
        **problem_responses(401, 403, 422),
        429: {"description": "Throttled for this address; see `Retry-After`"},
    },
)
async def change_password(
    body: PasswordChange, request: Request, session: SessionDep, principal: PrincipalDep, ident: IdentityDep
) -> PasswordChanged:
    out = await accounts.change_password(session, ident, principal, body, client=client_address(request))
    await session.commit()
    return out


@router.get(
    "",
    response_model=UserPage,
    dependencies=[ORG_ADMINS_READ],
    summary="查询用户 List users",
    description="平台管理员可查看全部用户（可按 `org_id` 筛选），单位管理员只能查看本单位的用户；支持增量同步。\n\n"
    "Platform admins list every user (filter `org_id`); an org_admin lists its own organization's "
    "users (another `org_id` → 403). Keyset-paginated (`limit`, `cursor` → `next_cursor`). Incremental sync: "
    "pass the `sync_token` of your last pull as `since_token` (docs/sync.md; `updated_since` works too). Users "
    "are never deleted: a disabled user comes as a changed row with its `disabled_at` (and again, with "
    "`disabled_at: null`, when enabled), and a user whose alliance grants changed comes again with its new "
    "`alliances`; so `include_deleted=true` adds no tombstones here (accepted like on every list).",
    responses={
        200: {"content": {"application/json": {"example": {"items": [USER_EXAMPLE], "next_cursor": None}}}},
        **problem_responses(401, 403, 422),
    },
)
async def list_users(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    org_id: Annotated[uuid.UUID | None, Query(description="所在单位 Organization the person belongs to")] = None,
    updated_since: Annotated[
        AwareDatetime | None,
        Query(description="增量同步：只返回此时刻之后变更的用户 Only users changed after this timestamp"),
    ] = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool,
        Query(description="包含墓碑；用户不会被删除，停用的用户照常列出 Include tombstones; users are never deleted"),
    ] = False,
) -> UserPage:
    page = await service.list_users(
        session, principal, org_id=org_id, since=Since.of(since_token, updated_since), cursor=cursor, limit=limit
    )
    return UserPage(
        items=await accounts.render(session, page.rows), next_cursor=page.next_cursor, sync_token=page.sync_token
    )


@router.get(
    "/{user_id}",
    response_model=UserPublic,
    dependencies=[allow(kinds=("user",), scopes=READ)],
    summary="用户详情 Get a user",
    description="用户详情：可查看自己；单位管理员可查看本单位的用户，平台管理员可查看任何用户；其他用户返回 404。\n\n"
    "Yourself, a user of your own organization (org_admin), or anyone (platform admin). Other users → 404.",
    responses={200: {"content": {"application/json": {"example": USER_EXAMPLE}}}, **problem_responses(401, 404, 422)},
)
async def get_user(user_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> Response:
    return await _one(session, await service.read_user(session, principal, user_id))


@router.post(
    "/{user_id}/password-reset",
    status_code=201,
    response_model=ResetCreated,
    dependencies=[ORG_ADMINS],
    summary="发放重置密码令牌 Issue a password-reset token",
    description="为忘记密码的用户发放一次性重置令牌，只返回一次，24 小时内有效；不发邮件，请当面或电话转交，"
    "用户用 `POST /v1/auth/password-reset` 兑现，此前的重置令牌随之失效。平台管理员可为任何人发放，"
    "单位管理员只能为本单位的用户（不含平台管理员）发放；持有联盟管理员授权的用户只能由平台管理员重置。"
    "调用令牌须持有该用户登录时的全部权限范围。\n\n"
    "For a user who forgot their password: a one-time reset token, answered **once** and valid "
    "`password_reset_ttl_hours` (24 h). No mail is sent — hand it over in person or by phone; the user "
    "redeems it with `POST /v1/auth/password-reset`. Earlier reset tokens of the user stop working. Platform "
    "admins for anyone; an org_admin for users of its own organization (not platform admins); others → 403. "
    "A user who holds more than a place in that organization (an alliance grant) is reset by a platform admin "
    "only: an org_admin gets 403 `reset-needs-platform-admin`. The calling token must hold every scope the user "
    "logs in with (else 403 `scope-ceiling`).",
    responses={
        201: {
            "content": {
                "application/json": {
                    "example": {
                        "user_id": "019abf40-2b3c-7d4e-8f50-6172839a4b5c",
                        "reset_token": "cjp_Hq2…",
                        "expires_at": "2026-11-26T08:00:00+00:00",
                    }
                }
            }
        },
        **problem_responses(401, 403, 404, 422),
    },
)
async def create_password_reset(
    user_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, ident: IdentityDep
) -> Response:
    row, secret = await accounts.create_reset(session, ident, principal, user_id)
    out = ResetCreated(user_id=user_id, reset_token=secret, expires_at=row.expires_at)
    await session.commit()
    return JSONResponse(dump(out), status_code=201, headers=NO_STORE)


_DISABLED_EXAMPLE = {**USER_EXAMPLE, "disabled_at": "2026-11-25T09:00:00+00:00", "version": 2}


@router.post(
    "/{user_id}/disable",
    response_model=UserPublic,
    dependencies=[ORG_ADMINS],
    summary="停用用户 Disable a user",
    description="停用用户：该用户不能再登录或刷新令牌，其会话立即结束（已签发的访问令牌在过期前仍有效，最多 15 分钟）。"
    "幂等；不能停用自己（409）。平台管理员可停用任何人，单位管理员只能停用本单位的用户。\n\n"
    "The user can no longer log in or refresh (their sessions end at once; an access token already "
    "issued lasts until it expires, at most 15 minutes). Idempotent. You cannot disable yourself (409). "
    "Platform admins for anyone; an org_admin for users of its own organization; others → 403.",
    responses={
        200: {"content": {"application/json": {"example": _DISABLED_EXAMPLE}}},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def disable_user(user_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> Response:
    user = await accounts.set_disabled(session, principal, user_id, disabled=True)
    response = await _one(session, user)
    await session.commit()
    return response


@router.post(
    "/{user_id}/enable",
    response_model=UserPublic,
    dependencies=[ORG_ADMINS],
    summary="启用用户 Enable a user",
    description="撤销停用（幂等），用户可以重新登录；权限与停用相同。\n\n"
    "Undoes a disable (idempotent); the user logs in again. Same permissions as disabling.",
    responses={
        200: {"content": {"application/json": {"example": {**USER_EXAMPLE, "version": 3}}}},
        **problem_responses(401, 403, 404, 422),
    },
)
async def enable_user(user_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> Response:
    user = await accounts.set_disabled(session, principal, user_id, disabled=False)
    response = await _one(session, user)
    await session.commit()
    return response


@auth_routes.post(
    "/password-reset",
    response_model=PasswordChanged,
    dependencies=[PUBLIC],
    summary="重置密码 Set a new password with a reset token",
    description="用管理员转交的重置令牌设置新密码：结束该用户的全部会话，清除该登录名的登录失败计数，并返回应使用的登录名。"
    "令牌只能用一次，未知、已用、已被取代或过期返回 401。\n\n"
    "Redeems a reset token from `POST /v1/users/{id}/password-reset` (handed over by the admin; no "
    "mail is sent): sets `new_password` (" + PASSWORD_RULES + "), ends every session of the user and clears "
    "the login's failed-login counts; answers the login to use. The token works once; unknown, used, superseded "
    "or expired "
    "→ 401.",
    responses={
        200: {"content": {"application/json": {"example": PASSWORD_CHANGED_EXAMPLE}}},
        **problem_responses(401, 422),
    },
)
async def password_reset(
    body: PasswordResetRequest, request: Request, session: SessionDep, ident: IdentityDep
) -> PasswordChanged:
    out = await accounts.reset_password(
        session, ident, reset_token=body.reset_token, new_password=body.new_password, client=client_address(request)
    )
    await session.commit()
    return out


@auth_routes.post(
    "/setup",
    status_code=201,
    response_model=UserPublic,
    dependencies=[PUBLIC],
    summary="创建首位平台管理员 First start: create the platform admin",
    description="首次启动且未设置 `CHANJIAO_BOOTSTRAP_ADMIN` 时，成员服务把一次性初始化令牌（24 小时有效）"
    "打印到标准错误输出；用它创建首位平台管理员，只能一次：已有启用的平台管理员时返回 409。\n\n"
    "On a first start without `CHANJIAO_BOOTSTRAP_ADMIN`, membership prints a one-time setup token "
    "to its standard error (valid 24 h). This creates the platform admin with it, once: when an active "
    "platform admin exists the answer is 409. Password rules: " + PASSWORD_RULES + ".",
    responses={
        201: {
            "content": {
                "application/json": {
                    "example": {**USER_EXAMPLE, "org_id": None, "org_role": None, "is_platform_admin": True}
                }
            }
        },
        **problem_responses(401, 409, 422),
    },
)
async def setup(body: SetupRequest, session: SessionDep, ident: IdentityDep) -> Response:
    user = await bootstrap.setup(session, ident, body)
    public = (await accounts.render(session, [user]))[0]
    await session.commit()
    return JSONResponse(dump(public), status_code=201, headers={"Location": f"/v1/users/{user.id}"})
