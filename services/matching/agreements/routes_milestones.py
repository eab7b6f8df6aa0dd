"""`/v1/agreements/{agreement_id}/milestones` — an agreement's milestones (services/matching/agreements/milestones.py
has the rules)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, one
from chanjiao.sync import Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.matching.agreements import milestones, service
from services.matching.agreements.access import READ, VISIBLE, WHO, WRITE, AgreementId, MilestoneId, ensure_party
from services.matching.agreements.schemas import (
    MilestoneCreate,
    MilestonePage,
    MilestonePublic,
    MilestoneUpdate,
    render_milestone,
)

router = APIRouter(prefix="/v1/agreements", tags=["agreements"])

_MILESTONE = {
    "id": "019ac0c3-4d5e-7f6a-8b7c-8d9e0f1a2b3c",
    "agreement_id": "019ac0a1-2b3c-7d4e-8f5a-6b7c8d9e0f1a",
    "title": "首届订单班开班",
    "due_on": "2025-09-15",
    "done_on": None,
    "version": 1,
    "created_at": "2025-08-20T02:00:00+00:00",
    "updated_at": "2025-08-20T02:00:00+00:00",
}


@router.post(
    "/{agreement_id}/milestones",
    status_code=201,
    response_model=MilestonePublic,
    dependencies=[WRITE],
    summary="增加协议里程碑 Add a milestone",
    description="为草拟、已签署或执行中的合作协议增加里程碑（名称、计划日期、完成日期）。\n\n"
    "A milestone of a draft, signed or active agreement (409 `agreement-closed` after): `title`, `due_on`, "
    "`done_on` (not in the future). Send `Idempotency-Key` so a retry never adds it twice." + WHO,
    responses={
        201: {"content": {"application/json": {"example": _MILESTONE}}},
        **problem_responses(400, 401, 403, 404, 409, 422),
    },
)
async def create_milestone(
    agreement_id: AgreementId,
    body: MilestoneCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    agreement = await service.get_visible(session, principal, agreement_id, for_update=True)
    ensure_party(principal, await service.party_ids(session, agreement.id))
    m = await milestones.create(session, agreement=agreement, data=body, actor=principal.actor)
    return await created(
        session, idem, render_milestone(m), location=f"{router.prefix}/{agreement.id}/milestones/{m.id}"
    )


@router.get(
    "/{agreement_id}/milestones",
    response_model=MilestonePage,
    dependencies=[READ],
    summary="协议里程碑列表 List an agreement's milestones",
    description="合作协议的里程碑，游标分页，支持增量同步。\n\nThe agreement's milestones (keyset by id: `limit`, "
    "`cursor`); incremental sync with `since_token` (docs/sync.md)." + VISIBLE,
    responses={
        200: {"content": {"application/json": {"example": {"items": [_MILESTONE], "next_cursor": None}}}},
        **problem_responses(400, 401, 403, 404, 422),
    },
)
async def list_milestones(
    agreement_id: AgreementId,
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool, include_deleted_query("无（里程碑不会删除）", "none (milestones are never deleted)")
    ] = False,
) -> MilestonePage:
    agreement = await service.get_visible(session, principal, agreement_id)
    page = await milestones.page(
        session, agreement.id, since=Since.of(since_token, updated_since), cursor=cursor, limit=limit
    )
    return MilestonePage(
        items=[render_milestone(m) for m in page.rows], next_cursor=page.next_cursor, sync_token=page.sync_token
    )


@router.patch(
    "/{agreement_id}/milestones/{milestone_id}",
    response_model=MilestonePublic,
    dependencies=[WRITE],
    summary="修改协议里程碑 Update a milestone",
    description="修改里程碑（如登记完成日期）；`null` 清除日期；请带上 `If-Match`。\n\n"
    "Partial update: `done_on` marks it done (not in the future), `null` clears `due_on` or `done_on`. Only while "
    "the agreement is draft, signed or active. Send `If-Match` with the milestone's ETag (stale → 412)." + WHO,
    responses={
        200: {"content": {"application/json": {"example": _MILESTONE}}},
        **problem_responses(401, 403, 404, 409, 412, 422),
    },
)
async def update_milestone(
    agreement_id: AgreementId,
    milestone_id: MilestoneId,
    body: MilestoneUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    agreement = await service.get_visible(session, principal, agreement_id, for_update=True)
    ensure_party(principal, await service.party_ids(session, agreement.id))
    row = await milestones.get(session, agreement.id, milestone_id, for_update=True)
    row = await milestones.update(
        session, agreement=agreement, row=row, changes=body, if_match=if_match, actor=principal.actor
    )
    response = one(render_milestone(row))
    await session.commit()
    return response
