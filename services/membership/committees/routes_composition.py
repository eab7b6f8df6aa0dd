"""`/v1/committees/{committee_id}/transitions`, `/plan`, `/composition` — a committee's life (筹建中 → 运行 → 已撤销),
its planned composition and its composition figures (services/membership/committees/composition.py)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import ALLIANCE_ADMIN, PrincipalDep, allow, ensure_alliance_admin
from chanjiao.dates import IsoDate, today
from chanjiao.errors import problem_responses
from services.membership.committees import composition, service
from services.membership.committees.schemas import (
    CommitteePlanPut,
    CommitteePublic,
    CommitteeTransitionCreate,
    CompositionPublic,
    render,
)

router = APIRouter(prefix="/v1/committees", tags=["committees"])
PUBLIC = allow(public=True)
WRITE = allow(roles=(ALLIANCE_ADMIN,), scopes=("membership:write",), tenant="alliance")
WHO = "\n\n**谁可以 Who:** admins of the committee's alliance and platform admins; another alliance's admin gets 403."

COMPOSITION_EXAMPLE = {
    "committee_id": "019abf2e-0000-7000-8000-0000000000c1",
    "as_of": "2024-06-30",
    "period_rule": composition.PERIOD_RULE,
    "seats": 4,
    "outside_seats": 1,
    "body_seats": 1,
    "by_rank": [
        {"key": "director_unit", "label": "主任单位", "filled": 1},
        {"key": "deputy_director_unit", "label": "副主任单位", "filled": 2},
    ],
    "by_category": [{"key": "training_company", "label": "教育培训型企业", "filled": 1}],
    "plan": [
        {
            "rank": None,
            "rank_label": None,
            "category": "school",
            "category_label": "技工院校",
            "planned_min": 30,
            "planned_max": 50,
            "note": None,
            "filled": 12,
            "met": False,
        }
    ],
    "positions": 3,
    "outside_expert_positions": 1,
}


async def _ensure_admin(session: SessionDep, principal: PrincipalDep, committee_id: uuid.UUID) -> None:
    committee = await service.get_committee(session, committee_id)
    ensure_alliance_admin(principal, committee.alliance_id)


@router.post(
    "/{committee_id}/transitions",
    response_model=CommitteePublic,
    dependencies=[WRITE],
    summary="机构状态变更 Form or dissolve a committee",
    description="筹建中 → 运行（成立，设置成立日期）或 → 已撤销；运行 → 已撤销（撤销日在任的席位与职务同日结束）。\n\n"
    "`{to, effective_on, reason}`: preparing → active (formed on `effective_on`, which becomes `established_on`) "
    "or → dissolved (never formed); "
    "active → dissolved (`dissolved_on`; the seats and positions open on that day end on it). Any other move is "
    "409." + WHO,
    responses={
        200: {"content": {"application/json": {"example": {"status": "active", "status_label": "运行"}}}},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def transition_committee(
    committee_id: uuid.UUID, body: CommitteeTransitionCreate, session: SessionDep, principal: PrincipalDep
) -> JSONResponse:
    await _ensure_admin(session, principal, committee_id)
    row = await service.change_status(session, committee_id=committee_id, data=body, actor=principal.actor)
    public = render(row)
    await session.commit()
    return JSONResponse(public.model_dump(mode="json"))


@router.put(
    "/{committee_id}/plan",
    response_model=CompositionPublic,
    dependencies=[WRITE],
    summary="计划构成 Set a committee's planned composition",
    description="设置机构的计划构成（整体替换）：每行给出级别和/或类别及计划数（如 技工院校 30—50 所）。"
    "答复为今日的构成数字。\n\n"
    "Replaces the plan: each line names a rank, a category or both and the planned number (`planned_min`, "
    "`planned_max` for a range such as 30—50). Answers the composition as of today." + WHO,
    responses={
        200: {"content": {"application/json": {"example": COMPOSITION_EXAMPLE}}},
        **problem_responses(401, 403, 404, 422),
    },
)
async def put_plan(
    committee_id: uuid.UUID, body: CommitteePlanPut, session: SessionDep, principal: PrincipalDep
) -> JSONResponse:
    await _ensure_admin(session, principal, committee_id)
    await composition.put_plan(session, committee_id=committee_id, data=body, actor=principal.actor)
    answer = await composition.composition(session, committee_id=committee_id, as_of=today())
    await session.commit()
    return JSONResponse(answer.model_dump(mode="json"))


@router.get(
    "/{committee_id}/composition",
    response_model=CompositionPublic,
    dependencies=[PUBLIC],
    summary="机构构成 A committee's composition",
    description="某日在任席位按级别、按类别分别计数（一个教育培训型企业的副主任单位在两项中各计一次），"
    "计划数与实有数对照，外部单位与机构持有的席位数，职务数（其中外聘专家）。\n\n"
    "Seats held on `as_of` (default today) by rank and by category — counted apart, so a 教育培训型企业 that is a "
    "副主任单位 counts in both — the plan's lines with what fills them, outside and body seats, positions (those "
    "of outside experts). `period_rule` states the counting rule.",
    responses={200: {"content": {"application/json": {"example": COMPOSITION_EXAMPLE}}}, **problem_responses(404)},
)
async def get_composition(
    committee_id: uuid.UUID,
    session: SessionDep,
    as_of: Annotated[IsoDate | None, Query(description="统计日（默认今天） The day (default today)")] = None,
) -> JSONResponse:
    answer = await composition.composition(session, committee_id=committee_id, as_of=as_of or today())
    return JSONResponse(answer.model_dump(mode="json"))
