"""`/v1/hires/figures` and `/v1/hires/graduate-counts/{org_id}/{year}` — a school's and an employer's yearly hiring
figures, and the graduate count a school supplies for them (docs/matching-hires.md, "Figures")."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import problem_responses
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.resources import one, recorded
from services.matching.hires import service
from services.matching.hires.access import OWN_READ, WHO_OWN, WRITE, ensure_acts_for
from services.matching.hires.schemas import HireFigures, HireGraduateCountIn, HireGraduateCountPublic

router = APIRouter(prefix="/v1/hires", tags=["hires"])

Year = Annotated[int, Query(ge=1950, le=2100, description="年份 — the calendar year of `hired_on`")]

_FIGURES = {
    "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "year": 2026,
    "as_school": {
        "graduates_hired": 380,
        "from_order_classes": 120,
        "from_apprenticeships": 60,
        "unconfirmed": 4,
        "graduates": 1200,
        "in_field": 300,
        "employment_rate": 0.3167,
        "in_field_rate": 0.7895,
    },
    "as_employer": {"hires": 0, "from_order_classes": 0, "from_apprenticeships": 0, "unconfirmed": 0, "schools": 0},
}


@router.get(
    "/figures",
    response_model=HireFigures,
    dependencies=[OWN_READ],
    summary="年度招录数据 Yearly hiring figures",
    description="某单位某年的招录数据：作为学校——本校毕业生被招录人数（其中订单班、学徒制），"
    "及学校填报毕业生数时的就业率与对口率；作为用人单位——招录人数（其中订单班、学徒制）与来源学校数。"
    "只计已确认的招录。\n\n"
    "One organization's figures for one year (of `hired_on`), counted in SQL over confirmed hires: as a school, "
    "its graduates hired, those through order classes and apprenticeships, and — when it supplied its graduate "
    "count (`PUT /v1/hires/graduate-counts/{org_id}/{year}`) — `employment_rate` = graduates_hired / graduates "
    "and `in_field_rate` (对口率) = in_field / graduates_hired; as an employer, its hires, those through order "
    "classes and apprenticeships, and how many schools they came from. Recorded or disputed hires are only "
    "counted in `unconfirmed`." + WHO_OWN,
    responses={200: {"content": {"application/json": {"example": _FIGURES}}}, **problem_responses(400, 401, 403, 422)},
)
async def hire_figures(
    session: SessionDep,
    principal: PrincipalDep,
    org_id: Annotated[uuid.UUID, Query(description="单位 — the school or the employer")],
    year: Year,
) -> HireFigures:
    ensure_acts_for(principal, org_id, ("本单位", "the organization itself"))
    return await service.figures(session, org_id=org_id, year=year)


@router.put(
    "/graduate-counts/{org_id}/{year}",
    response_model=HireGraduateCountPublic,
    dependencies=[WRITE],
    summary="填报毕业生数 Supply a year's graduate count",
    description="学校填报某年毕业生数（以及对口就业人数，可选），用于计算就业率与对口率；整体替换。\n\n"
    "A school supplies its graduates of the year and, optionally, how many work in their field (`in_field` ≤ "
    "`graduates`, 422 otherwise); the whole count is replaced. 201 when the year is new, 200 when replaced." + WHO_OWN,
    responses={
        200: {"content": {"application/json": {"example": {"org_id": _FIGURES["org_id"], "year": 2026}}}},
        201: {"description": "The year's first count"},
        **problem_responses(400, 401, 403, 422),
    },
)
async def put_graduate_count(
    org_id: Annotated[uuid.UUID, Path(description="学校 ID — the school's organization id")],
    year: Annotated[int, Path(ge=1950, le=2100, description="毕业年份 — the year")],
    body: HireGraduateCountIn,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    ensure_acts_for(principal, org_id, ("本单位", "the organization itself"))
    row, new = await service.put_graduate_count(session, org_id=org_id, year=year, data=body, actor=principal.actor)
    public = HireGraduateCountPublic(
        org_id=row.org_id,
        year=row.year,
        graduates=row.graduates,
        in_field=row.in_field,
        version=row.version,
        updated_at=row.updated_at,
    )
    return await recorded(session, idem, one(public, 201 if new else 200))
