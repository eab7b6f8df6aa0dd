"""`/v1/users/*` — the caller's account, invitations, and account administration.

Thin endpoints: resolve dependencies, call one service function, commit once. Routes that hand out a
one-time token do not take `Idempotency-Key`: a replay would have to store the token."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from chanjiao.app import SessionDep
from chanjiao.auth import ORG_ADMIN, PLATFORM_ADMIN, PrincipalDep, allow
from chanjiao.errors import problem_responses
from chanjiao.etag import IfNoneMatch, revalidated_json
from chanjiao.pagination import CursorQuery, LimitQuery
from services.membership.identity import service
from services.membership.identity.models import User
from services.membership.identity.routes_auth import PASSWORD_CHANGED_EXAMPLE, USER_EXAMPLE
from services.membership.identity.runtime import Identity, get_identity
from services.membership.identity.schemas import (
    PASSWORD_RULES,
    GrantCreate,
    GrantPublic,
    InvitationCreate,
    InvitationCreated,
    Me,
    PasswordChange,
    PasswordChanged,
    ResetCreated,
    UserPage,
    UserPublic,
    dump,
)
from services.membership.identity.throttle import client_address

router = APIRouter(prefix="/v1/users", tags=["users"])

IdentityDep = Annotated[Identity, Depends(get_identity)]
# The caller's own account needs no scope: any token may ask who it is, and changing the password
# needs the current one (which opens every scope anyway). Everything else declares its scope.
SELF = allow(kinds=("user",), tenant="self")
WRITE = ("membership:write",)
READ = ("membership:read",)
ORG_ADMINS = allow(kinds=("user",), roles=(ORG_ADMIN,), scopes=WRITE, tenant="organization")
ORG_ADMINS_READ = allow(kinds=("user",), roles=(ORG_ADMIN,), scopes=READ, tenant="organization")
PLATFORM_ADMINS = allow(kinds=("user",), roles=(PLATFORM_ADMIN,), scopes=WRITE)
NO_STORE = {"Cache-Control": "no-store"}

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


async def _one(session: SessionDep, user: User, status_code: int = 200) -> JSONResponse:
    public = (await service.render(session, [user]))[0]
    return JSONResponse(dump(public), status_code=status_code)


@router.get(
    "/me",
    response_model=Me,
    dependencies=[SELF],
    summary="当前用户 Who am I",
    description="The calling user's account as it is now (organization, role, alliances administered, the roles "
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
    me = await service.me(session, principal)
    return revalidated_json(dump(me), if_none_match)


@router.post(
    "/me/password",
    response_model=PasswordChanged,
    dependencies=[SELF],
    summary="修改密码 Change my password",
    description="`current_password` must be right (else 403). Wrong current passwords count like failed logins "
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
    out = await service.change_password(session, ident, principal, body, client=client_address(request))
    await session.commit()
    return out


@router.post(
    "/invitations",
    status_code=201,
    response_model=InvitationCreated,
    dependencies=[allow(kinds=("user",), roles=(ORG_ADMIN, "alliance_admin"), scopes=WRITE, tenant="organization")],
    summary="邀请用户 Invite a user",
    description="Creates a one-time invitation token, answered **once** (`invitation_token`); it is not sent "
    "anywhere — hand it to the invitee, who redeems it with `POST /v1/auth/claim` within "
    "`invitation_ttl_hours` (7 days).\n\n"
    "- `{org_id, role}`: a member of an organization. A platform admin invites anyone; an org_admin invites "
    "org_admins and org_staff of its own organization; an alliance admin invites the **first** org_admin of an "
    "organization that has a membership (any status) in its alliance, only while the organization has no "
    "active org_admin (else 403) — from then on that org_admin invites the others.\n"
    "- `{alliance_id}`: an alliance admin (its secretariat); platform admins only.\n\n"
    "Another organization → 403. The invitee will log in with every scope of the role, so the calling token must "
    "hold all of them (a login narrowed with `scope=` cannot invite: 403 `scope-ceiling` naming the missing "
    "scopes).",
    responses={
        201: {
            "content": {
                "application/json": {
                    "example": {
                        "id": "019abf41-0a1b-7c2d-8e3f-405162738495",
                        "invitation_token": "cji_Yk3…",
                        "expires_at": "2026-12-02T08:00:00+00:00",
                        "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
                        "role": "org_admin",
                        "alliance_id": None,
                        "display_name": "王建华",
                    }
                }
            }
        },
        **problem_responses(401, 403, 422),
    },
)
async def create_invitation(
    body: InvitationCreate, session: SessionDep, principal: PrincipalDep, ident: IdentityDep
) -> Response:
    row, secret = await service.create_invitation(session, ident, principal, body)
    out = InvitationCreated(
        id=row.id,
        invitation_token=secret,
        expires_at=row.expires_at,
        org_id=row.org_id,
        role=row.org_role,  # type: ignore[arg-type]
        alliance_id=row.alliance_id,
        display_name=row.display_name,
    )
    await session.commit()
    return JSONResponse(dump(out), status_code=201, headers=NO_STORE)


@router.get(
    "",
    response_model=UserPage,
    dependencies=[ORG_ADMINS_READ],
    summary="查询用户 List users",
    description="Platform admins list every user (filter `org_id`); an org_admin lists its own organization's "
    "users (another `org_id` → 403). Keyset-paginated (`limit`, `cursor` → `next_cursor`).",
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
) -> UserPage:
    users, next_cursor = await service.list_users(session, principal, org_id=org_id, cursor=cursor, limit=limit)
    return UserPage(items=await service.render(session, users), next_cursor=next_cursor)


@router.get(
    "/{user_id}",
    response_model=UserPublic,
    dependencies=[allow(kinds=("user",), scopes=READ)],
    summary="用户详情 Get a user",
    description="Yourself, a user of your own organization (org_admin), or anyone (platform admin). Other users → 404.",
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
    description="For a user who forgot their password: a one-time reset token, answered **once** and valid "
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
    row, secret = await service.create_reset(session, ident, principal, user_id)
    out = ResetCreated(user_id=user_id, reset_token=secret, expires_at=row.expires_at)
    await session.commit()
    return JSONResponse(dump(out), status_code=201, headers=NO_STORE)


_DISABLED_EXAMPLE = {**USER_EXAMPLE, "disabled_at": "2026-11-25T09:00:00+00:00", "version": 2}


@router.post(
    "/{user_id}/disable",
    response_model=UserPublic,
    dependencies=[ORG_ADMINS],
    summary="停用用户 Disable a user",
    description="The user can no longer log in or refresh (their sessions end at once; an access token already "
    "issued lasts until it expires, at most 15 minutes). Idempotent. You cannot disable yourself (409). "
    "Platform admins for anyone; an org_admin for users of its own organization; others → 403.",
    responses={
        200: {"content": {"application/json": {"example": _DISABLED_EXAMPLE}}},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def disable_user(user_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> Response:
    user = await service.set_disabled(session, principal, user_id, disabled=True)
    response = await _one(session, user)
    await session.commit()
    return response


@router.post(
    "/{user_id}/enable",
    response_model=UserPublic,
    dependencies=[ORG_ADMINS],
    summary="启用用户 Enable a user",
    description="Undoes a disable (idempotent); the user logs in again. Same permissions as disabling.",
    responses={
        200: {"content": {"application/json": {"example": {**USER_EXAMPLE, "version": 3}}}},
        **problem_responses(401, 403, 404, 422),
    },
)
async def enable_user(user_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> Response:
    user = await service.set_disabled(session, principal, user_id, disabled=False)
    response = await _one(session, user)
    await session.commit()
    return response


@router.post(
    "/{user_id}/alliance-grants",
    status_code=201,
    response_model=GrantPublic,
    dependencies=[PLATFORM_ADMINS],
    summary="授予联盟管理员 Make a user an alliance admin",
    description="The user administers the alliance (its memberships, committees, reports) from their next "
    "access token on. Platform admins only. Already granted → 409; unknown alliance → 422.",
    responses={
        201: {
            "content": {
                "application/json": {
                    "example": {
                        "user_id": "019abf40-2b3c-7d4e-8f50-6172839a4b5c",
                        "alliance_id": "019abf2d-1111-7abc-8def-0123456789ab",
                        "granted_at": "2026-11-25T08:00:00+00:00",
                        "granted_by": "user:019abf3f-0000-7000-8000-000000000001",
                    }
                }
            }
        },
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def add_alliance_grant(
    user_id: uuid.UUID, body: GrantCreate, session: SessionDep, principal: PrincipalDep
) -> Response:
    grant = await service.add_grant(session, principal, user_id, body.alliance_id)
    out = GrantPublic(
        user_id=grant.user_id, alliance_id=grant.alliance_id, granted_at=grant.granted_at, granted_by=grant.granted_by
    )
    await session.commit()
    return JSONResponse(dump(out), status_code=201)


@router.delete(
    "/{user_id}/alliance-grants/{alliance_id}",
    status_code=204,
    dependencies=[PLATFORM_ADMINS],
    summary="撤销联盟管理员 Revoke an alliance grant",
    description="The user no longer administers the alliance (from their next access token on; at most 15 "
    "minutes). Platform admins only. No live grant → 404.",
    responses=problem_responses(401, 403, 404, 422),
)
async def remove_alliance_grant(
    user_id: uuid.UUID, alliance_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
) -> Response:
    await service.remove_grant(session, principal, user_id, alliance_id)
    await session.commit()
    return Response(status_code=204)
