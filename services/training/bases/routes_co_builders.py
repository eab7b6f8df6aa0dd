"""`/v1/training-bases/{base_id}/co-builders` — the co-builders 共建单位 of a training base: thin endpoints (check the
caller and the organization, call one function of services/training/bases/co_builders.py, commit once)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch, IfNoneMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, not_modified, one, render_rows
from chanjiao.sync import Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.training.bases import co_builders, service
from services.training.bases.co_builder_schemas import (
    CoBuilderCreate,
    CoBuilderPage,
    CoBuilderPublic,
    CoBuilderUpdate,
    render,
)
from services.training.orgs import org_directory
from services.training.parties import READ, WRITE, Tombstone, ensure_party

CoBuilderId = Annotated[uuid.UUID, Path(description="共建单位记录 ID The co-builder entry's id")]

router = APIRouter(prefix="/v1/training-bases/{base_id}/co-builders", tags=["training-bases"])

WHO = (
    "\n\n**谁可以 Who:** principals (org_admin or org_staff, users or the org's API key) of the base's owner, with "
    "`training:write`, and platform admins; anyone else gets 403 (a co-builder reads the list but does not write it)."
)
VISIBLE = (
    "\n\n**可见 Visible to:** principals of the base's owner and of its co-builders, service principals with "
    "`training:read` and platform admins; to anyone else the list and its entries are 404. An alliance's admins get "
    "the figure (`/v1/training-stats`, `training_bases.co_built_shared`), not the list."
)
RULES = (
    "\n\nRules: `org_id` is an existing, active organization other than the owner (422 `owner`), once per base (409 "
    "`co-builder-exists`); `investment_cny` ≥ 0 — a decimal string, 2 places; `share_percent` in (0, 100], and the "
    "shares of the base's co-builders total at most 100 (422 `share_total` on `share_percent`; the rest is the "
    "owner's); `since` the day the base became co-built (unknown: every period)."
)
_EXAMPLE = {
    "id": "019abf46-7a8b-7c9d-8e0f-1a2b3c4d5e6f",
    "base_id": "019abf44-5e6f-7a7b-8c8d-9e0f1a2b3c4d",
    "org_id": "019abf2e-0000-7000-8000-000000000002",
    "role": "co_builder",
    "role_label": "共建单位",
    "investment_cny": "1200000.00",
    "share_percent": "30.00",
    "in_kind": "捐赠DCS仿真系统 1 套",
    "since": "2022-09-01",
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}


@router.post(
    "",
    status_code=201,
    response_model=CoBuilderPublic,
    dependencies=[WRITE],
    summary="添加实训基地共建单位 Add a co-builder to a training base",
    description="实训基地的所属单位登记一个共建单位及其投入资金、份额、实物投入和共建起始日期。\n\n"
    "The base's owner records an organization that co-builds the base (共建), with what it put in. Send "
    "`Idempotency-Key` so a retry never records it twice." + RULES + WHO,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": _EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 404, 409, 422, 503),
    },
)
async def create_co_builder(
    request: Request,
    base_id: uuid.UUID,
    body: CoBuilderCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    base = await service.get(session, base_id)
    ensure_party(principal, base.owner_org_id)
    await org_directory(request).require_active({"org_id": body.org_id})
    base = await service.get(session, base_id, for_update=True)
    row = await co_builders.create(session, base=base, data=body, actor=principal.actor)
    return await created(session, idem, render(row), location=f"/v1/training-bases/{base_id}/co-builders/{row.id}")


@router.get(
    "",
    response_model=CoBuilderPage,
    dependencies=[READ],
    summary="实训基地共建单位列表 List the co-builders of a training base",
    description="实训基地的共建单位及其投入与份额，游标分页。\n\n"
    "The base's co-builders with their investment, share, in-kind contribution and start, keyset-paginated "
    "(`limit`, `cursor` → `next_cursor`). Incremental sync: `since_token` (the `sync_token` of your last pull, "
    "docs/sync.md) or `updated_since`; `include_deleted=true` adds tombstones of removed co-builders." + VISIBLE,
    responses={
        200: {"content": {"application/json": {"example": {"items": [_EXAMPLE], "next_cursor": None}}}},
        **problem_responses(401, 403, 404, 422),
    },
)
async def list_co_builders(
    base_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[bool, include_deleted_query("已移除的共建单位", "removed co-builders")] = False,
) -> CoBuilderPage:
    base = await service.get(session, base_id)
    await co_builders.check_readable(session, principal, base)
    page = await co_builders.page(
        session,
        base_id,
        since=Since.of(since_token, updated_since),
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
    )
    return CoBuilderPage(
        items=render_rows(page.rows, render, Tombstone), next_cursor=page.next_cursor, sync_token=page.sync_token
    )


@router.get(
    "/{co_builder_id}",
    response_model=CoBuilderPublic,
    dependencies=[READ],
    summary="实训基地共建单位详情 Get a co-builder of a training base",
    description="一个共建单位的投入与份额，带 `ETag`。\n\n"
    "One co-builder entry; carries an `ETag` (`If-None-Match` → 304; `If-Match` on PATCH/DELETE)." + VISIBLE,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_co_builder(
    base_id: uuid.UUID,
    co_builder_id: CoBuilderId,
    session: SessionDep,
    principal: PrincipalDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    base = await service.get(session, base_id)
    await co_builders.check_readable(session, principal, base)
    row = await co_builders.get(session, base_id, co_builder_id)
    return not_modified(if_none_match, row.version) or one(render(row))


@router.patch(
    "/{co_builder_id}",
    response_model=CoBuilderPublic,
    dependencies=[WRITE],
    summary="修改实训基地共建单位 Update a co-builder of a training base",
    description="部分更新共建单位的角色、投入资金、份额、实物投入或起始日期（单位不可更改）；请带上 `If-Match`。\n\n"
    "Partial update: only the fields sent change; `null` clears `investment_cny`, `share_percent`, `in_kind`, "
    "`since`. The organization cannot change. Send `If-Match` with the ETag you read (stale → 412)." + RULES + WHO,
    responses={
        200: {"content": {"application/json": {"example": {**_EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 412, 422),
    },
)
async def update_co_builder(
    base_id: uuid.UUID,
    co_builder_id: CoBuilderId,
    body: CoBuilderUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    base = await service.get(session, base_id, for_update=True)
    ensure_party(principal, base.owner_org_id)
    row = await co_builders.get(session, base_id, co_builder_id, for_update=True)
    row = await co_builders.update(session, row=row, changes=body, if_match=if_match, actor=principal.actor)
    response = one(render(row))
    await session.commit()
    return response


@router.delete(
    "/{co_builder_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="移除实训基地共建单位 Remove a co-builder of a training base",
    description="软删除共建单位：从列表和统计中消失（基地不再因它计为共建）。\n\n"
    "Soft delete: gone from the list and the figures (the base no longer counts as co-built through it). Send "
    "`If-Match` with the ETag you read (stale → 412)." + WHO,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_co_builder(
    base_id: uuid.UUID,
    co_builder_id: CoBuilderId,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    base = await service.get(session, base_id, for_update=True)
    ensure_party(principal, base.owner_org_id)
    row = await co_builders.get(session, base_id, co_builder_id, for_update=True)
    await co_builders.delete(session, row=row, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)
