"""`/v1/api-keys` — keys for third-party systems (a school's academic system, a secretariat's own site) — and
`POST /v1/auth/introspect`, where the gateway checks an `X-API-Key`.

Thin endpoints: resolve dependencies, call one service function, commit once. Creation takes no
`Idempotency-Key`: a replay would have to store the key."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from chanjiao.app import SessionDep
from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, PrincipalDep, allow
from chanjiao.dates import AwareDatetime
from chanjiao.errors import problem_responses
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.sync import Since, SinceTokenQuery
from services.membership.identity.api_keys import service as keys
from services.membership.identity.api_keys.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPage,
    ApiKeyPublic,
    IntrospectRequest,
    IntrospectResponse,
)
from services.membership.identity.fields import dump

router = APIRouter(prefix="/v1/api-keys", tags=["api-keys"])
auth_routes = APIRouter(prefix="/v1/auth", tags=["auth"])

# People manage keys (a key cannot mint keys): org_admins their organization's, alliance admins their
# alliance's, platform admins any.
MANAGE = allow(kinds=("user",), roles=(ORG_ADMIN, ALLIANCE_ADMIN), scopes=("membership:write",), tenant="organization")
READ = allow(kinds=("user",), roles=(ORG_ADMIN, ALLIANCE_ADMIN), scopes=("membership:read",), tenant="organization")

_EXAMPLE = {
    "id": "019abf50-3c4d-7e5f-8a6b-7c8d9e0f1a2b",
    "name": "教务系统对接",
    "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "alliance_id": None,
    "scopes": ["membership:read", "training:write"],
    "prefix": "cjk_R2d9xQ7a",
    "created_by": "user:019abf40-2b3c-7d4e-8f50-6172839a4b5c",
    "created_at": "2026-11-25T08:00:00+00:00",
    "expires_at": "2027-12-31T00:00:00+08:00",
    "revoked_at": None,
    "last_used_at": "2026-11-26T02:13:00+00:00",
    "active": True,
    "updated_at": "2026-11-26T02:13:00+00:00",
}


@router.post(
    "",
    status_code=201,
    response_model=ApiKeyCreated,
    dependencies=[MANAGE],
    summary="创建 API 密钥 Create an API key",
    description="为一个单位（由其单位管理员）或一个联盟（由其联盟管理员）创建 API 密钥，平台管理员两者皆可；"
    "所申请的权限范围不得超出调用令牌持有的范围（否则 403 `scope-ceiling`）。单位的密钥以该单位的单位管理员身份、"
    "联盟的密钥以该联盟管理员身份在其权限范围内操作。密钥只返回一次，请保存在以 `X-API-Key` 发送它的系统中；"
    "系统只保存其 SHA-256 和前缀。\n\n"
    "A key of one organization (`org_id`; by its org_admins) or one alliance (`alliance_id`; by "
    "its alliance admins) — platform admins create either. `scopes`: a non-empty subset of "
    "membership:read/write, training:read/write, training:reveal, matching:read/write, and never more than the "
    "calling token holds (a wider request is 403 `scope-ceiling` naming the missing scopes). An organization's "
    "key acts as that "
    "organization's org_admin, an alliance's key as that alliance's admin, within its scopes. `expires_at` "
    "is optional and must be in the future.\n\n"
    "The key (`key`, `cjk_…`) is answered **once**: store it in the system that will send it as `X-API-Key`. "
    "Only its SHA-256 and its first characters (`prefix`) are kept. Another tenant → 403.",
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": {**_EXAMPLE, "last_used_at": None, "key": "cjk_R2d9xQ7a…"}}},
        },
        **problem_responses(401, 403, 422),
    },
)
async def create_api_key(body: ApiKeyCreate, session: SessionDep, principal: PrincipalDep) -> Response:
    key, secret = await keys.create_key(session, principal, body)
    out = ApiKeyCreated(**keys.render(key).model_dump(), key=secret)
    await session.commit()
    return JSONResponse(
        dump(out), status_code=201, headers={"Location": f"/v1/api-keys/{key.id}", "Cache-Control": "no-store"}
    )


@router.get(
    "",
    response_model=ApiKeyPage,
    dependencies=[READ],
    summary="查询 API 密钥 List API keys",
    description="单位管理员查看本单位的密钥，联盟管理员查看本联盟的密钥，平台管理员查看全部；支持增量同步。\n\n"
    "Your organization's keys (org_admin) and your alliances' keys (alliance admin); platform admins "
    "see all. Filters `org_id`, `alliance_id`. The keys themselves are never shown, only `prefix`. Incremental "
    "sync: pass the `sync_token` of your last pull as `since_token` (docs/sync.md; `updated_since` works too, "
    "against `updated_at`). Keys are never deleted: a revoked key comes as a changed row with its `revoked_at` "
    "and `active: false` (and a key comes again when its `last_used_at` moves, at most once a minute); so "
    "`include_deleted=true` adds no tombstones here (accepted like on every list).",
    responses={
        200: {"content": {"application/json": {"example": {"items": [_EXAMPLE], "next_cursor": None}}}},
        **problem_responses(401, 403, 422),
    },
)
async def list_api_keys(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    org_id: Annotated[uuid.UUID | None, Query(description="单位 Keys of this organization")] = None,
    alliance_id: Annotated[uuid.UUID | None, Query(description="联盟 Keys of this alliance")] = None,
    updated_since: Annotated[
        AwareDatetime | None,
        Query(description="增量同步：只返回此时刻之后变更的密钥 Only keys changed after this timestamp"),
    ] = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool,
        Query(description="包含墓碑；密钥不会被删除，撤销的密钥照常列出 Include tombstones; keys are never deleted"),
    ] = False,
) -> ApiKeyPage:
    page = await keys.list_keys(
        session,
        principal,
        org_id=org_id,
        alliance_id=alliance_id,
        since=Since.of(since_token, updated_since),
        cursor=cursor,
        limit=limit,
    )
    return ApiKeyPage(
        items=[keys.render(k) for k in page.rows], next_cursor=page.next_cursor, sync_token=page.sync_token
    )


@router.get(
    "/{key_id}",
    response_model=ApiKeyPublic,
    dependencies=[READ],
    summary="API 密钥详情 Get an API key",
    description="API 密钥详情：前缀、权限范围、有效期、撤销情况和最近使用时间（最多每分钟更新一次），不含密钥本身；"
    "其他单位或联盟的密钥返回 404。\n\n"
    "Prefix, scopes, expiry, revocation and last use (updated at most once a minute). Another "
    "tenant's key → 404.",
    responses={200: {"content": {"application/json": {"example": _EXAMPLE}}}, **problem_responses(401, 403, 404, 422)},
)
async def get_api_key(key_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> ApiKeyPublic:
    return keys.render(await keys.get_key(session, principal, key_id))


@router.post(
    "/{key_id}/revoke",
    response_model=ApiKeyPublic,
    dependencies=[MANAGE],
    summary="撤销 API 密钥 Revoke an API key",
    description="撤销密钥：在成员服务中立即失效，在网关则于其密钥缓存的有效期内（最多 60 秒）失效。幂等；"
    "其他单位或联盟的密钥返回 403。\n\n"
    "The key stops working at once in membership and at the gateway within its key cache's TTL "
    "(`api_key_cache_ttl_seconds`, at most 60 s). Idempotent. Another tenant's key → 403.",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {**_EXAMPLE, "revoked_at": "2026-11-27T08:00:00+00:00", "active": False}
                }
            }
        },
        **problem_responses(401, 403, 404, 422),
    },
)
async def revoke_api_key(key_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> ApiKeyPublic:
    out = keys.render(await keys.revoke_key(session, principal, key_id))
    await session.commit()
    return out


@router.delete(
    "/{key_id}",
    status_code=204,
    dependencies=[MANAGE],
    summary="删除（撤销）API 密钥 Delete (revoke) an API key",
    description="与 `POST /v1/api-keys/{key_id}/revoke` 相同：撤销密钥，其记录保留以备审计。幂等。\n\n"
    "Same as `POST /v1/api-keys/{key_id}/revoke`; the key's record stays for the audit trail. Idempotent.",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_api_key(key_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> Response:
    await keys.revoke_key(session, principal, key_id)
    await session.commit()
    return Response(status_code=204)


@auth_routes.post(
    "/introspect",
    response_model=IntrospectResponse,
    dependencies=[allow(kinds=("service",), scopes=("identity:introspect",))],
    summary="校验 API 密钥 Introspect an API key (gateway)",
    description="网关查询一个 `X-API-Key` 是否有效：有效时返回密钥代表的主体（单位的密钥相当于单位管理员，"
    "联盟的密钥相当于联盟管理员，以密钥的权限范围为限）；未知、格式错误、已撤销、已过期或单位、联盟已删除时"
    "返回 `{active: false}`。最多每分钟更新一次密钥的 `last_used_at`。\n\n"
    "The gateway asks whether an `X-API-Key` is valid. Active: `{active: true, principal: {kind: "
    "api_key, subject: <key id>, org_id, roles, scopes, alliances}, expires_at}` — an organization's key acts "
    "as its `org_admin`, an alliance's key as its `alliance_admin`, limited to the key's scopes. Otherwise "
    "(unknown, malformed, revoked, expired, organization or alliance deleted) `{active: false}`. Updates the "
    "key's `last_used_at` at most once a minute.",
    responses={
        200: {
            "content": {
                "application/json": {
                    "examples": {
                        "active": {
                            "value": {
                                "active": True,
                                "principal": {
                                    "kind": "api_key",
                                    "subject": "019abf50-3c4d-7e5f-8a6b-7c8d9e0f1a2b",
                                    "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
                                    "roles": ["org_admin"],
                                    "scopes": ["membership:read", "training:write"],
                                    "alliances": [],
                                },
                                "expires_at": None,
                            }
                        },
                        "inactive": {"value": {"active": False}},
                    }
                }
            }
        },
        **problem_responses(401, 403, 422),
    },
)
async def introspect(body: IntrospectRequest, session: SessionDep) -> JSONResponse:
    result = await keys.introspect(session, body.api_key)
    await session.commit()
    return JSONResponse(result, headers={"Cache-Control": "no-store"})
