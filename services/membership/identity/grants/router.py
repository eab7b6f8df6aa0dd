"""`/v1/users/{user_id}/alliance-grants` — making a user an alliance admin, and revoking it (platform admins).

Thin endpoints: resolve dependencies, call one service function, commit once."""

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from chanjiao.app import SessionDep
from chanjiao.auth import PLATFORM_ADMIN, PrincipalDep, allow
from chanjiao.errors import problem_responses
from services.membership.identity.fields import dump
from services.membership.identity.grants import service as grants
from services.membership.identity.grants.schemas import GrantCreate, GrantPublic

router = APIRouter(prefix="/v1/users", tags=["users"])

PLATFORM_ADMINS = allow(kinds=("user",), roles=(PLATFORM_ADMIN,), scopes=("membership:write",))


@router.post(
    "/{user_id}/alliance-grants",
    status_code=201,
    response_model=GrantPublic,
    dependencies=[PLATFORM_ADMINS],
    summary="授予联盟管理员 Make a user an alliance admin",
    description="仅平台管理员可用：使用户成为联盟管理员，从其下一个访问令牌起管理该联盟（成员资格、委员会、报表）。"
    "已授予返回 409，联盟不存在返回 422。\n\n"
    "The user administers the alliance (its memberships, committees, reports) from their next "
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
    grant = await grants.add_grant(session, principal, user_id, body.alliance_id)
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
    description="仅平台管理员可用：撤销用户的联盟管理员授权，从其下一个访问令牌起生效（最多 15 分钟）。"
    "没有有效的授权时返回 404。\n\n"
    "The user no longer administers the alliance (from their next access token on; at most 15 "
    "minutes). Platform admins only. No live grant → 404.",
    responses=problem_responses(401, 403, 404, 422),
)
async def remove_alliance_grant(
    user_id: uuid.UUID, alliance_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
) -> Response:
    await grants.remove_grant(session, principal, user_id, alliance_id)
    await session.commit()
    return Response(status_code=204)
