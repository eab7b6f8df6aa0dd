"""`/v1/alliances/{alliance_id}/outside-experts` — outside experts 外聘专家 of the alliance's expert pool: experts the
alliance engages who are not people of a member unit (name, affiliation, title, field). The alliance's admins
write them; the pool's readers (services/membership/alliances/experts.py) read them; anyone else gets 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import ALLIANCE_ADMIN, PrincipalDep, allow, ensure_alliance_admin
from chanjiao.dates import IsoDate, today
from chanjiao.errors import NotFound, problem_responses
from chanjiao.etag import IfMatch
from chanjiao.idempotency import IdempotencyDep
from chanjiao.resources import created, one
from services.membership.alliances import expert_service as service
from services.membership.alliances import service as alliances
from services.membership.alliances.expert_schemas import (
    EXAMPLE_BODY,
    OutsideExpertCreate,
    OutsideExpertPublic,
    OutsideExpertUpdate,
    render,
)

router = APIRouter(prefix="/v1/alliances", tags=["alliances"])
WRITE = allow(roles=(ALLIANCE_ADMIN,), scopes=("membership:write",), tenant="alliance")
READ = allow(scopes=("membership:read",))
WHO = "\n\n**谁可以 Who:** the alliance's admins and platform admins; another alliance's admin gets 403."
READERS = (
    "\n\n**谁可以读 Readers:** the alliance's admins, principals of organizations that are members on the day, "
    "services with `membership:read` and platform admins; anyone else gets 404."
)
EXAMPLE = {
    "id": "019abf2e-0000-7000-8000-0000000000f1",
    "alliance_id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7c",
    **EXAMPLE_BODY,
    "ended_on": None,
    "version": 1,
    "created_at": "2026-11-25T08:00:00Z",
    "updated_at": "2026-11-25T08:00:00Z",
}
PATH = "/{alliance_id}/outside-experts"
ExpertId = Annotated[uuid.UUID, Path(description="外聘专家 ID The outside expert's id")]


async def _readable(session: SessionDep, principal: PrincipalDep, alliance_id: uuid.UUID) -> None:
    await alliances.get_alliance(session, alliance_id)
    if not await service.may_read_pool(session, principal, alliance_id, today()):
        raise NotFound(detail_zh="没有可查看的专家库", detail_en="No expert pool you may read")


@router.post(
    PATH,
    status_code=201,
    response_model=OutsideExpertPublic,
    dependencies=[WRITE],
    summary="聘请外聘专家 Engage an outside expert",
    description="把不属于成员单位的专家（全国著名职业教育专家、教材专家、企业专家等）加入联盟专家库：姓名、工作单位、"
    "职称、专业领域、聘请日期。\n\nAdds an expert who is not a person of a member unit to the alliance's pool; "
    "they may then hold positions on its committees and expert groups (`expert_id`)." + WHO,
    responses={201: {"content": {"application/json": {"example": EXAMPLE}}}, **problem_responses(401, 403, 404, 422)},
)
async def create_outside_expert(
    alliance_id: uuid.UUID,
    body: OutsideExpertCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    ensure_alliance_admin(principal, alliance_id)
    await alliances.get_alliance(session, alliance_id)
    row = await service.create(session, alliance_id=alliance_id, data=body, actor=principal.actor)
    return await created(session, idem, render(row), location=f"/v1/alliances/{alliance_id}/outside-experts/{row.id}")


@router.get(
    PATH,
    response_model=list[OutsideExpertPublic],
    dependencies=[READ],
    summary="外聘专家 The alliance's outside experts",
    description="联盟专家库中的外聘专家（不分页，按姓名排序）；给出 `as_of` 时只列该日在聘者。\n\n"
    "Every live outside expert, or those engaged on `as_of` (engaged_on ≤ day ≤ ended_on, open ends count); "
    "unpaged, by name." + READERS,
    responses={200: {"content": {"application/json": {"example": [EXAMPLE]}}}, **problem_responses(404, 422)},
)
async def list_outside_experts(
    alliance_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    as_of: Annotated[IsoDate | None, Query(description="只列出该日在聘者 Only those engaged on this day")] = None,
) -> JSONResponse:
    await _readable(session, principal, alliance_id)
    rows = await service.list_pool(session, alliance_id=alliance_id, as_of=as_of)
    return JSONResponse([render(r).model_dump(mode="json") for r in rows])


@router.get(
    PATH + "/{expert_id}",
    response_model=OutsideExpertPublic,
    dependencies=[READ],
    summary="外聘专家详情 Get an outside expert",
    description="联盟专家库中的一位外聘专家，带 `ETag`，修改时作为 `If-Match` 发回。\n\n"
    "One outside expert, with its ETag for If-Match." + READERS,
    responses={200: {"content": {"application/json": {"example": EXAMPLE}}}, **problem_responses(404)},
)
async def get_outside_expert(
    alliance_id: uuid.UUID, expert_id: ExpertId, session: SessionDep, principal: PrincipalDep
) -> JSONResponse:
    await _readable(session, principal, alliance_id)
    return one(render(await service.get(session, alliance_id, expert_id)))


@router.patch(
    PATH + "/{expert_id}",
    response_model=OutsideExpertPublic,
    dependencies=[WRITE],
    summary="修改外聘专家 Update an outside expert",
    description="部分更新外聘专家的信息（解聘时设置解聘日期 `ended_on`），可带 `If-Match`。\n\n"
    "Partial update (to end the engagement set `ended_on`); optional If-Match (stale → 412)." + WHO,
    responses={
        200: {"content": {"application/json": {"example": {**EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 412, 422),
    },
)
async def update_outside_expert(
    alliance_id: uuid.UUID,
    expert_id: ExpertId,
    body: OutsideExpertUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> JSONResponse:
    ensure_alliance_admin(principal, alliance_id)
    row = await service.update(
        session, alliance_id=alliance_id, expert_id=expert_id, changes=body, if_match=if_match, actor=principal.actor
    )
    response = one(render(row))
    await session.commit()
    return response


@router.delete(
    PATH + "/{expert_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除外聘专家 Remove an outside expert",
    description="删除录错的外聘专家（解聘请用 `ended_on`）；其已担任的职务保留。\n\n"
    "Removes an expert recorded by mistake (to end an engagement, set `ended_on`); positions they held stay "
    "on record." + WHO,
    responses={204: {"description": "已删除 Removed"}, **problem_responses(401, 403, 404, 412)},
)
async def delete_outside_expert(
    alliance_id: uuid.UUID, expert_id: ExpertId, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    ensure_alliance_admin(principal, alliance_id)
    await service.delete(
        session, alliance_id=alliance_id, expert_id=expert_id, if_match=if_match, actor=principal.actor
    )
    await session.commit()
    return Response(status_code=204)
