"""`/v1/allocations` — thin endpoints: run an allocation over a scope, read its status, progress and result
(services/matching/allocations/service.py has the rules, compute.py the work)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from starlette.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import Conflict, problem_responses
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.resources import recorded
from services.matching.allocations import service
from services.matching.allocations.access import READ, RUN, VISIBLE, WHO, AllocationId
from services.matching.allocations.schemas import AllocationCreate, AllocationPublic, render


def one(public: BaseModel, status_code: int = 200, **headers: str) -> JSONResponse:
    """The record as JSON (it has no version, so no ETag)."""
    return JSONResponse(public.model_dump(mode="json"), status_code, headers=headers or None)


router = APIRouter(prefix="/v1/allocations", tags=["allocations"])

_EXAMPLE: dict[str, Any] = {
    "id": "019ac0a1-2b3c-7d4e-8f5a-6b7c8d9e0f4d",
    "scope": {"fair_id": "019ac0a1-2b3c-7d4e-8f5a-6b7c8d9e0f2b"},
    "top_k": 20,
    "min_points": 1,
    "status": "running",
    "progress": {"phase": "scoring", "pairs_scored": 12000, "pairs_total": 40000},
    "demands": 80,
    "offers": 500,
    "objective": None,
    "greedy_objective": None,
    "result": None,
    "error": None,
    "created_at": "2027-03-15T02:00:00+00:00",
    "started_at": "2027-03-15T02:00:01+00:00",
    "finished_at": None,
}


class ResultNotReady(Conflict):
    slug = "allocation-not-done"
    title_zh, title_en = "分配尚未完成", "The allocation is not done"


@router.post(
    "",
    status_code=202,
    response_model=AllocationPublic,
    dependencies=[RUN],
    summary="运行最优分配 Run an allocation",
    description="在对接会、联盟、地区或指定需求与供给范围内，把院校供给名额分配给企业需求人数，使总分最高（最小费用流）；"
    "结果可复现，附质量报告。\n\n"
    "Collects the open demands and offers of the scope, applies the hard filters (compatible kinds, different "
    "organizations, open), scores every pair with the ranking engine and solves the min-cost flow "
    "(docs/matching-fairs-allocations.md). Answers 202 with `Location: /v1/allocations/{id}`: a small scope "
    "(demands × offers ≤ the service's `allocation_inline_pairs`) is already `done` in the answer; a larger one is "
    "`queued` and runs as a background job — poll `GET /v1/allocations/{id}` for its progress. `scope` is exactly one "
    "of `{fair_id}`, `{alliance_id}`, `{region_code}`, `{demand_ids, offer_ids}` (422 on `body.scope`)." + WHO,
    responses={
        202: {"content": {"application/json": {"example": {**_EXAMPLE, "status": "queued"}}}},
        **problem_responses(400, 401, 403, 404, 422),
    },
)
async def create_allocation(
    request: Request,
    body: AllocationCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    inline_pairs = request.app.state.settings.allocation_inline_pairs
    row = await service.create(session, principal, body, inline_pairs=inline_pairs)
    response = one(render(row), 202, Location=f"{router.prefix}/{row.id}")
    return await recorded(session, idem, response)


@router.get(
    "/{allocation_id}",
    response_model=AllocationPublic,
    dependencies=[READ],
    summary="分配运行状态与结果 Get an allocation",
    description="分配运行的状态（排队中 → 计算中 → 已完成 / 失败）、进度（阶段、已评分供需对 / 总数）和结果。\n\n"
    "Status queued → running → done / failed, progress (phase, pairs scored of the total) and, once done, the "
    "result: assignments, objective next to greedy's, quality report and pruning effect." + VISIBLE,
    responses={200: {"content": {"application/json": {"example": _EXAMPLE}}}, **problem_responses(401, 403, 404, 422)},
)
async def get_allocation(allocation_id: AllocationId, session: SessionDep, principal: PrincipalDep) -> Response:
    row = await service.get_visible(session, principal, allocation_id)
    return one(render(row))


@router.get(
    "/{allocation_id}/result",
    dependencies=[READ],
    summary="分配结果原文 Get an allocation's stored result",
    description="分配结果的规范 JSON 原文（RFC 8785）：同一输入得到逐字节相同的结果。\n\n"
    "The stored canonical JSON (RFC 8785) of the result, byte for byte: the same input gives the same bytes. "
    "409 `allocation-not-done` until the run is done." + VISIBLE,
    responses={
        200: {"content": {"application/json": {"example": {"assignments": [], "objective": 0}}}},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def get_allocation_result(allocation_id: AllocationId, session: SessionDep, principal: PrincipalDep) -> Response:
    row = await service.get_visible(session, principal, allocation_id)
    if row.result is None:
        raise ResultNotReady(
            detail_zh=f"分配尚未完成（当前状态 {row.status}）", detail_en=f"The allocation is {row.status}, not done"
        )
    return Response(row.result, media_type="application/json")
